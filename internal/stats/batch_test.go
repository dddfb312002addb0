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
