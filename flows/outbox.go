package flows

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Sender delivers replies to one chat of one channel. Adapters whose
// replies the engine delivers (Telegram, Zalo) register one.
type Sender interface {
	Send(ctx context.Context, chatID string, replies []Reply) error
}

// RegisterSender makes the engine deliver replies of channel through s, both
// in Process and when the outbox sweeper finds replies a crash left behind.
func (e *Engine) RegisterSender(channel Channel, s Sender) {
	e.sendersMu.Lock()
	defer e.sendersMu.Unlock()
	if e.senders == nil {
		e.senders = map[Channel]Sender{}
	}
	e.senders[channel] = s
}

func (e *Engine) sender(channel Channel) Sender {
	e.sendersMu.RLock()
	defer e.sendersMu.RUnlock()
	return e.senders[channel]
}

// Process handles one update and delivers its replies through the channel's
// Sender. The replies are written to the chat's outbox in the same atomic
// step as the session change and removed once sent, so a crash at any point
// ends with them delivered: by the platform's retry of the update (which
// finds them in the outbox) or by RunOutbox. Only a crash after the platform
// accepted a message and before its removal can repeat it.
func (e *Engine) Process(ctx context.Context, in Inbound) error {
	s := e.sender(in.Channel)
	if s == nil {
		return fmt.Errorf("process: no sender registered for channel %q", in.Channel)
	}
	res, err := e.handle(ctx, in, true)
	if err != nil {
		return err
	}
	if res.duplicate {
		if res.entryID == "" {
			return nil // delivered before
		}
		// The platform retried an update whose replies a crash left in the
		// outbox: deliver them now, under the chat's lock like the sweeper.
		_, err := e.deliverKept(ctx, in.Chat(), in.ChatID, in.MessageID, s)
		return err
	}
	if len(res.replies) == 0 {
		e.record(ctx, in, res.ref, res.events, nil)
		return nil
	}
	if e.crash != nil {
		if err := e.crash("before_send"); err != nil {
			return err
		}
	}
	if err := s.Send(ctx, in.ChatID, res.replies); err != nil {
		// The replies stay in the outbox; the sweeper retries them.
		e.record(ctx, in, res.ref, res.events, nil)
		return fmt.Errorf("send replies: %w", err)
	}
	if e.crash != nil {
		if err := e.crash("before_ack"); err != nil {
			return err
		}
	}
	err = e.store.Ack(ctx, in.Chat(), in.MessageID, res.entryID, func(p redis.Pipeliner) {
		e.record(ctx, in, res.ref, res.events, p)
	})
	if err != nil {
		e.log.Warn("acknowledge delivered replies", "chat", in.Chat(), "err", err)
	}
	return nil
}

// Outbox sweeping: replies still waiting this long after they were written
// are taken to be abandoned by a crash and delivered again.
const (
	sweepAfter = time.Minute
	sweepEvery = 5 * time.Second
	sweepLock  = 30 * time.Second
)

// RunOutbox delivers replies that a crash left undelivered, until ctx ends.
// Any number of replicas may run it; a per-chat lock keeps each chat's
// delivery in one place and in order.
func (e *Engine) RunOutbox(ctx context.Context) error {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if _, err := e.SweepOutbox(ctx, sweepAfter); err != nil && ctx.Err() == nil {
			e.log.Warn("outbox sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SweepOutbox delivers outbox entries older than age once, and returns how
// many replies sets it delivered.
func (e *Engine) SweepOutbox(ctx context.Context, age time.Duration) (int, error) {
	pending, err := e.store.PendingOlder(ctx, age, 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, p := range pending {
		channel, chatID := SplitChat(p.Chat)
		s := e.sender(channel)
		if s == nil {
			continue // another replica runs this channel
		}
		n, err := e.deliverKept(ctx, p.Chat, chatID, p.MsgID, s)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// deliverKept sends, in order, every kept entry of a chat up to msgID.
func (e *Engine) deliverKept(ctx context.Context, chat, chatID, msgID string, s Sender) (int, error) {
	unlock, ok, err := e.store.Lock(ctx, chat, sweepLock)
	if err != nil || !ok {
		return 0, err
	}
	defer unlock()
	entries, err := e.store.Outbox(ctx, chat)
	if err != nil {
		return 0, err
	}
	n := 0
	found := false
	for _, en := range entries {
		var replies []Reply
		if err := json.Unmarshal(en.Replies, &replies); err != nil {
			e.log.Error("outbox entry unreadable; dropped", "chat", chat, "err", err)
		} else if err := s.Send(ctx, chatID, replies); err != nil {
			return n, fmt.Errorf("redeliver to %s: %w", chat, err)
		}
		if err := e.store.Ack(ctx, chat, en.MsgID, en.ID, nil); err != nil {
			return n, err
		}
		n++
		if en.MsgID == msgID {
			found = true
			break
		}
	}
	if !found {
		// Already delivered: just drop the index entry.
		return n, e.store.Ack(ctx, chat, msgID, "", nil)
	}
	return n, nil
}
