// Package admission bounds how many updates one replica works on at once.
//
// Under a surge the bot must not take on more than it can finish: requests
// that pile up all wait on Redis and the CPU together, all of them run out
// of time half-done, and goodput falls towards zero. A Gate holds a fixed
// number of slots. An interactive request (web chat, Telegram webhook) takes
// one with TryAcquire, which never waits: when every slot is taken the
// request is refused at once, before any Redis work, and the client retries
// later (503 with Retry-After). Work that is already durable elsewhere (Zalo
// events in their Redis stream) waits for a slot with Acquire instead, so it
// is worked off at the pace the replica can manage.
package admission

import (
	"context"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Gate is a counting semaphore for updates in progress. It is safe for
// concurrent use; the zero value is not usable, use New.
type Gate struct {
	slots      chan struct{}
	retryAfter time.Duration
	refused    atomic.Int64

	mInflight prometheus.GaugeFunc
	mRefused  *prometheus.CounterVec
}

// Options configure a Gate.
type Options struct {
	// RetryAfter is what a refused client is told to wait (1s by default).
	RetryAfter time.Duration
	// Metrics, when set, receives vneidbot_admission_inflight,
	// vneidbot_admission_limit and vneidbot_admission_refused_total{channel}.
	Metrics prometheus.Registerer
}

// New returns a Gate with limit slots (at least 1).
func New(limit int, o Options) *Gate {
	limit = max(limit, 1)
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	g := &Gate{slots: make(chan struct{}, limit), retryAfter: o.RetryAfter}
	g.mRefused = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vneidbot_admission_refused_total",
		Help: "Updates refused at once because the replica had MAX_INFLIGHT updates in progress.",
	}, []string{"channel"})
	if o.Metrics != nil {
		o.Metrics.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "vneidbot_admission_inflight",
				Help: "Updates in progress on this replica.",
			}, func() float64 { return float64(len(g.slots)) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "vneidbot_admission_limit",
				Help: "MAX_INFLIGHT: updates this replica works on at once.",
			}, func() float64 { return float64(cap(g.slots)) }),
			g.mRefused,
		)
	}
	return g
}

// Limit is the number of slots.
func (g *Gate) Limit() int { return cap(g.slots) }

// InFlight is the number of slots taken now.
func (g *Gate) InFlight() int { return len(g.slots) }

// Refused is how many TryAcquire calls were refused since the start.
func (g *Gate) Refused() int64 { return g.refused.Load() }

// RetryAfter is the wait a refused client is told.
func (g *Gate) RetryAfter() time.Duration { return g.retryAfter }

// TryAcquire takes a slot if one is free and reports whether it did. It
// never waits. Each successful call must be paired with Release.
func (g *Gate) TryAcquire(channel string) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
		g.refused.Add(1)
		g.mRefused.WithLabelValues(channel).Inc()
		return false
	}
}

// Acquire waits for a slot until ctx ends. Each nil return must be paired
// with Release.
func (g *Gate) Acquire(ctx context.Context) error {
	select {
	case g.slots <- struct{}{}:
		return nil
	default:
	}
	select {
	case g.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Release frees a slot taken by TryAcquire or Acquire.
func (g *Gate) Release() { <-g.slots }

// SetRetryAfter sets the Retry-After header of a refusal: whole seconds,
// at least 1.
func (g *Gate) SetRetryAfter(h http.Header) {
	h.Set("Retry-After", strconv.Itoa(max(1, int((g.retryAfter+time.Second-1)/time.Second))))
}

// Middleware admits a request to next when a slot is free and holds the
// slot until next returns; otherwise it answers 503 with Retry-After and a
// plain-text body, without reading the request. It suits webhooks whose
// sender retries on 503 (Telegram).
func (g *Gate) Middleware(channel string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.TryAcquire(channel) {
			g.SetRetryAfter(w.Header())
			http.Error(w, "busy, retry later", http.StatusServiceUnavailable)
			return
		}
		defer g.Release()
		next.ServeHTTP(w, r)
	})
}
