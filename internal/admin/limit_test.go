package admin

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/lograte"
)

// TestMemoryFallbackEvictsTheOldestUnlocked: with Redis down the limiter
// counts in memory; spreading failures over more clients than it
// remembers forgets the oldest ones that are not locked out, never the
// whole table, so the locked-out attacker stays locked out.
func TestMemoryFallbackEvictsTheOldestUnlocked(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 50 * time.Millisecond, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	defer rdb.Close()
	now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	l := &limiter{
		rdb: rdb, key: func(c string) string { return "test:" + c }, clients: map[string][]time.Time{},
		now:  func() time.Time { return now },
		warn: lograte.New(slog.New(slog.DiscardHandler), time.Minute, nil),
	}
	ctx := context.Background()
	for range maxFailures {
		l.fail(ctx, "203.0.113.66") // Redis refuses: counted in memory
	}
	if !l.locked(ctx, "203.0.113.66") {
		t.Fatal("not locked out with Redis down")
	}
	for i := range maxClients + 500 {
		now = now.Add(time.Millisecond)
		l.failInMemory(fmt.Sprintf("h%d", i))
	}
	if len(l.clients) > maxClients {
		t.Errorf("%d clients remembered, want at most %d", len(l.clients), maxClients)
	}
	if !l.lockedInMemory("203.0.113.66") {
		t.Error("spreading failures over many addresses unlocked the attacker")
	}
	if _, ok := l.clients["h0"]; ok {
		t.Error("the oldest client was not the one forgotten")
	}
	if _, ok := l.clients[fmt.Sprintf("h%d", maxClients+499)]; !ok {
		t.Error("the newest client was forgotten")
	}
}
