package storetest

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
)

// RoundTrips counts a store's requests to Redis: one per command, one per
// pipeline (a script run is one command).
type RoundTrips struct{ n atomic.Int64 }

// CountRoundTrips starts counting st's round trips from now.
func CountRoundTrips(st *store.Store) *RoundTrips {
	rt := &RoundTrips{}
	st.Client().AddHook(rt)
	return rt
}

// N is the number of round trips counted.
func (c *RoundTrips) N() int64 { return c.n.Load() }

// Reset starts the count again from zero.
func (c *RoundTrips) Reset() { c.n.Store(0) }

// DialHook leaves dialling alone (redis.Hook).
func (c *RoundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

// ProcessHook counts one command (redis.Hook).
func (c *RoundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

// ProcessPipelineHook counts one pipeline (redis.Hook).
func (c *RoundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}
