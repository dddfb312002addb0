// Package lograte keeps a flood of the same warning out of the log: a
// stranger who sends thousands of bad requests a second must not be able to
// fill the disk or bury everything else. The first line of a kind is written
// at once; repeats within the interval are only counted, and the next line
// written for that kind says how many were left out ("suppressed").
package lograte

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// maxKinds bounds the kinds remembered; past it the oldest is forgotten.
const maxKinds = 1024

// Limiter writes at most one line per kind and interval to its logger.
type Limiter struct {
	log   *slog.Logger
	every time.Duration
	now   func() time.Time

	mu    sync.Mutex
	kinds map[string]*kind
}

type kind struct {
	last       time.Time // when a line of this kind was last written
	suppressed int       // lines left out since
}

// New returns a Limiter that writes to log at most one line per kind every
// interval. A nil now means time.Now.
func New(log *slog.Logger, every time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{log: log, every: every, now: now, kinds: map[string]*kind{}}
}

// Warn logs msg at warn level, unless a line of the same kind (msg plus
// key, e.g. a reason or a remote address) was written less than an interval
// ago; then it only counts it. Args are as for slog.Logger.Warn.
func (l *Limiter) Warn(key, msg string, args ...any) {
	l.Log(context.Background(), slog.LevelWarn, key, msg, args...)
}

// Log is Warn at any level.
func (l *Limiter) Log(ctx context.Context, level slog.Level, key, msg string, args ...any) {
	if !l.log.Enabled(ctx, level) {
		return
	}
	now := l.now()
	l.mu.Lock()
	k := l.kinds[msg+"\x00"+key]
	if k != nil && now.Sub(k.last) < l.every {
		k.suppressed++
		l.mu.Unlock()
		return
	}
	suppressed := 0
	if k == nil {
		if len(l.kinds) >= maxKinds {
			l.forgetOldest()
		}
		k = &kind{}
		l.kinds[msg+"\x00"+key] = k
	} else {
		suppressed = k.suppressed
	}
	k.last, k.suppressed = now, 0
	l.mu.Unlock()
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	l.log.Log(ctx, level, msg, args...)
}

// forgetOldest drops the kind written longest ago; l.mu is held.
func (l *Limiter) forgetOldest() {
	var oldest string
	var at time.Time
	for key, k := range l.kinds {
		if oldest == "" || k.last.Before(at) {
			oldest, at = key, k.last
		}
	}
	delete(l.kinds, oldest)
}
