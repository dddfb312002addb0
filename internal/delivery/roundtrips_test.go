package delivery

import (
	"context"
	"testing"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestProcessRoundTrips: an update of a returning chat, answered and
// counted in the statistics, costs three Redis round trips: load, save
// (session, dedup mark and outbox in one script), and the acknowledgement,
// which carries the statistics.
func TestProcessRoundTrips(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cat := contenttest.Builtin(t)
		rec := stats.NewRecorder(st, stats.Options{})
		eng, err := flows.New(cat, st, flows.Options{Recorder: rec})
		if err != nil {
			t.Fatal(err)
		}
		plat := &platform{}
		c := New(Options{Store: st, Engine: eng, Recorder: rec})
		c.Register(flows.Telegram, plat)
		if err := c.Process(ctx, startUpdate("u1")); err != nil {
			t.Fatal(err)
		}
		rt := storetest.CountRoundTrips(st)
		in := flows.Inbound{Channel: flows.Telegram, ChatID: "77", MessageID: "u2", Kind: flows.KindButton, Payload: "f:install"}
		if err := c.Process(ctx, in); err != nil {
			t.Fatal(err)
		}
		if n := rt.N(); n != 3 {
			t.Errorf("one update took %d round trips, want 3", n)
		}
		if got := plat.delivered(); len(got) != 2 {
			t.Errorf("delivered %v", got)
		}
		if keys := storetest.Keys(t, st.Client(), st.Key("{stats}")+"*"); len(keys) == 0 {
			t.Error("the statistics were not written")
		}
	})
}
