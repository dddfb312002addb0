// Package queue is a durable work queue on a Redis stream, with a disk
// spool for a Redis outage: a webhook adds an update before it answers the
// platform, and workers on any replica handle it afterwards (see
// delivery.Intake, which every adapter with a durable intake uses). An event stays in the stream
// until a handler succeeded with it, so a process that dies mid-event loses
// nothing: another worker reclaims the event once it has been idle for
// Options.MinIdle.
//
// Delivery is at least once. Handlers must tolerate a repeat (the engine
// deduplicates on the platform's message id).
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Handler handles one queued item. A nil error or an error wrapping
// ErrPermanent removes the item; any other error leaves it queued, to be
// retried after Options.MinIdle.
type Handler func(ctx context.Context, data []byte) error

// ErrPermanent marks a handler error that retrying cannot fix (a malformed
// item): the item is dropped at once.
var ErrPermanent = errors.New("queue: permanent failure")

// Options tune a Queue. Zero values take the defaults.
type Options struct {
	// Consumer names this process within the group; unique by default
	// (host, pid and a random suffix).
	Consumer string
	// MinIdle is how long an item may stay unacknowledged before another
	// worker takes it over (60s). It must exceed HandleTimeout.
	MinIdle time.Duration
	// HandleTimeout bounds one handler call (25s). Shutdown does not cut a
	// call short before this.
	HandleTimeout time.Duration
	// MaxDeliveries is how often an item is tried before it is dropped and
	// logged (20, about 20 minutes with the default MinIdle).
	MaxDeliveries int64
	// Block is how long a worker waits for new items in one read (1s); it
	// bounds how long Run takes to notice that ctx ended.
	Block time.Duration
	// ReclaimEvery is how often a worker looks for abandoned items (5s).
	ReclaimEvery time.Duration
	Logger       *slog.Logger
	// OnDrop is called for each item dropped after MaxDeliveries.
	OnDrop func(data []byte)
}

// Queue is one stream with one consumer group. It is safe for concurrent use.
type Queue struct {
	rdb    redis.UniversalClient
	stream string
	group  string
	o      Options

	mu    sync.Mutex
	ready bool // the consumer group exists
}

const field = "d"

// New returns a queue on stream, read by group.
func New(rdb redis.UniversalClient, stream, group string, o Options) *Queue {
	if o.Consumer == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		o.Consumer = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	if o.MinIdle <= 0 {
		o.MinIdle = 60 * time.Second
	}
	if o.HandleTimeout <= 0 {
		o.HandleTimeout = 25 * time.Second
	}
	if o.MaxDeliveries <= 0 {
		o.MaxDeliveries = 20
	}
	if o.Block <= 0 {
		o.Block = time.Second
	}
	if o.ReclaimEvery <= 0 {
		o.ReclaimEvery = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Queue{rdb: rdb, stream: stream, group: group, o: o}
}

// Add stores data durably and returns its id. When Add returns nil, the item
// is in Redis and will be handled even if this process stops now.
func (q *Queue) Add(ctx context.Context, data []byte) (string, error) {
	id, err := q.rdb.XAdd(ctx, &redis.XAddArgs{Stream: q.stream, Values: []any{field, data}}).Result()
	if err != nil {
		return "", fmt.Errorf("queue %s: add: %w", q.stream, err)
	}
	return id, nil
}

// Len returns the number of items in the stream (handled items are deleted).
func (q *Queue) Len(ctx context.Context) (int64, error) {
	return q.rdb.XLen(ctx, q.stream).Result()
}

// ensureGroup creates the consumer group, reading from the start of the
// stream so that items added before the first worker ran are handled too.
func (q *Queue) ensureGroup(ctx context.Context) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ready {
		return nil
	}
	err := q.rdb.XGroupCreateMkStream(ctx, q.stream, q.group, "0").Err()
	if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("queue %s: create group: %w", q.stream, err)
	}
	q.ready = true
	return nil
}

