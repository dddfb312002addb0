package stats_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// The batcher writes the same statistics as the recorder, off the path of
// the update: nothing is lost by Close, whatever the batching.
func TestBatcherWritesEverything(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
		rec := stats.NewRecorder(st, stats.Options{Now: func() time.Time { return now }})
		b := stats.NewBatcher(rec, nil)
		const chats = 300
		for i := range chats {
			chat := "web:b" + strconv.Itoa(i)
			if err := b.Record(context.Background(), []flows.Event{{Kind: flows.EventFirstContact, Channel: "web", Chat: chat, Time: now}}); err != nil {
				t.Fatal(err)
			}
		}
		b.Close()
		rep, err := stats.NewReader(st, 0).Report(context.Background(), stats.Filter{Since: now.Add(-time.Hour), Until: now.Add(time.Hour)}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.ByChannel["web"] < chats*97/100 || b.Dropped() != 0 { // users are counted by HyperLogLog: ±2%
			t.Fatalf("web users %d, want about %d (dropped %d)", rep.ByChannel["web"], chats, b.Dropped())
		}
	})
}

// TestBatcherSharesRoundTrips: events that keep coming, as under load, are
// written a batch per flush interval (10 ms), not a round trip for every
// update or two.
func TestBatcherSharesRoundTrips(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	b := stats.NewBatcher(stats.NewRecorder(st, stats.Options{Now: func() time.Time { return now }}), nil)
	rt := storetest.CountRoundTrips(st)
	start := time.Now()
	const events = 200
	for i := range events {
		b.Record(context.Background(), []flows.Event{{Kind: flows.EventFirstContact, Channel: "web", Chat: "web:r" + strconv.Itoa(i), Time: now}})
		time.Sleep(100 * time.Microsecond)
	}
	b.Close()
	elapsed := time.Since(start)
	// a batch per 10 ms, give or take, and the connection's own commands
	if most := int64(elapsed*12/10/(10*time.Millisecond)) + 5; rt.N() > most {
		t.Fatalf("%d events over %s took %d round trips, want at most %d", events, elapsed.Round(time.Millisecond), rt.N(), most)
	}
	t.Logf("%d events over %s: %d round trips", events, elapsed.Round(time.Millisecond), rt.N())
}
