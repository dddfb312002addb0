package telegram

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestNoSlotBeforeDeadline: a chat whose backlog outlasts the caller's
// deadline gets ErrNoSlot at once and books nothing, so callers that give
// up (a security probe held every worker by posting to the operators group
// faster than one a second) do not push the chat's next slot further out.
func TestNoSlotBeforeDeadline(t *testing.T) {
	l := newLimiter(30, time.Second, 3)
	const chat = -100123
	for i := range 3 { // the burst leaves at once
		if err := l.wait(context.Background(), chat, true, false); err != nil {
			t.Fatalf("message %d of the burst: %v", i+1, err)
		}
	}
	booked := l.chats[chat]
	for range 50 {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		start := time.Now()
		err := l.wait(ctx, chat, true, false)
		cancel()
		if !errors.Is(err, ErrNoSlot) || time.Since(start) > 100*time.Millisecond {
			t.Fatalf("a message the chat has no slot for in time: %v after %v, want ErrNoSlot at once", err, time.Since(start))
		}
	}
	if got := l.chats[chat]; !got.Equal(booked) {
		t.Fatalf("refused messages moved the chat's next slot by %v", got.Sub(booked))
	}
	// another chat is not held back
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := l.wait(ctx, 42, true, false); err != nil {
		t.Fatalf("another chat: %v", err)
	}
}
