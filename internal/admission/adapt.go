package admission

import (
	"context"
	"math"
	"runtime/metrics"
	"time"
)

// Shedding by latency (issue 13).
//
// Under a surge the core is busy whatever the limit, and every update
// admitted past what the core can run at once only waits: with 128
// admitted, half the answers waited 20–80 ms in the queue. Yet a limit of a
// few updates kept the core as busy, since an update that does not wait is
// quick. The limit cannot be set that low for good: a burst at moderate
// load needs the queue. So while the replica is refusing (the gate is full)
// and the runtime's scheduling latency is high, Adapt lowers the limit in
// force; while the latency is low it raises it again towards MAX_INFLIGHT.
// At moderate load nothing is refused, and the limit stays where it is.
//
// Measured at twice the capacity (docs/benchmarks.md, issue 13, sixth
// round), it cut the median wait of an answer from about 20 ms to 2 ms and
// a refusal's p99 from 60 to about 21 ms, but answered about 5% fewer, and
// at 75% of capacity refused 19 requests in 52,000 where the fixed limit
// refused none. The bot leaves it off unless ADMISSION_LATENCY_TARGET is
// set.

// AdaptOptions configure Adapt.
type AdaptOptions struct {
	// Target is the scheduling latency (p90 over a period) above which
	// the limit shrinks while requests are refused; below half of it the
	// limit grows back. 2 ms if zero.
	Target time.Duration
	// Every is the period of a step (25 ms if zero).
	Every time.Duration
	// Floor is the lowest limit in force (2 if zero).
	Floor int
}

// Adapt steps the limit in force every o.Every until ctx ends, from the
// runtime's scheduling latencies (/sched/latencies:seconds).
func (g *Gate) Adapt(ctx context.Context, o AdaptOptions) {
	if o.Every <= 0 {
		o.Every = 25 * time.Millisecond
	}
	a := newAdapter(g, o)
	lat := newSchedLatency()
	t := time.NewTicker(o.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.step(lat.p90())
	}
}

// adapter is Adapt's state between steps.
type adapter struct {
	g           *Gate
	target      time.Duration
	floor       int64
	lastRefused int64 // the gate's refusals at the last step
}

func newAdapter(g *Gate, o AdaptOptions) *adapter {
	if o.Target <= 0 {
		o.Target = 2 * time.Millisecond
	}
	return &adapter{g: g, target: o.Target, floor: min(int64(max(o.Floor, 2)), g.limit), lastRefused: g.Refused()}
}

// step moves the limit in force once: down by a quarter while refusing with
// the latency above target, up by a sixteenth (at least one) while the
// latency is below half of it.
func (a *adapter) step(p90 time.Duration) {
	g := a.g
	refused := g.Refused()
	refusing := refused > a.lastRefused
	a.lastRefused = refused
	cur := g.cur.Load()
	switch {
	case refusing && p90 > a.target:
		g.cur.Store(max(a.floor, cur*3/4))
	case p90 <= a.target/2:
		g.cur.Store(min(g.limit, cur+max(1, cur/16)))
	}
}

// schedLatency reads the p90 of the runtime's scheduling latencies since
// its last reading.
type schedLatency struct {
	sample []metrics.Sample
	last   []uint64
	delta  []uint64
}

func newSchedLatency() *schedLatency {
	s := &schedLatency{sample: []metrics.Sample{{Name: "/sched/latencies:seconds"}}}
	s.p90()
	return s
}

func (s *schedLatency) p90() time.Duration {
	metrics.Read(s.sample)
	if s.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	h := s.sample[0].Value.Float64Histogram()
	if len(s.last) != len(h.Counts) {
		s.last = make([]uint64, len(h.Counts))
		s.delta = make([]uint64, len(h.Counts))
		copy(s.last, h.Counts)
		return 0
	}
	var total uint64
	for i, c := range h.Counts {
		s.delta[i] = c - s.last[i]
		total += s.delta[i]
	}
	copy(s.last, h.Counts)
	return histogramP90(s.delta, h.Buckets, total)
}

// histogramP90 is the upper bound of the bucket that holds the 90th
// percentile of counts (buckets as in metrics.Float64Histogram).
func histogramP90(counts []uint64, buckets []float64, total uint64) time.Duration {
	if total == 0 {
		return 0
	}
	want := total - total/10
	var acc uint64
	for i, c := range counts {
		acc += c
		if acc >= want {
			upper := buckets[i+1]
			if math.IsInf(upper, 1) {
				upper = buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}
