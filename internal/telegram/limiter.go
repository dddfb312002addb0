package telegram

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/vneid-guide/vneidbot/internal/retry"
)

// limiter spaces out the messages of one bot token so that Telegram's limits
// hold: about 30 messages per second overall and about one per second in a
// chat (with a small burst, so that a reply of two or three messages goes out
// at once). After a 429 it holds back every call through the token until
// retry_after has passed. Replies go before bulk sends: a bulk send waits
// while the overall budget is in use. The overall budget and the pause are
// the token's, so they are kept in Redis for every replica (see shared); the
// per-chat spacing is local.
//
// Each budget is a GCRA (a token bucket kept as one "theoretical arrival
// time"): a message may leave at max(now, tat-(burst-1)·interval), and
// reserving it moves tat on by one interval.
type limiter struct {
	mu          sync.Mutex
	now         func() time.Time
	global      bucket
	chatEvery   time.Duration
	chatBurst   int
	chats       map[int64]time.Time // per-chat tat
	pausedUntil time.Time
	lastPrune   time.Time
	// shared, when set, holds the overall budget and the pause in Redis,
	// for all replicas; if Redis fails, the local budget stands in.
	shared *shared
}

type bucket struct {
	every time.Duration
	burst int
	tat   time.Time
}

// reserve books one message no earlier than t and returns when it may leave.
func (b *bucket) reserve(t time.Time) time.Time {
	at := b.tat.Add(-time.Duration(b.burst-1) * b.every)
	if at.Before(t) {
		at = t
	}
	if b.tat.Before(at) {
		b.tat = at
	}
	b.tat = b.tat.Add(b.every)
	return at
}

func newLimiter(perSecond float64, chatEvery time.Duration, chatBurst int) *limiter {
	every := time.Duration(float64(time.Second) / perSecond)
	return &limiter{
		now:       time.Now,
		global:    bucket{every: every, burst: max(1, int(perSecond/6))},
		chatEvery: chatEvery,
		chatBurst: max(1, chatBurst),
		chats:     map[int64]time.Time{},
	}
}

// pause holds back every call through the token for d (a 429's retry_after).
func (l *limiter) pause(ctx context.Context, d time.Duration) {
	l.mu.Lock()
	until := l.now().Add(d)
	if until.After(l.pausedUntil) {
		l.pausedUntil = until
	}
	l.mu.Unlock()
	if l.shared != nil {
		l.shared.pause(ctx, until)
	}
}

// remotePause adopts a pause another replica has set.
func (l *limiter) remotePause(ctx context.Context) {
	if l.shared == nil {
		return
	}
	p := l.shared.pausedUntil(ctx, l.now())
	l.mu.Lock()
	if p.After(l.pausedUntil) {
		l.pausedUntil = p
	}
	l.mu.Unlock()
}

// wait blocks until one call may be made. Every call waits out a pause;
// limited calls (messages) also take a place in the overall and the chat's
// budget. A bulk call first waits until no reply is queued.
func (l *limiter) wait(ctx context.Context, chat int64, limited, bulk bool) error {
	if bulk {
		if err := l.idle(ctx); err != nil {
			return err
		}
	}
	l.remotePause(ctx)
	l.mu.Lock()
	t := l.now()
	if l.pausedUntil.After(t) {
		t = l.pausedUntil
	}
	local := true
	if limited {
		if chat != 0 {
			cb := bucket{every: l.chatEvery, burst: l.chatBurst, tat: l.chats[chat]}
			t = cb.reserve(t)
			if late(ctx, t) {
				// The chat's backlog outlasts the caller: book nothing, or
				// every caller that gives up would push the chat (and the
				// overall budget booked behind it) further out.
				l.mu.Unlock()
				return ErrNoSlot
			}
			l.chats[chat] = cb.tat
		}
		l.prune()
		if l.shared != nil {
			local = false
		} else {
			t = l.global.reserve(t)
		}
	}
	l.mu.Unlock()
	if !local {
		at, err := l.shared.reserve(ctx, t)
		l.mu.Lock()
		if err != nil {
			at = l.global.reserve(t) // Redis is down: each process keeps its own budget
		} else if l.global.tat.Before(at) {
			l.global.tat = at // for idle(): replies are booked up to here
		}
		l.mu.Unlock()
		t = at
	}
	for {
		if err := retry.Sleep(ctx, t.Sub(l.now())); err != nil {
			return err
		}
		// a 429 may have come in while this call waited
		l.remotePause(ctx)
		l.mu.Lock()
		p := l.pausedUntil
		l.mu.Unlock()
		if !p.After(l.now()) {
			return nil
		}
		t = p
	}
}

// ErrNoSlot is returned when a chat's next free slot comes after the
// caller's deadline: the message is not sent, and nothing is booked.
var ErrNoSlot = errors.New("telegram: the chat's rate limit has no slot before the deadline")

// late reports whether t is after ctx's deadline.
func late(ctx context.Context, t time.Time) bool {
	d, ok := ctx.Deadline()
	return ok && t.After(d)
}

// idle waits until the overall budget has room that no reply has booked.
func (l *limiter) idle(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.now()
		busy := l.global.tat.After(now) || l.pausedUntil.After(now)
		l.mu.Unlock()
		if !busy {
			return nil
		}
		if err := retry.Sleep(ctx, l.global.every); err != nil {
			return err
		}
	}
}

// prune forgets chats whose budget is full again, once a minute.
func (l *limiter) prune() {
	now := l.now()
	if now.Sub(l.lastPrune) < time.Minute {
		return
	}
	l.lastPrune = now
	for c, tat := range l.chats {
		if tat.Before(now) {
			delete(l.chats, c)
		}
	}
}
