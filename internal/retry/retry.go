// Package retry holds the bot's one way of waiting between attempts: a
// sleep that ends with its context, and a jittered exponential backoff.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Sleep waits for d, or returns ctx's error if ctx ends first. A d of
// zero or less returns at once (with ctx's error, if it has ended).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is the wait before retry number attempt (0, 1, …): it doubles
// from base up to max, with jitter (half to one and a half times) so that
// colliding workers spread out.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	return d/2 + rand.N(d)
}
