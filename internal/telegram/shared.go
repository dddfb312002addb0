package telegram

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// shared keeps the limits that belong to the bot token, not to one process,
// in Redis: the overall message budget and the pause after a 429. Every
// replica (and a broadcast run from the command line) then respects them
// together. The per-chat spacing stays in each process: a chat's updates are
// handled one at a time anyway.
type shared struct {
	rdb      redis.UniversalClient
	budget   string // key: the budget's theoretical arrival time, µs
	pauseKey string // key: the end of the pause, ms since the epoch
	every    time.Duration
	burst    int

	mu        sync.Mutex
	checked   time.Time // when pauseKey was last read
	lastPause time.Time
}

// pauseCheckEvery bounds how stale a replica's view of another's 429 is.
const pauseCheckEvery = 200 * time.Millisecond

// reserveScript books one message in a GCRA kept in Redis and returns, in
// µs, when it may leave.
var reserveScript = redis.NewScript(`
local tat = tonumber(redis.call("GET", KEYS[1]) or "0")
local now, every, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local at = math.max(now, tat - (burst - 1) * every)
local next = math.max(tat, at) + every
redis.call("SET", KEYS[1], string.format("%.0f", next), "PX", math.ceil((next - now) / 1000) + 1000)
return string.format("%.0f", at)
`)

// reserve books one message no earlier than t in the token's budget.
func (s *shared) reserve(ctx context.Context, t time.Time) (time.Time, error) {
	at, err := reserveScript.Run(ctx, s.rdb, []string{s.budget},
		t.UnixMicro(), s.every.Microseconds(), s.burst).Text()
	if err != nil {
		return t, err
	}
	us, err := strconv.ParseInt(at, 10, 64)
	if err != nil {
		return t, err
	}
	return time.UnixMicro(us), nil
}

// pause tells every replica to hold back until until.
func (s *shared) pause(ctx context.Context, until time.Time) error {
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	return s.rdb.Set(ctx, s.pauseKey, until.UnixMilli(), d).Err()
}

// pausedUntil returns the token's pause as another replica may have set it,
// reading Redis at most every pauseCheckEvery.
func (s *shared) pausedUntil(ctx context.Context, now time.Time) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.Sub(s.checked) < pauseCheckEvery {
		return s.lastPause
	}
	s.checked = now
	ms, err := s.rdb.Get(ctx, s.pauseKey).Int64()
	switch {
	case err == nil:
		s.lastPause = time.UnixMilli(ms)
	case err == redis.Nil:
		s.lastPause = time.Time{}
	}
	return s.lastPause
}
