package store

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestInProcessRedisNeedsItsPassword: the in-process Redis listens on
// loopback; a client without the store's password is refused, so another
// process on the host cannot run commands in the bot's (probe S3).
func TestInProcessRedisNeedsItsPassword(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stranger := redis.NewClient(&redis.Options{Addr: s.mini.Addr(), Protocol: 2})
	defer stranger.Close()
	if err := stranger.Eval(ctx, "return 1+1", nil).Err(); err == nil {
		t.Fatal("a client without the password ran Lua in the in-process Redis")
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("the store itself: %v", err)
	}
}
