package loadtest

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vneid-guide/vneidbot/internal/retry"
)

// openLoop schedules requests at o.Rate per second with exponential gaps
// (a Poisson process) until deadline, each taken by an idle citizen (or a
// new one), whether or not earlier requests were answered. It returns the
// latencies of the OK requests, measured from their scheduled arrival so
// that a late generator does not hide server delay.
//
// Requests are sent by long-lived senders, at most o.Chats of them, each
// taking the next arrival when it is free: a goroutine per request would
// grow a fresh stack for every HTTP exchange, and that cost made the
// generator itself fall behind at a few thousand requests per second.
func (r *runner) openLoop(ctx context.Context, start, deadline time.Time) []time.Duration {
	rng := rand.New(rand.NewPCG(r.o.Seed, 0x9e3779b97f4a7c15))
	type arrival struct {
		c         *citizen
		scheduled time.Time
	}
	var (
		mu      sync.Mutex
		idle    []*citizen
		lats    = make([]time.Duration, 0, int(r.o.Rate*r.o.Duration.Seconds())+16)
		wg      sync.WaitGroup
		senders int
		work    = make(chan arrival) // unbuffered: a send succeeds only when a sender is free
	)
	take := func() *citizen {
		mu.Lock()
		defer mu.Unlock()
		if n := len(idle); n > 0 {
			c := idle[n-1]
			idle = idle[:n-1]
			return c
		}
		return nil
	}
	send := func(a arrival) {
		lag := time.Since(a.scheduled)
		err := r.step(ctx, a.c)
		d := time.Since(a.scheduled)
		mu.Lock()
		r.lags = append(r.lags, lag) // read only after wg.Wait
		switch {
		case err == nil:
			lats = append(lats, d)
		case errors.Is(err, errRefused):
			r.refusedLats = append(r.refusedLats, d) // read only after wg.Wait
		}
		if err == nil && !a.c.done() || err != nil && a.c.steps < a.c.leave {
			idle = append(idle, a.c)
		}
		mu.Unlock()
		if err != nil {
			r.fail(err)
			return
		}
		r.ok.Add(1)
	}
	sender := func(first arrival) {
		defer wg.Done()
		for a, ok := first, true; ok; a, ok = <-work {
			send(a)
		}
	}
	mean := float64(time.Second) / r.o.Rate
	next := start
	for ctx.Err() == nil {
		next = next.Add(time.Duration(rng.ExpFloat64() * mean))
		if !next.Before(deadline) {
			break
		}
		if d := time.Until(next); d > 0 {
			_ = retry.Sleep(ctx, d)
		}
		if n := r.sent.Load(); r.o.Requests > 0 && n >= r.o.Requests {
			break
		}
		r.arrivals.Add(1)
		c := take()
		if c == nil {
			c = r.newCitizen(0)
		}
		a := arrival{c, next}
		select {
		case work <- a:
		default:
			if senders == r.o.Chats {
				mu.Lock()
				idle = append(idle, c)
				mu.Unlock()
				r.fail(errGeneratorCap)
				continue
			}
			senders++
			wg.Add(1)
			go sender(a)
		}
		r.sent.Add(1)
	}
	close(work)
	wg.Wait()
	return lats
}

// healthProbe GETs a health URL every 100 ms on its own connection.
type healthProbe struct {
	probes, failed atomic.Int64
	maxNs          atomic.Int64
	cancel         context.CancelFunc
	done           chan struct{}
}

func startHealthProbe(ctx context.Context, url string) *healthProbe {
	ctx, cancel := context.WithCancel(ctx)
	h := &healthProbe{cancel: cancel, done: make(chan struct{})}
	client := NewClient(1, time.Second)
	go func() {
		defer close(h.done)
		defer client.CloseIdleConnections()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			t0 := time.Now()
			ok := false
			if req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil); err == nil {
				if resp, err := client.Do(req); err == nil {
					ok = resp.StatusCode == http.StatusOK
					resp.Body.Close()
				}
			}
			if ctx.Err() != nil {
				return
			}
			d := time.Since(t0)
			h.probes.Add(1)
			if !ok {
				h.failed.Add(1)
			}
			if int64(d) > h.maxNs.Load() {
				h.maxNs.Store(int64(d))
			}
		}
	}()
	return h
}

func (h *healthProbe) stop() *HealthResult {
	h.cancel()
	<-h.done
	return &HealthResult{Probes: h.probes.Load(), Failed: h.failed.Load(), MaxMs: ms(time.Duration(h.maxNs.Load()))}
}
