package flows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/looplab/fsm"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// SessionStore loads and saves sessions with optimistic concurrency.
// SaveSession returns store.ErrConflict when another update saved first and
// store.ErrDuplicate when msgID was already handled.
type SessionStore interface {
	LoadSession(ctx context.Context, chat, msgID string) (store.Snapshot, error)
	SaveSession(ctx context.Context, chat string, version int64, data []byte, msgID string) (int64, error)
}

// Options configure an Engine.
type Options struct {
	Logger *slog.Logger
	// Metrics, when set, receives the engine's counters.
	Metrics prometheus.Registerer
	// Now is the clock; time.Now by default. Tests inject a fake one.
	Now func() time.Time
	// ResumeAfter is the pause after which a returning user in an unfinished
	// flow is greeted with a "Tiếp tục" button (30 minutes by default).
	ResumeAfter time.Duration
	// Recorder, when set, receives each update's events for statistics.
	Recorder Recorder
	// Volunteers, when set, enables sharing links and "/thongke".
	Volunteers Volunteers
}

// maxAttempts bounds the retries when concurrent updates of one chat collide.
const maxAttempts = 50

// Engine turns an Inbound into Replies. It is safe for concurrent use; any
// number of engines may share one store.
type Engine struct {
	store   SessionStore
	log     *slog.Logger
	now     func() time.Time
	resume  time.Duration
	rec     Recorder
	vol     Volunteers
	bundle  atomic.Pointer[bundle]
	metrics *metrics
}

// bundle is one version of the content with everything derived from it.
// It is swapped atomically, so an update sees one version from start to end.
type bundle struct {
	cat    *content.Catalog
	events map[string][]fsm.EventDesc // per flow: choice id → step transitions
	faq    *faq.Index
}

// New builds an engine over the given content and store.
func New(cat *content.Catalog, st SessionStore, o Options) (*Engine, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ResumeAfter <= 0 {
		o.ResumeAfter = 30 * time.Minute
	}
	e := &Engine{store: st, log: o.Logger, now: o.Now, resume: o.ResumeAfter, rec: o.Recorder, vol: o.Volunteers, metrics: newMetrics(o.Metrics)}
	if err := e.SetContent(cat); err != nil {
		return nil, err
	}
	return e, nil
}

// SetContent swaps in new content. Updates in flight finish on the old one.
func (e *Engine) SetContent(cat *content.Catalog) error {
	if cat == nil {
		return errors.New("set content: catalog is nil")
	}
	b := &bundle{cat: cat, events: map[string][]fsm.EventDesc{}, faq: faq.New(cat)}
	for _, f := range cat.Flows {
		for _, s := range f.Steps {
			for _, ch := range s.Choices {
				if f.Step(ch.Next) != nil {
					b.events[f.ID] = append(b.events[f.ID], fsm.EventDesc{Name: ch.ID, Src: []string{s.ID}, Dst: ch.Next})
				}
			}
		}
	}
	e.bundle.Store(b)
	return nil
}

// Content returns the content the engine currently serves.
func (e *Engine) Content() *content.Catalog { return e.bundle.Load().cat }

// Ask answers a free-text question without a session, for "vneidbot ask".
func (e *Engine) Ask(text, locale string) faq.Result {
	return e.bundle.Load().faq.Search(text, locale)
}

// Handle processes one update and returns the replies to send. A duplicate
// update (same channel and message id) returns no replies and no error.
// Two updates of one chat handled at once never lose either change: the
// session is saved with a version check and the loser retries.
func (e *Engine) Handle(ctx context.Context, in Inbound) ([]Reply, error) {
	start := e.now()
	if in.Time.IsZero() {
		in.Time = start
	}
	chat := in.Chat()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		snap, err := e.store.LoadSession(ctx, chat, in.MessageID)
		if err != nil {
			return nil, err
		}
		if snap.Duplicate {
			e.metrics.duplicates.Inc()
			return nil, nil
		}
		var sess Session
		if len(snap.Data) > 0 {
			if err := json.Unmarshal(snap.Data, &sess); err != nil {
				e.log.Warn("session unreadable, starting afresh", "chat", chat, "err", err)
				sess = Session{}
			}
		}
		b := e.bundle.Load()
		t := &turn{ctx: ctx, e: e, b: b, cat: b.cat, s: &sess, in: in, now: in.Time}
		replies := t.run()
		data, err := json.Marshal(&sess)
		if err != nil {
			return nil, fmt.Errorf("encode session: %w", err)
		}
		_, err = e.store.SaveSession(ctx, chat, snap.Version, data, in.MessageID)
		switch {
		case errors.Is(err, store.ErrConflict):
			e.metrics.conflicts.Inc()
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, store.ErrDuplicate):
			e.metrics.duplicates.Inc()
			return nil, nil
		case err != nil:
			return nil, err
		}
		e.record(ctx, in, &sess, t.events)
		e.metrics.observe(in, t.outcome, e.now().Sub(start))
		return replies, nil
	}
	return nil, fmt.Errorf("handle %s: gave up after %d conflicting saves", chat, maxAttempts)
}

// record hands a saved update's events to the Recorder.
func (e *Engine) record(ctx context.Context, in Inbound, s *Session, events []Event) {
	if e.rec == nil || len(events) == 0 {
		return
	}
	for i := range events {
		events[i].Channel, events[i].Chat, events[i].Ref, events[i].Time = in.Channel, in.Chat(), s.Ref, in.Time
	}
	if err := e.rec.Record(ctx, events); err != nil {
		e.log.Warn("record statistics", "chat", in.Chat(), "err", err)
	}
}

// backoff grows with each attempt, with jitter so colliding updates spread out.
func backoff(attempt int) time.Duration {
	d := time.Millisecond << min(attempt, 5)
	return d/2 + rand.N(d)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// newFSM builds a fresh state machine for flow positioned at step. A machine
// is never reused across updates, so one that a cancelled context left in
// transition (looplab/fsm issue #115) cannot affect the next update.
func (b *bundle) newFSM(flow, step string) *fsm.FSM {
	return fsm.NewFSM(step, b.events[flow], nil)
}
