// Package admission bounds how many updates one replica works on at once.
//
// Under a surge the bot must not take on more than it can finish: requests
// that pile up all wait on Redis and the CPU together, all of them run out
// of time half-done, and goodput falls towards zero. A Gate has two bounds:
//
//   - workers: updates that run at once (a few per core). The others wait,
//     parked in arrival order, so they take no CPU, and a request that has
//     just arrived is read and answered or refused without queueing behind
//     hundreds of runnable updates;
//   - limit (MAX_INFLIGHT): updates admitted at all, running or waiting.
//     Past it an interactive request (web chat, Telegram webhook) is refused
//     at once by Admit, before any Redis work, and the client retries later
//     (503 with Retry-After).
//
// The limit is large enough that a closed loop of a few hundred clients is
// queued, not refused (a refused client comes straight back, and its
// refusals eat into the updates); the workers are few enough that a refusal
// is answered within milliseconds. Work that is already durable elsewhere
// (Zalo events in their Redis stream) waits for a worker with Acquire
// instead, so it is worked off at the pace the replica can manage.
//
// Gate.Listener refuses plain requests on the connection itself while the
// gate is full, for a fraction of what a refusal through net/http costs
// (shed.go); Gate.Adapt, when the bot turns it on, lowers the limit in force
// while the replica refuses and the runtime is behind (adapt.go).
package admission

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Gate bounds the updates in progress. It is safe for concurrent use; the
// zero value is not usable, use New.
type Gate struct {
	limit      int64
	cur        atomic.Int64  // the limit in force: limit, or less while Adapt sheds
	admitted   atomic.Int64  // updates admitted and not yet released
	workers    chan struct{} // a token per running update
	retryAfter time.Duration
	retryValue []string // the Retry-After header's value, made once
	refused    atomic.Int64

	mRefused *prometheus.CounterVec
}

// Options configure a Gate.
type Options struct {
	// Workers is how many admitted updates run at once; the rest wait in
	// arrival order. Zero: DefaultWorkersPerCore × GOMAXPROCS, at most the
	// limit.
	Workers int
	// RetryAfter is what a refused client is told to wait (1s by default).
	RetryAfter time.Duration
	// Metrics, when set, receives vneidbot_admission_inflight,
	// vneidbot_admission_running, vneidbot_admission_limit and
	// vneidbot_admission_refused_total{channel}.
	Metrics prometheus.Registerer
}

// DefaultWorkersPerCore is how many updates run at once per core unless
// Options.Workers says otherwise. An update spends most of its time waiting
// on Redis, so a few per core keep the core busy; more only lengthen the
// queue of runnable work a new request waits behind (docs/benchmarks.md).
const DefaultWorkersPerCore = 16

// New returns a Gate that admits up to limit updates (at least 1).
func New(limit int, o Options) *Gate {
	limit = max(limit, 1)
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	workers := o.Workers
	if workers <= 0 {
		workers = DefaultWorkersPerCore * runtime.GOMAXPROCS(0)
	}
	g := &Gate{limit: int64(limit), workers: make(chan struct{}, min(workers, limit)), retryAfter: o.RetryAfter,
		retryValue: []string{strconv.Itoa(max(1, int((o.RetryAfter+time.Second-1)/time.Second)))}}
	g.cur.Store(g.limit)
	g.mRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vneidbot_admission_refused_total",
		Help: "Updates refused at once because the replica had MAX_INFLIGHT updates in progress.",
	}, []string{"channel"})
	if o.Metrics != nil {
		o.Metrics.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "vneidbot_admission_inflight",
				Help: "Updates admitted on this replica: running or waiting for a worker.",
			}, func() float64 { return float64(g.admitted.Load()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "vneidbot_admission_running",
				Help: "Updates running on this replica (at most the workers).",
			}, func() float64 { return float64(len(g.workers)) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "vneidbot_admission_limit",
				Help: "Updates this replica admits at once now: MAX_INFLIGHT, or less while it sheds a surge.",
			}, func() float64 { return float64(g.cur.Load()) }),
			g.mRefused,
		)
	}
	return g
}

// Limit is the number of updates admitted at most.
func (g *Gate) Limit() int { return int(g.limit) }

// Workers is the number of updates that run at once.
func (g *Gate) Workers() int { return cap(g.workers) }

// InFlight is the number of updates admitted now, running or waiting.
func (g *Gate) InFlight() int { return int(g.admitted.Load()) }

// Running is the number of updates running now.
func (g *Gate) Running() int { return len(g.workers) }

// Full reports whether Admit would refuse now.
func (g *Gate) Full() bool { return g.admitted.Load() >= g.cur.Load() }

// Refused is how many Admit calls were refused since the start.
func (g *Gate) Refused() int64 { return g.refused.Load() }

// RetryAfter is the wait a refused client is told.
func (g *Gate) RetryAfter() time.Duration { return g.retryAfter }

// Admit admits an update and reports whether it did. Past the limit it
// refuses at once; otherwise it waits for a worker, in arrival order, until
// ctx ends (the client went away), which also counts as refused. Each true
// return must be paired with Release.
func (g *Gate) Admit(ctx context.Context, channel string) bool {
	if g.admitted.Add(1) > g.cur.Load() {
		g.admitted.Add(-1)
		g.refuse(channel)
		return false
	}
	select {
	case g.workers <- struct{}{}:
		return true
	default:
	}
	select {
	case g.workers <- struct{}{}:
		return true
	case <-ctx.Done():
		g.admitted.Add(-1)
		g.refuse(channel)
		return false
	}
}

func (g *Gate) refuse(channel string) {
	g.refused.Add(1)
	g.mRefused.WithLabelValues(channel).Inc()
}

// Acquire waits for a worker until ctx ends, whatever the limit: the update
// is durable elsewhere and is never refused. Each nil return must be paired
// with Release.
func (g *Gate) Acquire(ctx context.Context) error {
	select {
	case g.workers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.admitted.Add(1)
	return nil
}

// Release ends an update admitted by Admit or Acquire.
func (g *Gate) Release() {
	<-g.workers
	g.admitted.Add(-1)
}

// SetRetryAfter sets the Retry-After header of a refusal: whole seconds,
// at least 1.
func (g *Gate) SetRetryAfter(h http.Header) {
	h["Retry-After"] = g.retryValue // net/http only reads it
}

// Middleware runs next for an admitted request and ends the update when
// next returns; a refused one gets 503 with Retry-After and a plain-text
// body, without its body being read. It suits webhooks whose sender
// retries on 503 (Telegram).
func (g *Gate) Middleware(channel string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.Admit(r.Context(), channel) {
			g.RefusePlain(w, r)
			return
		}
		defer g.Release()
		next.ServeHTTP(w, r)
	})
}

// RefusePlain writes Middleware's refusal: 503 with Retry-After and a
// plain-text body.
func (g *Gate) RefusePlain(w http.ResponseWriter, _ *http.Request) {
	g.SetRetryAfter(w.Header())
	http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
}
