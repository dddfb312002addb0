package telegram

import (
	"context"
	"sync"
)

// dispatcher runs jobs with one queue per chat: one chat's updates are
// handled in order, different chats at the same time (one chat waiting out
// its send rate does not hold up the others). At most `workers` chats run at
// once, and submit blocks while `pending` jobs wait (backpressure on polling).
type dispatcher struct {
	mu      sync.Mutex
	queues  map[int64][]func()
	workers chan struct{}
	pending chan struct{}
	jobs    int           // submitted and not yet run
	idle    chan struct{} // closed when jobs drops to 0
}

func newDispatcher(workers, pending int) *dispatcher {
	return &dispatcher{
		queues:  map[int64][]func(){},
		workers: make(chan struct{}, workers),
		pending: make(chan struct{}, pending),
	}
}

// submit queues job behind the chat's earlier jobs. It returns a channel
// closed when the job has run, or ctx's error if the queue stayed full.
func (d *dispatcher) submit(ctx context.Context, chat int64, job func()) (<-chan struct{}, error) {
	select {
	case d.pending <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	done := make(chan struct{})
	run := func() {
		defer func() {
			<-d.pending
			close(done)
			d.mu.Lock()
			if d.jobs--; d.jobs == 0 && d.idle != nil {
				close(d.idle)
				d.idle = nil
			}
			d.mu.Unlock()
		}()
		job()
	}
	d.mu.Lock()
	d.jobs++
	q, busy := d.queues[chat]
	d.queues[chat] = append(q, run)
	if !busy {
		go d.work(chat)
	}
	d.mu.Unlock()
	return done, nil
}

// work runs a chat's queue until it is empty.
func (d *dispatcher) work(chat int64) {
	d.workers <- struct{}{}
	defer func() { <-d.workers }()
	for {
		d.mu.Lock()
		q := d.queues[chat]
		if len(q) == 0 {
			delete(d.queues, chat)
			d.mu.Unlock()
			return
		}
		job := q[0]
		d.queues[chat] = q[1:]
		d.mu.Unlock()
		job()
	}
}

// wait blocks until every submitted job has run, or ctx ends.
func (d *dispatcher) wait(ctx context.Context) error {
	d.mu.Lock()
	if d.jobs == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
