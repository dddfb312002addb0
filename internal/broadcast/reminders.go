package broadcast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// ReminderOptions configure automatic reminders.
type ReminderOptions struct {
	Store    *store.Store
	Content  func() *content.Catalog
	Channels map[string]Channel
	Stats    *stats.Reader
	Logger   *slog.Logger
	Now      func() time.Time
	// After is how long a user must have been idle inside a flow (24 h).
	After time.Duration
	// From and To are the local hours (Asia/Ho_Chi_Minh) reminders may be
	// sent in: From ≤ hour < To (8 and 20).
	From, To int
	// MaxAge skips users idle longer than this (7 days): an old half-done
	// flow is not worth a message, and Zalo's window has closed by then.
	MaxAge time.Duration
	// Every is the pause between passes (10 minutes).
	Every time.Duration
	// PerPass bounds the reminders of one pass (500); the rest wait.
	PerPass int
}

// Reminders sends one reminder with a "Tiếp tục" button to users who
// stopped inside a flow: at most once per flow, never outside the
// platform's window, never at night, never to users who typed "/tatnhacnho".
type Reminders struct {
	o   ReminderOptions
	rdb redis.UniversalClient
	log *slog.Logger
}

// NewReminders returns the reminder sender.
func NewReminders(o ReminderOptions) *Reminders {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.After <= 0 {
		o.After = 24 * time.Hour
	}
	if o.From == 0 && o.To == 0 {
		o.From, o.To = 8, 20
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 7 * 24 * time.Hour
	}
	if o.Every <= 0 {
		o.Every = 10 * time.Minute
	}
	if o.PerPass <= 0 {
		o.PerPass = 500
	}
	return &Reminders{o: o, rdb: o.Store.Client(), log: o.Logger}
}

// reminderMemory is how long "reminded in this flow" is remembered: longer
// than a session lives, so a flow is never reminded twice.
const reminderMemory = 90 * 24 * time.Hour

// OptOut stops reminders to chat for good ("/tatnhacnho").
func OptOut(ctx context.Context, st *store.Store, chat string) error {
	if err := st.Client().SAdd(ctx, st.ReminderOptOutKey(), chat).Err(); err != nil {
		return fmt.Errorf("opt out of reminders: %w", err)
	}
	return nil
}

// Daytime reports whether t falls inside the sending hours.
func (r *Reminders) Daytime(t time.Time) bool {
	h := t.In(stats.Zone).Hour()
	if r.o.From <= r.o.To {
		return h >= r.o.From && h < r.o.To
	}
	return h >= r.o.From || h < r.o.To // e.g. 20-8 would mean the night; allowed but odd
}

// Run makes a pass every Every until ctx ends.
func (r *Reminders) Run(ctx context.Context) error {
	t := time.NewTicker(r.o.Every)
	defer t.Stop()
	for {
		if n, err := r.Pass(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("reminders: pass failed", "err", err)
		} else if n > 0 {
			r.log.Info("reminders sent", "count", n)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

var errEnough = errors.New("enough for one pass")

// Pass sends the reminders due now and returns how many were sent. One
// replica at a time makes a pass (a Redis lease).
func (r *Reminders) Pass(ctx context.Context) (int, error) {
	now := r.o.Now()
	if !r.Daytime(now) {
		return 0, nil
	}
	// The lease is never released: it also spaces passes Every/2 apart
	// whichever replica makes them.
	ok, err := r.o.Store.NewLease(r.o.Store.ReminderLeaseKey(), r.o.Every/2).Acquire(ctx)
	if err != nil || !ok {
		return 0, err
	}
	cat := r.o.Content()
	sent := 0
	err = r.o.Stats.Chats(ctx, now.Add(-r.o.MaxAge), now.Add(-r.o.After), func(batch []stats.Seen) error {
		for _, s := range batch {
			done, err := r.remind(ctx, cat, s.Chat, now)
			if err != nil {
				return err
			}
			if done {
				sent++
				if sent >= r.o.PerPass {
					return errEnough
				}
			}
		}
		return nil
	})
	if errors.Is(err, errEnough) {
		err = nil
	}
	return sent, err
}

// remind sends chat its reminder if one is due; it reports whether it sent.
func (r *Reminders) remind(ctx context.Context, cat *content.Catalog, chat string, now time.Time) (bool, error) {
	rc, err := loadRecipient(ctx, r.o.Store, chat)
	if err != nil {
		return false, err
	}
	ch, ok := r.o.Channels[rc.channel]
	if !ok || !rc.found || !unfinished(cat, &rc.sess) {
		return false, nil
	}
	idle := now.Sub(time.Unix(rc.sess.Updated, 0))
	if idle < r.o.After || idle > r.o.MaxAge {
		return false, nil
	}
	// Never outside the platform's window, with an hour to spare.
	if ch.Window > 0 && idle > ch.Window-time.Hour {
		return false, nil
	}
	var out *redis.BoolCmd
	var claim *redis.IntCmd
	doneKey := r.o.Store.ReminderDoneKey(chat)
	// One round trip, not one MULTI: the opt-out set and the chat's marks
	// are in different cluster slots, and an opt-out racing this claim may
	// land either side of it anyway.
	_, err = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		out = p.SIsMember(ctx, r.o.Store.ReminderOptOutKey(), chat)
		claim = p.SAdd(ctx, doneKey, rc.sess.Flow)
		p.Expire(ctx, doneKey, reminderMemory)
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("reminders: claim %s: %w", chat, err)
	}
	if claim.Val() == 0 {
		return false, nil // this flow was reminded already
	}
	if out.Val() {
		return false, nil // opted out (the claim stays: nothing to undo)
	}
	loc := rc.sess.Locale
	if loc == "" || !cat.HasLocale(loc) {
		loc = cat.DefaultLocale()
	}
	title := stepTitle(cat, &rc.sess, loc)
	reply := flows.Reply{Text: cat.Msg(loc, "reminder", "step", title)}
	if ch.Buttons {
		reply.Buttons = [][]flows.Button{
			{{Label: cat.Msg(loc, "resume", "step", title), Payload: "resume"}},
			{{Label: cat.Msg(loc, "btn_menu"), Payload: "menu"}},
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := ch.Sender.Send(sctx, rc.id, []flows.Reply{reply}); err != nil {
		if ch.Unreachable != nil && ch.Unreachable(err) {
			return false, nil
		}
		r.log.Warn("reminders: send failed", "chat", chat, "err", err)
		return false, nil // at most once: a failed reminder is not retried
	}
	return true, nil
}

// stepTitle names the session's step as the "Tiếp tục" button does.
func stepTitle(cat *content.Catalog, s *flows.Session, loc string) string {
	f := cat.Flow(s.Flow)
	if st := f.Step(s.Step); st.Title != nil {
		return st.Title.Get(loc, cat.DefaultLocale())
	}
	return f.Title.Get(loc, cat.DefaultLocale())
}
