package admission

import (
	"context"
	"math"
	"runtime/metrics"
	"testing"
	"time"
)

// TestStepShedsOnlyWhileRefusing: high latency alone does not lower the
// limit (a collection at moderate load); high latency while refusing does,
// down to the floor; low latency raises it back to MAX_INFLIGHT.
func TestStepShedsOnlyWhileRefusing(t *testing.T) {
	ctx := context.Background()
	g := New(8, Options{Workers: 8})
	a := newAdapter(g, AdaptOptions{Target: 2 * time.Millisecond, Floor: 3})
	limit := func() int64 { return g.cur.Load() }
	a.step(10 * time.Millisecond)
	if limit() != 8 {
		t.Fatalf("limit %d after high latency without refusals, want 8", limit())
	}
	for range 8 {
		if !g.Admit(ctx, "web") {
			t.Fatal("a free slot was refused")
		}
	}
	if g.Admit(ctx, "web") {
		t.Fatal("admitted past the limit")
	}
	a.step(10 * time.Millisecond)
	if limit() != 6 {
		t.Fatalf("limit %d after refusing with high latency, want 6 (8 less a quarter)", limit())
	}
	for range 7 {
		g.Release()
	}
	// One update in progress, the limit 6: five more fit, not six.
	for range 5 {
		if !g.Admit(ctx, "web") {
			t.Fatal("refused below the lowered limit")
		}
	}
	if !g.Full() || g.Admit(ctx, "web") {
		t.Fatal("admitted past the lowered limit")
	}
	for range 3 {
		g.Admit(ctx, "web") // refused, so each step below is refusing
		a.step(10 * time.Millisecond)
	}
	if limit() != 3 {
		t.Fatalf("limit %d, want the floor 3", limit())
	}
	a.step(2 * time.Millisecond) // between half the target and the target: hold
	if limit() != 3 {
		t.Fatalf("limit %d after latency at the target, want 3 held", limit())
	}
	for range 20 {
		a.step(500 * time.Microsecond)
	}
	if limit() != 8 {
		t.Fatalf("limit %d after low latency, want MAX_INFLIGHT 8 again", limit())
	}
}

func TestHistogramP90(t *testing.T) {
	buckets := []float64{0, 0.001, 0.002, 0.004, math.Inf(1)}
	for _, tc := range []struct {
		counts []uint64
		want   time.Duration
	}{
		{[]uint64{0, 0, 0, 0}, 0},
		{[]uint64{90, 10, 0, 0}, time.Millisecond},
		{[]uint64{89, 0, 11, 0}, 4 * time.Millisecond},
		{[]uint64{0, 0, 0, 5}, 4 * time.Millisecond}, // the open last bucket: its lower bound
	} {
		var total uint64
		for _, c := range tc.counts {
			total += c
		}
		if got := histogramP90(tc.counts, buckets, total); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.counts, got, tc.want)
		}
	}
}

// TestSchedLatencyIsARuntimeMetric: the name Adapt reads is one the
// runtime publishes as a histogram, and it reads.
func TestSchedLatencyIsARuntimeMetric(t *testing.T) {
	found := false
	for _, d := range metrics.All() {
		if d.Name == "/sched/latencies:seconds" && d.Kind == metrics.KindFloat64Histogram {
			found = true
		}
	}
	if !found {
		t.Fatal("/sched/latencies:seconds is not a histogram the runtime publishes")
	}
	s := newSchedLatency()
	done := make(chan struct{})
	for range 100 {
		go func() { done <- struct{}{} }()
	}
	for range 100 {
		<-done
	}
	if p := s.p90(); p < 0 || p > time.Second {
		t.Fatalf("p90 %v", p)
	}
}
