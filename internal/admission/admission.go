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
// While the gate refuses, fewer updates run at once (Options.SurgeWorkers):
// the core is saturated either way, and every update running makes a
// refusal wait longer for its turn (docs/benchmarks.md, issue 13, ninth
// round). The closed loop of a busy but not overloaded replica, which is
// never refused, keeps all its workers.
//
// Gate.Listener refuses plain requests on the connection itself while the
// gate is full, for a fraction of what a refusal through net/http costs
// (shed.go); Gate.Adapt, when the bot turns it on, lowers the limit in force
// while the replica refuses and the runtime is behind (adapt.go).
package admission

import (
	"bytes"
	"cmp"
	"context"
	"io"
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
	limit    int64
	cur      atomic.Int64  // the limit in force: limit, or less while Adapt sheds
	admitted atomic.Int64  // updates admitted and not yet released
	workers  chan struct{} // a token per running update, or held by the gate while it refuses
	spare    int64         // the worker slots the gate holds while it refuses: workers − surge workers
	held     atomic.Int64  // the worker slots it holds now (at most spare)
	window   time.Duration // how long after a refusal only the surge workers run
	start    time.Time     // lastRefusal counts from here, on the monotonic clock
	// lastRefusal is when the gate last refused, in nanoseconds since
	// start; 0 before the first refusal.
	lastRefusal atomic.Int64
	retryAfter  time.Duration
	retryValue  []string // the Retry-After header's value, made once
	refused     atomic.Int64

	mRefused *prometheus.CounterVec
}

// Options configure a Gate.
type Options struct {
	// Workers is how many admitted updates run at once; the rest wait in
	// arrival order. Zero: DefaultWorkersPerCore × GOMAXPROCS, at most the
	// limit.
	Workers int
	// SurgeWorkers is how many updates run at once while the gate is
	// refusing (a refusal in the last SurgeWindow). Zero:
	// DefaultSurgeWorkersPerCore × GOMAXPROCS, at most Workers.
	SurgeWorkers int
	// SurgeWindow is how long the surge workers alone run after a
	// refusal (DefaultSurgeWindow if zero).
	SurgeWindow time.Duration
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

// DefaultSurgeWorkersPerCore is how many updates run at once per core while
// the gate refuses, unless Options.SurgeWorkers says otherwise. Under
// twice the capacity, refusals waited 3–5 ms at p99 with 4 against 7–8
// with 16, for 5–20% fewer answers depending on the machine
// (docs/benchmarks.md, issue 13, ninth and tenth rounds).
const DefaultSurgeWorkersPerCore = 4

// DefaultSurgeWindow is how long after a refusal the gate runs only its
// surge workers, unless Options.SurgeWindow says otherwise: long enough
// that the bursts of an overload keep the gate in one mode, short enough
// that the workers come back within a moment of the surge's end.
const DefaultSurgeWindow = 250 * time.Millisecond

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
	workers = min(workers, limit)
	surge := o.SurgeWorkers
	if surge <= 0 {
		surge = DefaultSurgeWorkersPerCore * runtime.GOMAXPROCS(0)
	}
	g := &Gate{limit: int64(limit), workers: make(chan struct{}, workers), retryAfter: o.RetryAfter,
		spare: int64(workers - min(surge, workers)), window: cmp.Or(o.SurgeWindow, DefaultSurgeWindow), start: time.Now(),
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
			}, func() float64 { return float64(g.Running()) }),
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

// Workers is the number of updates that run at once while the gate is not
// refusing.
func (g *Gate) Workers() int { return cap(g.workers) }

// SurgeWorkers is the number of updates that run at once while the gate
// refuses.
func (g *Gate) SurgeWorkers() int { return cap(g.workers) - int(g.spare) }

// InFlight is the number of updates admitted now, running or waiting.
func (g *Gate) InFlight() int { return int(g.admitted.Load()) }

// Running is the number of updates running now.
func (g *Gate) Running() int { return len(g.workers) - int(g.held.Load()) }

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
	g.giveBack()
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
	g.noteRefusal()
	g.mRefused.WithLabelValues(channel).Inc()
}

// noteRefusal counts a refusal, by Admit or by the listener, and starts or
// prolongs a surge: for the surge window from now only the surge workers
// run.
func (g *Gate) noteRefusal() {
	g.refused.Add(1)
	g.lastRefusal.Store(max(1, int64(time.Since(g.start))))
}

// refusing reports whether the gate refused within the surge window.
func (g *Gate) refusing() bool {
	last := g.lastRefusal.Load()
	return last != 0 && time.Since(g.start)-time.Duration(last) < g.window
}

// giveBack returns the worker slots the gate held during a surge once it
// has stopped refusing. A slot given back wakes an update waiting for one.
func (g *Gate) giveBack() {
	for {
		h := g.held.Load()
		if h == 0 || g.refusing() {
			return
		}
		if g.held.CompareAndSwap(h, h-1) {
			<-g.workers
		}
	}
}

// Acquire waits for a worker until ctx ends, whatever the limit: the update
// is durable elsewhere and is never refused. Each nil return must be paired
// with Release.
func (g *Gate) Acquire(ctx context.Context) error {
	g.giveBack()
	select {
	case g.workers <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.admitted.Add(1)
	return nil
}

// Release ends an update admitted by Admit or Acquire. While the gate
// refuses, it keeps the update's worker slot instead, until only the surge
// workers run.
func (g *Gate) Release() {
	g.admitted.Add(-1)
	if g.held.Load() < g.spare && g.refusing() {
		if g.held.Add(1) <= g.spare {
			return
		}
		g.held.Add(-1)
	}
	<-g.workers
	g.giveBack()
}

// SetRetryAfter sets the Retry-After header of a refusal: whole seconds,
// at least 1.
func (g *Gate) SetRetryAfter(h http.Header) {
	h["Retry-After"] = g.retryValue // net/http only reads it
}

// Middleware runs next for an admitted request and ends the update when
// next returns; a refused one gets 503 with Retry-After and a plain-text
// body. It suits webhooks whose sender retries on 503 (Telegram).
//
// The body, up to maxBody bytes and one more (so that next can still tell
// it is too large), is read before admission: a client that sends its
// body a byte a second must not hold a slot meanwhile, or a few dozen of
// them would refuse everybody else.
func (g *Gate) Middleware(channel string, maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
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
