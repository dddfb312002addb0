package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// ErrPermanent marks a Parse error that retrying cannot fix (a malformed
// body): the body is dropped at once.
var ErrPermanent = queue.ErrPermanent

// Parse turns one stored webhook body into the updates to process. It is
// the adapter's: it may act on what needs no answer (an unfollow), and an
// error that does not wrap ErrPermanent keeps the body to be tried again.
type Parse func(ctx context.Context, body []byte) ([]flows.Inbound, error)

// IntakeOptions configure an Intake.
type IntakeOptions struct {
	// Workers is how many bodies this process handles at once (2).
	Workers int
	// Spool, when set, keeps bodies on local disk while Redis is down, so
	// that the webhook can still acknowledge them.
	Spool *queue.Spool
	Queue queue.Options
	// OnDrop is called for each body given up after repeated failures.
	OnDrop func()
	Logger *slog.Logger
}

// Intake is a channel's durable intake: a webhook body (or a polled
// update) is added to a Redis stream, or to the disk spool while Redis is
// down, before the platform gets its answer; workers on every replica then
// parse it and hand each update to a Processor. A body stays stored until
// its updates were processed, so a process that dies loses nothing.
type Intake struct {
	q       *queue.Queue
	spool   *queue.Spool
	parse   Parse
	proc    Processor
	workers int
	log     *slog.Logger
}

// NewIntake builds the intake of channel on st (stream "<channel>:events").
func NewIntake(st *store.Store, channel flows.Channel, proc Processor, parse Parse, o IntakeOptions) *Intake {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	o.Queue.Logger = o.Logger
	if o.OnDrop != nil {
		drop := o.OnDrop
		o.Queue.OnDrop = func([]byte) { drop() }
	}
	q := queue.New(st.Client(), st.IntakeKey(string(channel)), "workers", o.Queue)
	return &Intake{q: q, spool: o.Spool, parse: parse, proc: proc, workers: o.Workers, log: o.Logger}
}

// Accept stores body durably: in the stream, or in the spool when Redis
// cannot take it (spooled is then true). An error means neither could:
// answer so that the platform sends the body again.
func (in *Intake) Accept(ctx context.Context, body []byte) (spooled bool, err error) {
	_, err = in.q.Add(ctx, body)
	if err == nil {
		return false, nil
	}
	if in.spool == nil {
		return false, err
	}
	if serr := in.spool.Put(body); serr != nil {
		return false, errors.Join(err, serr)
	}
	return true, nil
}

// Run handles stored bodies (and moves spooled ones to the stream once
// Redis is back) until ctx ends.
func (in *Intake) Run(ctx context.Context) error {
	if in.spool != nil {
		go in.spool.RunReplay(ctx, 2*time.Second, func(ctx context.Context, body []byte) error {
			_, err := in.q.Add(ctx, body)
			return err
		}, in.log)
	}
	return in.q.Run(ctx, in.workers, in.Handle)
}

// Drain handles the bodies stored now, then returns; for tests and tools.
func (in *Intake) Drain(ctx context.Context) (int, error) {
	return in.q.Drain(ctx, "drain", in.Handle)
}

// Len is the number of bodies stored and not yet handled (the spool aside).
func (in *Intake) Len(ctx context.Context) (int64, error) { return in.q.Len(ctx) }

// Handle parses one body and processes its updates in order. Pollers call
// it directly for an update that could not be stored (the platform has
// already let go of it).
func (in *Intake) Handle(ctx context.Context, body []byte) error {
	updates, err := in.parse(ctx, body)
	if err != nil {
		return err
	}
	if len(updates) > 0 && in.proc == nil {
		return errors.New("delivery: intake without a processor")
	}
	for _, u := range updates {
		if err := in.proc.Process(ctx, u); err != nil {
			return fmt.Errorf("process %s update: %w", u.Channel, err)
		}
	}
	return nil
}
