package flows_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// roundTrips counts requests to Redis: one per command, one per pipeline.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// BenchmarkHandle measures one update through the engine, Redis included,
// and reports the Redis round trips it took. The update is a typed menu
// command for one of 1,000 chats, so sessions exist and are rewritten.
func BenchmarkHandle(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			st := storetest.Open(b, be, store.Options{})
			rt := &roundTrips{}
			st.Client().AddHook(rt)
			e := newEngine(b, st, newClock(), nil)
			ctx := context.Background()
			for i := range 1000 {
				if _, err := e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: fmt.Sprint(i), Kind: flows.KindStart}); err != nil {
					b.Fatal(err)
				}
			}
			rt.n.Store(0)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				in := flows.Inbound{Channel: "web", ChatID: fmt.Sprint(i % 1000), MessageID: fmt.Sprint("b", i), Kind: flows.KindText, Text: "menu"}
				if _, err := e.Handle(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rt.n.Load())/float64(b.N), "redis-rt/op")
		})
	}
}
