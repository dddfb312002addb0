package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/session"
)

// outboxTTL bounds how long undelivered replies are kept. Replies older than
// this are stale for a citizen anyway.
const outboxTTL = 24 * time.Hour

// OutboxEntry is one update's replies waiting in a chat's outbox.
type OutboxEntry = session.Entry

// Pending is an outbox entry listed in the global index for the sweeper.
type Pending struct {
	Chat  string
	MsgID string
}

func pendingMember(chat, msgID string) string { return chat + "\n" + msgID }

// Outbox returns the chat's undelivered replies, oldest first.
func (s *Store) Outbox(ctx context.Context, chat string) ([]OutboxEntry, error) {
	msgs, err := s.rdb.XRange(ctx, s.OutboxKey(chat), "-", "+").Result()
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	out := make([]OutboxEntry, 0, len(msgs))
	for _, m := range msgs {
		msgID, _ := m.Values["m"].(string)
		replies, _ := m.Values["r"].(string)
		out = append(out, OutboxEntry{ID: m.ID, MsgID: msgID, Replies: []byte(replies)})
	}
	return out, nil
}

// Kept returns the replies an Inline save kept with msgID's dedup mark, or
// nil when there are none (the mark has expired, or the save kept them in
// the outbox).
func (s *Store) Kept(ctx context.Context, chat, msgID string) ([]byte, error) {
	v, err := s.rdb.Get(ctx, s.DedupKey(chat, msgID)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read kept replies: %w", err)
	case string(v) == "1": // a plain mark
		return nil, nil
	}
	return v, nil
}

// Ack removes a delivered entry from the chat's outbox and the index. more,
// when not nil, adds commands to the same round trip (statistics).
func (s *Store) Ack(ctx context.Context, chat, msgID, entryID string, more func(redis.Pipeliner)) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		if entryID != "" {
			p.XDel(ctx, s.OutboxKey(chat), entryID)
		}
		p.ZRem(ctx, s.OutboxPendingKey(), pendingMember(chat, msgID))
		if more != nil {
			more(p)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("ack outbox: %w", err)
	}
	return nil
}

// PendingOlder lists up to limit indexed outbox entries written more than
// age ago: replies whose delivery a crash may have interrupted.
func (s *Store) PendingOlder(ctx context.Context, age time.Duration, limit int64) ([]Pending, error) {
	max := fmt.Sprint(time.Now().Add(-age).UnixMilli())
	members, err := s.rdb.ZRangeByScore(ctx, s.OutboxPendingKey(), &redis.ZRangeBy{Min: "-inf", Max: max, Count: limit}).Result()
	if err != nil {
		return nil, fmt.Errorf("read outbox index: %w", err)
	}
	out := make([]Pending, 0, len(members))
	for _, m := range members {
		chat, msgID, _ := strings.Cut(m, "\n")
		out = append(out, Pending{Chat: chat, MsgID: msgID})
	}
	return out, nil
}

// Lock takes a short per-chat lease, so that only one process delivers a
// chat's outbox at a time. It returns false when another holds it.
func (s *Store) Lock(ctx context.Context, chat string, ttl time.Duration) (unlock func(), ok bool, err error) {
	l := s.NewLease(s.ChatLockKey(chat), ttl)
	if ok, err = l.Acquire(ctx); err != nil || !ok {
		return func() {}, false, err
	}
	return func() { _ = l.Release(ctx) }, true, nil
}
