package admission_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/internal/admission"
)

func TestAdmitRefusesPastTheLimitAtOnce(t *testing.T) {
	ctx := context.Background()
	g := admission.New(2, admission.Options{Workers: 2})
	if !g.Admit(ctx, "web") || !g.Admit(ctx, "web") {
		t.Fatal("two free slots refused")
	}
	// Both are held and nothing releases them: a call that waited would
	// never return.
	if g.Admit(ctx, "web") {
		t.Fatal("a third update admitted past the limit of 2")
	}
	if g.InFlight() != 2 || g.Refused() != 1 {
		t.Fatalf("in flight %d, refused %d; want 2 and 1", g.InFlight(), g.Refused())
	}
	g.Release()
	if !g.Admit(ctx, "web") {
		t.Fatal("a released slot is not free again")
	}
}

// TestAdmitQueuesBehindBusyWorkers: past the workers and below the limit an
// update waits, parked, until a worker is free.
func TestAdmitQueuesBehindBusyWorkers(t *testing.T) {
	ctx := context.Background()
	g := admission.New(4, admission.Options{Workers: 1})
	if !g.Admit(ctx, "web") {
		t.Fatal("the free worker refused")
	}
	started := make(chan int, 3)
	for i := range 3 {
		go func() {
			if g.Admit(ctx, "web") {
				started <- i
			}
		}()
		for g.InFlight() != i+2 { // the i-th waiter is counted
			runtime.Gosched()
		}
	}
	if g.Admit(ctx, "web") {
		t.Fatal("a fifth update admitted past the limit of 4")
	}
	select {
	case i := <-started:
		t.Fatalf("waiter %d started while the only worker was busy", i)
	default:
	}
	seen := map[int]bool{}
	for range 3 {
		g.Release()
		i := <-started
		seen[i] = true
		select {
		case j := <-started:
			t.Fatalf("waiters %d and %d both started on one release", i, j)
		default:
		}
	}
	if len(seen) != 3 {
		t.Fatalf("started %v, want each waiter once", seen)
	}
	g.Release()
	if g.InFlight() != 0 || g.Running() != 0 || g.Refused() != 1 {
		t.Fatalf("in flight %d, running %d, refused %d; want 0, 0, 1", g.InFlight(), g.Running(), g.Refused())
	}
}

// TestAdmitGivesUpWhenTheClientLeaves: a waiting request whose client went
// away leaves the queue and holds nothing.
func TestAdmitGivesUpWhenTheClientLeaves(t *testing.T) {
	g := admission.New(2, admission.Options{Workers: 1})
	g.Admit(context.Background(), "web")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if g.Admit(ctx, "web") {
		t.Fatal("admitted with no worker free and the client gone")
	}
	if g.InFlight() != 1 {
		t.Fatalf("in flight %d, want 1", g.InFlight())
	}
}

func TestAcquireWaitsForASlot(t *testing.T) {
	g := admission.New(1, admission.Options{})
	if err := g.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := g.Acquire(ctx); err == nil {
		t.Fatal("Acquire took a slot that was held")
	}
	got := make(chan error, 1)
	go func() { got <- g.Acquire(context.Background()) }()
	select {
	case <-got:
		t.Fatal("Acquire returned before the slot was released")
	case <-time.After(10 * time.Millisecond):
	}
	g.Release()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if g.Refused() != 0 {
		t.Fatal("a waiting Acquire counts as a refusal")
	}
}

func TestMiddlewareRefusesWith503AndRetryAfter(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := admission.New(1, admission.Options{RetryAfter: 1500 * time.Millisecond, Metrics: reg})
	entered, release := make(chan struct{}), make(chan struct{})
	h := g.Middleware("telegram", 1<<20, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err := http.Post(srv.URL, "application/json", nil)
		if err == nil {
			res.Body.Close()
		}
	}()
	<-entered
	c := &http.Client{Timeout: 2 * time.Second}
	res, err := c.Post(srv.URL, "application/json", nil)
	if err != nil {
		t.Fatalf("second request while full: %v (not refused at once)", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "2" {
		t.Fatalf("got %d Retry-After=%q, want 503 and 2 (1.5 s rounded up)", res.StatusCode, res.Header.Get("Retry-After"))
	}
	close(release)
	<-done
	if g.InFlight() != 0 {
		t.Fatalf("%d slots held after the handler returned", g.InFlight())
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, mf := range mfs {
		if mf.GetName() == "vneidbot_admission_refused_total" {
			found = mf.GetMetric()[0].GetCounter().GetValue() == 1
		}
	}
	if !found {
		t.Fatal("vneidbot_admission_refused_total{channel=telegram} is not 1")
	}
}

// BenchmarkRefusal is what a refused request costs the replica, HTTP
// excluded: it must be a small fraction of an update.
func BenchmarkRefusal(b *testing.B) {
	g := admission.New(1, admission.Options{})
	g.Admit(context.Background(), "web")
	h := g.Middleware("web", 1<<10, http.NotFoundHandler())
	req := httptest.NewRequest(http.MethodPost, "/api/chat", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// TestFewerWorkersRunWhileRefusing: once the gate has refused, updates that
// end keep their worker slots until only the surge workers run; once it
// has stopped refusing for the surge window, the slots come back and the
// waiting updates run.
func TestFewerWorkersRunWhileRefusing(t *testing.T) {
	ctx := context.Background()
	const window = 50 * time.Millisecond
	g := admission.New(6, admission.Options{Workers: 4, SurgeWorkers: 2, SurgeWindow: window})
	if g.Workers() != 4 || g.SurgeWorkers() != 2 {
		t.Fatalf("workers %d, surge workers %d; want 4 and 2", g.Workers(), g.SurgeWorkers())
	}
	for range 4 {
		if !g.Admit(ctx, "web") {
			t.Fatal("a free worker refused")
		}
	}
	// Two wait for a worker; a seventh is refused: the surge starts.
	started := make(chan struct{}, 2)
	for i := range 2 {
		go func() {
			if g.Admit(ctx, "web") {
				started <- struct{}{}
			}
		}()
		for g.InFlight() != 5+i {
			runtime.Gosched()
		}
	}
	if g.Admit(ctx, "web") {
		t.Fatal("admitted past the limit of 6")
	}
	// Two updates end: their slots are kept, not handed to the waiters.
	g.Release()
	g.Release()
	if g.Running() != 2 {
		t.Fatalf("running %d after two releases while refusing; want 2", g.Running())
	}
	select {
	case <-started:
		t.Fatal("a waiter started while the surge workers were all busy")
	case <-time.After(window / 5):
	}
	// A third ends: only two may run, so its slot goes to a waiter.
	g.Release()
	<-started
	if g.Running() != 2 {
		t.Fatalf("running %d; want the 2 surge workers", g.Running())
	}
	// No refusal for the window: the next release gives the held slots
	// back, and the last waiter runs.
	time.Sleep(window + window/2)
	g.Release()
	<-started
	if g.Running() != 2 || g.InFlight() != 2 {
		t.Fatalf("running %d, in flight %d after the surge; want 2 and 2", g.Running(), g.InFlight())
	}
	for range 2 { // all four workers run again
		if !g.Admit(ctx, "web") {
			t.Fatal("refused below the limit after the surge")
		}
	}
	if g.Running() != 4 {
		t.Fatalf("running %d after the surge; want all 4 workers", g.Running())
	}
}
