package queue_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestAddThenDrain(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenEnv(t, "")
	q := queue.New(st.Client(), st.Key("q"), "g", queue.Options{})
	for _, s := range []string{"a", "b", "c"} {
		if _, err := q.Add(ctx, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	n, err := q.Drain(ctx, "c1", func(_ context.Context, d []byte) error {
		got = append(got, string(d))
		return nil
	})
	if err != nil || n != 3 || fmt.Sprint(got) != "[a b c]" {
		t.Fatalf("Drain = %d, %v; handled %q", n, err, got)
	}
	if l, _ := q.Len(ctx); l != 0 {
		t.Errorf("%d items left in the stream after success", l)
	}
}

// TestItemSurvivesADeadWorker: a worker takes an item and dies before
// finishing it (its handler fails); another consumer handles it once it has
// been idle for MinIdle. Nothing acknowledged is lost.
func TestItemSurvivesADeadWorker(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenEnv(t, "")
	q := queue.New(st.Client(), st.Key("q"), "g", queue.Options{MinIdle: time.Millisecond})
	q.Add(ctx, []byte("event"))

	died := errors.New("process died")
	if n, _ := q.Drain(ctx, "dead", func(context.Context, []byte) error { return died }); n != 1 {
		t.Fatalf("the first worker saw %d items, want 1", n)
	}
	if l, _ := q.Len(ctx); l != 1 {
		t.Fatalf("stream has %d items after a failure, want 1", l)
	}
	time.Sleep(5 * time.Millisecond) // > MinIdle

	var got string
	n, err := queue.New(st.Client(), st.Key("q"), "g", queue.Options{MinIdle: time.Millisecond}).
		Drain(ctx, "alive", func(_ context.Context, d []byte) error { got = string(d); return nil })
	if err != nil || n != 1 || got != "event" {
		t.Fatalf("second worker: Drain = %d, %v, got %q", n, err, got)
	}
	if l, _ := q.Len(ctx); l != 0 {
		t.Errorf("%d items left", l)
	}
}

func TestPermanentFailureDrops(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenEnv(t, "")
	q := queue.New(st.Client(), st.Key("q"), "g", queue.Options{})
	q.Add(ctx, []byte("junk"))
	q.Drain(ctx, "c", func(context.Context, []byte) error { return fmt.Errorf("bad json: %w", queue.ErrPermanent) })
	if l, _ := q.Len(ctx); l != 0 {
		t.Errorf("a permanently failed item stayed queued")
	}
}

func TestDropAfterMaxDeliveries(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenEnv(t, "")
	var dropped []string
	q := queue.New(st.Client(), st.Key("q"), "g", queue.Options{
		MinIdle: time.Millisecond, MaxDeliveries: 2,
		OnDrop: func(d []byte) { dropped = append(dropped, string(d)) },
	})
	q.Add(ctx, []byte("poison"))
	calls := 0
	fail := func(context.Context, []byte) error { calls++; return errors.New("boom") }
	for range 4 {
		q.Drain(ctx, "c", fail)
		time.Sleep(3 * time.Millisecond)
	}
	if calls != 2 || fmt.Sprint(dropped) != "[poison]" {
		t.Fatalf("handler called %d times, dropped %q; want 2 calls then a drop", calls, dropped)
	}
	if l, _ := q.Len(ctx); l != 0 {
		t.Errorf("the dropped item stayed queued")
	}
}

func TestRunStopsWithContext(t *testing.T) {
	st := storetest.OpenEnv(t, "")
	q := queue.New(st.Client(), st.Key("q"), "g", queue.Options{Block: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	handled := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- q.Run(ctx, 2, func(_ context.Context, d []byte) error { handled <- string(d); return nil })
	}()
	q.Add(context.Background(), []byte("x"))
	if got := <-handled; got != "x" {
		t.Fatalf("handled %q", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}
