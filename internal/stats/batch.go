package stats

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
)

// flushEvery is the shortest time between two batches. When the bot is
// quiet the first event goes out at once; under load the events of the
// next few milliseconds join one batch, so the per-batch work (a round
// trip, each touched key's TTL, each chat's activity marks) is shared by
// many updates instead of two or three (docs/benchmarks.md, issue 13).
const flushEvery = 10 * time.Millisecond

// maxPending bounds the events a Batcher holds while Redis is slow or
// down; past it new events are dropped (and counted): statistics must
// never hold up a citizen's answer nor grow without bound.
const maxPending = 50_000

// Batcher records events off the update's path, many updates per round
// trip: Record only queues the events, and one goroutine writes whatever
// has queued in one pipeline, then the next batch (group commit), at most
// one batch per flushEvery. When the bot is quiet each batch is one
// update's events, written within a round trip of the answer; under load a
// batch holds many, so an update costs the web chat two Redis round trips
// instead of three, and keys touched by several updates get their TTL once. Events still queued when the process
// dies are lost (at most one batch); Close writes what is queued.
type Batcher struct {
	rec     *Recorder
	log     *slog.Logger
	mu      sync.Mutex
	pending []flows.Event
	kick    chan struct{}
	quit    chan struct{}
	done    chan struct{}
	dropped atomic.Int64
}

var _ flows.Recorder = (*Batcher)(nil)

// NewBatcher starts a Batcher writing through rec.
func NewBatcher(rec *Recorder, log *slog.Logger) *Batcher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Batcher{rec: rec, log: log, kick: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// Record queues events; it never waits for Redis.
func (b *Batcher) Record(_ context.Context, events []flows.Event) error {
	if len(events) == 0 {
		return nil
	}
	b.mu.Lock()
	if len(b.pending)+len(events) > maxPending {
		b.mu.Unlock()
		if b.dropped.Add(int64(len(events))) == int64(len(events)) {
			b.log.Warn("statistics: too many events waiting for Redis; dropping new ones")
		}
		return nil
	}
	b.pending = append(b.pending, events...)
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
	return nil
}

// Dropped is how many events were dropped because too many were waiting.
func (b *Batcher) Dropped() int64 { return b.dropped.Load() }

// Close writes what is queued and stops the Batcher.
func (b *Batcher) Close() {
	close(b.quit)
	<-b.done
}

func (b *Batcher) run() {
	defer close(b.done)
	var (
		spare []flows.Event
		last  time.Time
	)
	for {
		select {
		case <-b.kick:
		case <-b.quit:
			b.flush(&spare)
			return
		}
		if wait := flushEvery - time.Since(last); wait > 0 {
			select {
			case <-time.After(wait):
			case <-b.quit:
			}
		}
		last = time.Now()
		b.flush(&spare)
	}
}

// flush writes the queued events; spare is the buffer the next batch
// queues into, so that two buffers take turns.
func (b *Batcher) flush(spare *[]flows.Event) {
	b.mu.Lock()
	batch := b.pending
	b.pending = (*spare)[:0]
	b.mu.Unlock()
	if len(batch) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		if err := b.rec.Record(ctx, batch); err != nil {
			b.log.Warn("statistics: write failed; this batch is lost", "events", len(batch), "err", err)
		}
		cancel()
	}
	clear(batch) // drop the strings for the collector
	*spare = batch
}
