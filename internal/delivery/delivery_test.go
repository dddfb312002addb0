package delivery

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// newCore builds the engine on the built-in content and a Core over it
// that delivers Telegram's replies through plat.
func newCore(t testing.TB, st *store.Store, plat flows.Sender) *Core {
	t.Helper()
	cat := contenttest.Builtin(t)
	eng, err := flows.New(cat, st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Store: st, Engine: eng})
	c.Register(flows.Telegram, plat)
	return c
}

// platform records what reached the citizen, like a channel's API would.
type platform struct {
	mu   sync.Mutex
	got  []string // first line of each delivered reply set, in order
	fail bool
}

func (p *platform) Send(ctx context.Context, chatID string, replies []flows.Reply) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return errors.New("platform unavailable")
	}
	p.got = append(p.got, chatID+": "+firstLine(replies[0].Text))
	return nil
}

func (p *platform) delivered() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.got...)
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' {
			return s[:i]
		}
	}
	return s
}

var errCrash = errors.New("simulated crash")

// crashAt returns a hook that fails once at point.
func crashAt(point string) func(string) error {
	var once sync.Once
	return func(p string) error {
		var err error
		if p == point {
			once.Do(func() { err = errCrash })
		}
		return err
	}
}

func startUpdate(id string) flows.Inbound {
	return flows.Inbound{Channel: flows.Telegram, ChatID: "77", MessageID: id, Kind: flows.KindStart}
}

// TestOutboxCrashPoints kills the process between each step of handling an
// update, restarts it on the same Redis, and checks that the reply reaches
// the citizen exactly once: through the platform's retry of the update, or
// through the outbox sweeper when the platform does not retry.
func TestOutboxCrashPoints(t *testing.T) {
	for _, point := range []string{"before_save", "before_send"} {
		for _, recovery := range []string{"platform_retry", "sweeper"} {
			t.Run(point+"/"+recovery, func(t *testing.T) {
				storetest.Each(t, func(t *testing.T, st *store.Store) {
					ctx := context.Background()
					plat := &platform{}
					crashing := newCore(t, st, plat)
					crashing.crash = crashAt(point)
					if err := crashing.Process(ctx, startUpdate("u1")); !errors.Is(err, errCrash) {
						t.Fatalf("Process = %v, want the simulated crash", err)
					}
					if got := plat.delivered(); len(got) != 0 {
						t.Fatalf("delivered before the crash point: %v", got)
					}

					restarted := newCore(t, st, plat)
					if recovery == "platform_retry" {
						if err := restarted.Process(ctx, startUpdate("u1")); err != nil {
							t.Fatal(err)
						}
					}
					if _, err := restarted.SweepOutbox(ctx, -time.Second); err != nil {
						t.Fatal(err)
					}
					want := 1
					if point == "before_save" && recovery == "sweeper" {
						want = 0 // nothing was saved: only the platform's retry can bring the update back
					}
					if got := plat.delivered(); len(got) != want {
						t.Fatalf("delivered %d times, want %d: %v", len(got), want, got)
					}
					// Anything more (another retry, another sweep) delivers nothing.
					if err := restarted.Process(ctx, startUpdate("u1")); err != nil {
						t.Fatal(err)
					}
					restarted.SweepOutbox(ctx, -time.Second)
					if got := plat.delivered(); len(got) != 1 {
						t.Fatalf("after another retry and sweep: delivered %v, want exactly once", got)
					}
				})
			})
		}
	}
}

// TestOutboxCrashAfterSend: a crash after the platform accepted the reply
// and before it was acknowledged is the one window left; the reply is then
// delivered again rather than lost (at least once).
func TestOutboxCrashAfterSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		plat := &platform{}
		e := newCore(t, st, plat)
		e.crash = crashAt("before_ack")
		if err := e.Process(ctx, startUpdate("u1")); !errors.Is(err, errCrash) {
			t.Fatalf("Process = %v", err)
		}
		e.SweepOutbox(ctx, -time.Second)
		if got := plat.delivered(); len(got) != 2 {
			t.Fatalf("delivered %v, want the reply twice (sent, then redelivered)", got)
		}
	})
}

// TestOutboxKeepsOrderAndWaitsForThePlatform: while the platform is down,
// replies wait; the sweeper then delivers them in order, once.
func TestOutboxKeepsOrderAndWaitsForThePlatform(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		plat := &platform{fail: true}
		e := newCore(t, st, plat)
		msgs := []flows.Inbound{
			startUpdate("u1"),
			{Channel: flows.Telegram, ChatID: "77", MessageID: "u2", Kind: flows.KindButton, Payload: "f:install"},
			{Channel: flows.Telegram, ChatID: "77", MessageID: "u3", Kind: flows.KindText, Text: "android"},
		}
		for _, in := range msgs {
			if err := e.Process(ctx, in); err == nil {
				t.Fatal("Process succeeded while the platform is down")
			}
		}
		if n, _ := e.SweepOutbox(ctx, -time.Second); n != 0 || len(plat.delivered()) != 0 {
			t.Fatal("the sweeper delivered while the platform is down")
		}
		plat.mu.Lock()
		plat.fail = false
		plat.mu.Unlock()
		for range 3 {
			if _, err := e.SweepOutbox(ctx, -time.Second); err != nil {
				t.Fatal(err)
			}
		}
		got := plat.delivered()
		if len(got) != 3 {
			t.Fatalf("delivered %d reply sets, want 3: %v", len(got), got)
		}
		want := []string{"77: Xin chào!", "77: Mình cùng cài", "77: Bước 1"}
		for i := range want {
			if len(got[i]) < len(want[i]) || got[i][:len(want[i])] != want[i] {
				t.Fatalf("delivery %d = %q, want it to start %q (all: %v)", i, got[i], want[i], got)
			}
		}
	})
}

// slowPlatform takes a while to send, as a platform's API does.
type slowPlatform struct{ platform }

func (p *slowPlatform) Send(ctx context.Context, chatID string, replies []flows.Reply) error {
	time.Sleep(50 * time.Millisecond)
	return p.platform.Send(ctx, chatID, replies)
}

// TestConcurrentCopiesSendOnce: copies of one update handled at the same
// time (Zalo retried while the intake was still at work) reach the citizen
// once (security probe, third round: 2 and 10 copies sent twice).
func TestConcurrentCopiesSendOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		plat := &slowPlatform{}
		c := newCore(t, st, plat)
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				if err := c.Process(context.Background(), startUpdate("dup-1")); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got := plat.delivered(); len(got) != 1 {
			t.Fatalf("10 concurrent copies delivered %d times: %v", len(got), got)
		}
	})
}