// Run handles items with n concurrent workers until ctx ends. An item being
// handled when ctx ends is finished (within HandleTimeout).
func (q *Queue) Run(ctx context.Context, n int, h Handler) error {
	if n < 1 {
		n = 1
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q.work(ctx, fmt.Sprintf("%s-%d", q.o.Consumer, i), h)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func (q *Queue) work(ctx context.Context, consumer string, h Handler) {
	var lastReclaim time.Time
	failures := 0
	for ctx.Err() == nil {
		var err error
		if time.Since(lastReclaim) >= q.o.ReclaimEvery {
			lastReclaim = time.Now()
			_, err = q.reclaim(ctx, consumer, h)
		}
		if err == nil {
			_, err = q.read(ctx, consumer, q.o.Block, h)
		}
		if err != nil && ctx.Err() == nil {
			failures++
			q.o.Logger.Warn("queue read failed", "stream", q.stream, "err", err)
			pause(ctx, min(time.Duration(failures)*time.Second, 10*time.Second))
			continue
		}
		failures = 0
	}
}

// Drain handles, as consumer, what is available now: one batch of abandoned
// items idle for MinIdle, then new items until there are none. It does not
// wait for more, and an item whose handler fails is not retried by the same
// call. It returns how many items it handled.
func (q *Queue) Drain(ctx context.Context, consumer string, h Handler) (int, error) {
	total, err := q.reclaim(ctx, consumer, h)
	for err == nil {
		var n int
		n, err = q.read(ctx, consumer, -1, h)
		if n == 0 {
			break
		}
		total += n
	}
	return total, err
}

// read takes new items (waiting up to block; negative: not at all) and handles them.
func (q *Queue) read(ctx context.Context, consumer string, block time.Duration, h Handler) (int, error) {
	if err := q.ensureGroup(ctx); err != nil {
		return 0, err
	}
	res, err := q.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: q.group, Consumer: consumer, Streams: []string{q.stream, ">"}, Count: 10, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("queue %s: read: %w", q.stream, err)
	}
	n := 0
	for _, s := range res {
		for _, m := range s.Messages {
			q.handle(ctx, m, h)
			n++
		}
	}
	return n, nil
}

// reclaim takes over items that another consumer left unacknowledged for
// MinIdle (it died, or its handler failed) and handles them, dropping those
// tried MaxDeliveries times already.
func (q *Queue) reclaim(ctx context.Context, consumer string, h Handler) (int, error) {
	if err := q.ensureGroup(ctx); err != nil {
		return 0, err
	}
	msgs, _, err := q.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: q.stream, Group: q.group, Consumer: consumer, MinIdle: q.o.MinIdle, Start: "0-0", Count: 10,
	}).Result()
	if err != nil {
		return 0, fmt.Errorf("queue %s: reclaim: %w", q.stream, err)
	}
	for _, m := range msgs {
		pend, err := q.rdb.XPendingExt(ctx, &redis.XPendingExtArgs{Stream: q.stream, Group: q.group, Start: m.ID, End: m.ID, Count: 1}).Result()
		if err == nil && len(pend) == 1 && pend[0].RetryCount > q.o.MaxDeliveries {
			q.o.Logger.Error("queue item dropped after repeated failures", "stream", q.stream, "id", m.ID, "deliveries", pend[0].RetryCount-1)
			if q.o.OnDrop != nil {
				q.o.OnDrop(data(m))
			}
			q.ack(ctx, m.ID)
			continue
		}
		q.handle(ctx, m, h)
	}
	return len(msgs), nil
}

func (q *Queue) handle(ctx context.Context, m redis.XMessage, h Handler) {
	// An item already taken is finished even when shutdown begins: cutting
	// it short would only make another worker repeat it.
	hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), q.o.HandleTimeout)
	defer cancel()
	err := h(hctx, data(m))
	if err != nil && !errors.Is(err, ErrPermanent) {
		q.o.Logger.Warn("queue item failed; it will be retried", "stream", q.stream, "id", m.ID, "err", err)
		return
	}
	if err != nil {
		q.o.Logger.Warn("queue item dropped", "stream", q.stream, "id", m.ID, "err", err)
	}
	q.ack(hctx, m.ID)
}

// ack removes a handled item: acknowledged and deleted in one transaction,
// so the stream holds only work still to do.
func (q *Queue) ack(ctx context.Context, id string) {
	_, err := q.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAck(ctx, q.stream, q.group, id)
		p.XDel(ctx, q.stream, id)
		return nil
	})
	if err != nil {
		// The item stays pending and will be handled again; the handler's
		// deduplication makes that harmless.
		q.o.Logger.Warn("queue ack failed", "stream", q.stream, "id", id, "err", err)
	}
}

func data(m redis.XMessage) []byte {
	switch v := m.Values[field].(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	}
	return nil
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
