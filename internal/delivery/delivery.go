// Package delivery is what every channel that is not answered in place
// shares (Telegram, the Zalo OA, the Zalo Bot Platform): it runs the
// engine on an update, delivers the replies through the channel's Sender,
// keeps them in the chat's outbox until the platform accepted them, and
// sweeps the outbox for replies a crash left behind. Intake (intake.go)
// takes updates in durably before a webhook answers.
//
// The trip of one update:
//
//	adapter parses ─▶ Core.Process ─▶ flows.Engine.HandleForDelivery (session + outbox, one atomic save)
//	                           └──▶ Sender.Send (the adapter) ─▶ store.Ack (+ statistics, same round trip)
//
// A crash at any point ends with the replies delivered: by the platform's
// retry of the update (which finds them in the outbox) or by RunOutbox.
// Only a crash after the platform accepted a message and before its
// acknowledgement can repeat it.
package delivery

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// Engine handles an update and keeps its replies in the chat's outbox;
// *flows.Engine is one.
type Engine interface {
	HandleForDelivery(ctx context.Context, in flows.Inbound) (flows.Outcome, error)
}

var _ Engine = (*flows.Engine)(nil)

// Processor takes a parsed update in and sees it answered: Core.Process is
// the one of production. Every adapter hands its updates to one.
type Processor interface {
	Process(ctx context.Context, in flows.Inbound) error
}

var _ Processor = (*Core)(nil)

// Sender delivers replies to one chat of one channel: each adapter's Send.
type Sender = flows.Sender

// Fate is what a failed send means for the replies, as the channel's
// adapter classifies its own errors.
type Fate int

// The fates of a failed send.
const (
	// RetryLater: the platform or the network failed; the same send may
	// succeed later (the replies stay in the outbox).
	RetryLater Fate = iota
	// Blocked: the citizen blocked the bot or cannot be reached; sending
	// again cannot help until they write again.
	Blocked
	// GiveUp: the platform refused the message itself; retrying cannot help.
	GiveUp
)

// pipelineRecorder is a Recorder that can add its commands to a pipeline
// (stats.Recorder): the statistics of an update then ride on the
// acknowledgement of its replies and cost no round trip of their own.
type pipelineRecorder interface {
	Queue(ctx context.Context, p redis.Pipeliner, events []flows.Event)
}

// Options configure a Core.
type Options struct {
	Store    *store.Store
	Engine   Engine
	Recorder flows.Recorder // optional: statistics of each update
	Logger   *slog.Logger
}

// Core runs the engine for the asynchronous channels and delivers their
// replies. It is safe for concurrent use.
type Core struct {
	st  *store.Store
	eng Engine
	rec flows.Recorder
	log *slog.Logger

	mu      sync.RWMutex
	senders map[flows.Channel]Sender

	crash func(point string) error // tests: simulate a crash at a point
}

// New builds a Core.
func New(o Options) *Core {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Core{st: o.Store, eng: o.Engine, rec: o.Recorder, log: o.Logger, senders: map[flows.Channel]Sender{}}
}

// Register makes the replies of channel go through s, both in Process and
// when the sweeper finds replies a crash left behind.
func (c *Core) Register(channel flows.Channel, s Sender) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.senders[channel] = s
}

// SenderOf returns the Sender registered for channel, or nil: the handoff
// relays officers' replies through the same senders.
func (c *Core) SenderOf(channel flows.Channel) Sender {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.senders[channel]
}

// Process handles one update and delivers its replies through the
// channel's Sender. An error means the update was not fully handled and
// may be tried again (its platform's retry, or the intake's): the engine
// does not handle it twice and answers the retry from the outbox.
func (c *Core) Process(ctx context.Context, in flows.Inbound) error {
	s := c.SenderOf(in.Channel)
	if s == nil {
		return fmt.Errorf("delivery: no sender registered for channel %q", in.Channel)
	}
	if err := c.crashAt("before_save"); err != nil {
		return err
	}
	out, err := c.eng.HandleForDelivery(ctx, in)
	if err != nil {
		return err
	}
	if out.Duplicate {
		if out.Entry == "" {
			return nil // delivered before
		}
		if keptWithin(out.Entry, time.Now(), dupGrace) && !c.sendFailed(ctx, in) {
			// Another copy of this update kept these replies a moment ago
			// and is sending them now (Zalo retried while our intake was
			// still at work): sending them here too would say it all twice.
			// A copy whose send failed says so (sendFailed), and this
			// retry delivers at once; a copy that died, the sweeper covers.
			return nil
		}
		// The platform retried an update whose replies a crash left in the
		// outbox: deliver them now, under the chat's lease like the sweeper.
		_, err := c.deliverKept(ctx, in.Chat(), in.ChatID, in.MessageID, s)
		return err
	}
	if len(out.Replies) == 0 {
		c.record(ctx, in.Chat(), out.Events, nil)
		return nil
	}
	if err := c.crashAt("before_send"); err != nil {
		return err
	}
	if err := s.Send(ctx, in.ChatID, out.Replies); err != nil {
		// The replies stay in the outbox; the platform's retry (told it
		// may deliver them at once) or the sweeper sends them.
		c.record(ctx, in.Chat(), out.Events, nil)
		if err := c.st.Client().Set(context.WithoutCancel(ctx), c.sendFailedKey(in), 1, dupGrace).Err(); err != nil {
			c.log.Warn("delivery: mark a failed send", "chat", in.Chat(), "err", err)
		}
		return fmt.Errorf("send replies: %w", err)
	}
	if err := c.crashAt("before_ack"); err != nil {
		return err
	}
	err = c.st.Ack(ctx, in.Chat(), in.MessageID, out.Entry, func(p redis.Pipeliner) {
		c.record(ctx, in.Chat(), out.Events, p)
	})
	if err != nil {
		c.log.Warn("acknowledge delivered replies", "chat", in.Chat(), "err", err)
	}
	return nil
}

