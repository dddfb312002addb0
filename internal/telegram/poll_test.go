package telegram

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// tagged marks each request with the replica that made it.
type tagged struct{ name string }

func (t tagged) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Replica", t.name)
	return http.DefaultTransport.RoundTrip(r)
}

// replica is one bot process in polling mode.
type replica struct {
	name   string
	bot    *Adapter
	store  *store.Store
	cancel context.CancelFunc
	done   chan struct{}
}

func startReplica(t *testing.T, name string, api *fakeAPI, st *store.Store, o Options) *replica {
	t.Helper()
	eng, err := flows.New(testCatalog(t), st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	core := delivery.New(delivery.Options{Store: st, Engine: eng})
	o = fastOptions(o)
	o.APIURL, o.Delivery, o.Content, o.Store, o.ReplicaID = api.url(), core, eng.Content, st, name
	o.HTTPClient = &http.Client{Transport: tagged{name}}
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	core.Register(flows.Telegram, b)
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, bot: b, store: st, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); b.RunPolling(ctx) }()
	t.Cleanup(func() { r.cancel(); <-r.done })
	return r
}

// TestPollingReplicas: two replicas against one Redis: exactly one polls and
// each update is answered once; when the poller dies (no release, the lease
// expires) or stops (the lease is released), the other takes over.
func TestPollingReplicas(t *testing.T) {
	for _, crash := range []bool{true, false} {
		name := "graceful stop"
		if crash {
			name = "crash"
		}
		t.Run(name, func(t *testing.T) {
			url, mini := testRedis(t)
			prefix := uniquePrefix(t)
			api := newFakeAPI(t)
			api.holdPoll = 100 * time.Millisecond
			stA, stB := openStore(t, url, prefix), openStore(t, url, prefix)
			o := Options{LeaseTTL: 300 * time.Millisecond}
			a := startReplica(t, "A", api, stA, o)
			eventually(t, "A polls", func() bool { return api.count("getUpdates", "A") >= 3 })
			b := startReplica(t, "B", api, stB, o)
			eventually(t, "B is up and standing by", func() bool { return b.bot.Ready(context.Background()) == nil })
			before := api.count("getUpdates", "A")
			eventually(t, "A keeps polling", func() bool { return api.count("getUpdates", "A") >= before+3 })
			if n := api.count("getUpdates", "B"); n != 0 {
				t.Fatalf("B polled %d times while A held the lease", n)
			}

			api.push(readUpdate(t, "message.json"))
			eventually(t, "the reply", func() bool { return len(api.sent()) == 2 })
			// A crash between sending and acknowledging is answered again from
			// the outbox (at least once); this test is about the lease, so A
			// crashes only after its acknowledgement reached Redis.
			eventually(t, "the replies acknowledged", func() bool {
				n, err := stA.Client().ZCard(context.Background(), stA.OutboxPendingKey()).Result()
				return err == nil && n == 0
			})

			if crash {
				// the process dies: its Redis connection goes, the lease is not released
				a.store.Close()
				a.cancel()
				<-a.done
				if mini != nil {
					mini.FastForward(o.LeaseTTL) // miniredis expires keys only when told
				}
			} else {
				a.cancel()
				<-a.done
			}
			eventually(t, "B takes over", func() bool { return api.count("getUpdates", "B") > 0 })
			afterA := api.count("getUpdates", "A")

			// an update fetched again after the takeover is not answered twice
			api.push(readUpdate(t, "message.json"), readUpdate(t, "command_menu.json"))
			eventually(t, "the reply to /menu", func() bool { return len(api.sent()) == 3 })
			time.Sleep(50 * time.Millisecond) // a double answer would show up here
			if n := len(api.sent()); n != 3 {
				t.Fatalf("%d messages sent, want 3 (message.json answered once)", n)
			}
			if n := api.count("getUpdates", "A"); n != afterA {
				t.Fatalf("A polled after it stopped")
			}
		})
	}
}

// TestPollingIdleDoesNotSpin: against a server that answers getUpdates at
// once with nothing (the npm emulator ignores timeout), the poller pauses.
func TestPollingIdleDoesNotSpin(t *testing.T) {
	h := newHarness(t, Options{IdlePause: 100 * time.Millisecond})
	h.api.holdPoll = 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.bot.RunPolling(ctx) }()
	eventually(t, "first poll", func() bool { return h.api.count("getUpdates", "") > 0 })
	time.Sleep(500 * time.Millisecond)
	cancel()
	<-done
	// ~6 with the pause; a spinning loop makes thousands
	if n := h.api.count("getUpdates", ""); n > 15 {
		t.Fatalf("%d polls in 0.5 s: the poller spins", n)
	}
}

// TestPollingBacksOff: failing polls are retried with growing, capped
// delays, and the loop survives them.
func TestPollingBacksOff(t *testing.T) {
	h := newHarness(t, Options{PollBackoff: Backoff{Min: 20 * time.Millisecond, Max: 80 * time.Millisecond}})
	for range 1000 {
		h.api.fail("getUpdates", scripted{status: 502, body: "<html>bad gateway</html>"})
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.bot.RunPolling(ctx) }()
	eventually(t, "first poll", func() bool { return h.api.count("getUpdates", "") > 0 })
	time.Sleep(500 * time.Millisecond)
	n := h.api.count("getUpdates", "")
	if n > 40 {
		t.Fatalf("%d polls in 0.5 s with failures: no backoff", n)
	}
	// the server recovers
	h.api.mu.Lock()
	h.api.script["getUpdates"] = nil
	h.api.mu.Unlock()
	h.api.push(readUpdate(t, "message.json"))
	eventually(t, "the reply after recovery", func() bool { return len(h.api.sent()) == 2 })
	cancel()
	<-done
}

// slow delays the engine, to shut down while an update is in flight.
type slow struct {
	delivery.Processor
	entered chan struct{}
	delay   time.Duration
}

func (s slow) Process(ctx context.Context, in flows.Inbound) error {
	close(s.entered)
	time.Sleep(s.delay)
	return s.Processor.Process(ctx, in)
}

// TestPollingShutdown: stopping finishes the update in flight, confirms it to
// Telegram (so the next poller does not fetch it again) and releases the
// lease, all within the drain time.
func TestPollingShutdown(t *testing.T) {
	h := newHarness(t, Options{})
	s := slow{Processor: h.core, entered: make(chan struct{}), delay: 200 * time.Millisecond}
	h.bot.o.Delivery = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.bot.RunPolling(ctx) }()
	h.api.push(readUpdate(t, "message.json"))
	<-s.entered
	start := time.Now()
	cancel()
	<-done
	if d := time.Since(start); d > h.bot.o.DrainTimeout {
		t.Errorf("shutdown took %v", d)
	}
	if n := len(h.api.sent()); n != 2 {
		t.Fatalf("%d messages sent, want the 2 replies of the update in flight", n)
	}
	h.api.mu.Lock()
	last := h.api.calls[len(h.api.calls)-1]
	h.api.mu.Unlock()
	if last.Method != "getUpdates" || last.Params["offset"] != "500000002" {
		t.Errorf("last call = %s %v, want getUpdates confirming offset 500000002", last.Method, last.Params)
	}
	key := h.store.Key("tg", "7000000001", "poller")
	if n, _ := h.store.Client().Exists(context.Background(), key).Result(); n != 0 {
		t.Errorf("lease %s still held after shutdown", key)
	}
}