// dupGrace is how long replies just kept belong to the copy of the update
// that kept them: a duplicate arriving meanwhile leaves them alone, unless
// that copy's send failed.
const dupGrace = 10 * time.Second

// sendFailedKey marks, for dupGrace, that sending the replies of update in
// failed: its retry delivers them at once.
func (c *Core) sendFailedKey(in flows.Inbound) string {
	return c.st.ChatLockKey(in.Chat()) + ":sendfail:" + in.MessageID
}

// sendFailed reports whether a copy of update in failed to send its
// replies in the last dupGrace (an error of Redis counts as failed: the
// citizen is better answered twice than not at all).
func (c *Core) sendFailed(ctx context.Context, in flows.Inbound) bool {
	n, err := c.st.Client().Exists(ctx, c.sendFailedKey(in)).Result()
	return err != nil || n > 0
}

// keptWithin reports whether the outbox entry id (a stream id,
// "<unix ms>-<seq>") was written less than d before now.
func keptWithin(id string, now time.Time, d time.Duration) bool {
	ms, _, ok := strings.Cut(id, "-")
	if !ok {
		return false
	}
	t, err := strconv.ParseInt(ms, 10, 64)
	return err == nil && now.Sub(time.UnixMilli(t)) < d
}

// record hands an update's events to the Recorder; with a pipeline p and a
// Recorder that can queue into it, in the same round trip.
func (c *Core) record(ctx context.Context, chat string, events []flows.Event, p redis.Pipeliner) {
	if c.rec == nil || len(events) == 0 {
		return
	}
	if pr, ok := c.rec.(pipelineRecorder); ok && p != nil {
		pr.Queue(ctx, p, events)
		return
	}
	if err := c.rec.Record(ctx, events); err != nil {
		c.log.Warn("record statistics", "chat", chat, "err", err)
	}
}

func (c *Core) crashAt(point string) error {
	if c.crash == nil {
		return nil
	}
	return c.crash(point)
}

// Outbox sweeping: replies still waiting this long after they were written
// are taken to be abandoned by a crash and delivered again.
const (
	sweepAfter = time.Minute
	sweepEvery = 5 * time.Second
	sweepLease = 30 * time.Second
)

// RunOutbox delivers replies that a crash left undelivered, until ctx ends.
// Any number of replicas may run it; a per-chat lease keeps each chat's
// delivery in one place and in order.
func (c *Core) RunOutbox(ctx context.Context) error {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if _, err := c.SweepOutbox(ctx, sweepAfter); err != nil && ctx.Err() == nil {
			c.log.Warn("outbox sweep", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// SweepOutbox delivers outbox entries older than age once, and returns how
// many reply sets it delivered.
func (c *Core) SweepOutbox(ctx context.Context, age time.Duration) (int, error) {
	pending, err := c.st.PendingOlder(ctx, age, 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, p := range pending {
		channel, chatID := flows.SplitChat(p.Chat)
		s := c.SenderOf(channel)
		if s == nil {
			continue // another replica runs this channel
		}
		n, err := c.deliverKept(ctx, p.Chat, chatID, p.MsgID, s)
		done += n
		if err != nil {
			return done, err
		}
	}
	return done, nil
}

// deliverKept sends, in order, every kept entry of a chat up to msgID.
func (c *Core) deliverKept(ctx context.Context, chat, chatID, msgID string, s Sender) (int, error) {
	lease := c.st.NewLease(c.st.ChatLockKey(chat), sweepLease)
	if ok, err := lease.Acquire(ctx); err != nil || !ok {
		return 0, err
	}
	defer lease.Release(ctx)
	entries, err := c.st.Outbox(ctx, chat)
	if err != nil {
		return 0, err
	}
	n := 0
	found := false
	for _, en := range entries {
		var replies []flows.Reply
		if err := json.Unmarshal(en.Replies, &replies); err != nil {
			c.log.Error("outbox entry unreadable; dropped", "chat", chat, "err", err)
		} else if err := s.Send(ctx, chatID, replies); err != nil {
			return n, fmt.Errorf("redeliver to %s: %w", chat, err)
		}
		if err := c.st.Ack(ctx, chat, en.MsgID, en.ID, nil); err != nil {
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
		return n, c.st.Ack(ctx, chat, msgID, "", nil)
	}
	return n, nil
}
