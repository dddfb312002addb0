package stats

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// writes gathers a batch's commutative writes (counters, set members,
// HyperLogLog members and the chat index) so that each key gets one
// command per batch instead of one per event. Under load a batch holds the
// events of many updates that touch the same few keys (today's counters,
// the channel's user count), and Redis's time per update fell with the
// commands (docs/benchmarks.md, issue 13). Writes whose order matters (the
// stuck segments, the unanswered log) go to the pipeline as they come.
type writes struct {
	incr  map[string]map[string]int64
	sets  map[string]map[string]bool
	hlls  map[string][]any
	index map[string]float64 // chat → last activity, unix seconds
	trim  bool               // trim the chat index of idle chats
}

func newWrites() *writes {
	return &writes{incr: map[string]map[string]int64{}, sets: map[string]map[string]bool{}, hlls: map[string][]any{}, index: map[string]float64{}}
}

func (w *writes) hincr(key, field string) {
	m := w.incr[key]
	if m == nil {
		m = map[string]int64{}
		w.incr[key] = m
	}
	m[field]++
}

func (w *writes) sadd(key, member string) {
	m := w.sets[key]
	if m == nil {
		m = map[string]bool{}
		w.sets[key] = m
	}
	m[member] = true
}

func (w *writes) pfadd(key, member string) { w.hlls[key] = append(w.hlls[key], member) }

// active records a chat's activity at unix time at (the latest wins).
func (w *writes) active(chat string, at float64) { w.index[chat] = max(w.index[chat], at) }

// queue adds the gathered writes to p: the chat index under indexKey,
// trimmed below cutoff (unix seconds) when asked.
func (w *writes) queue(ctx context.Context, p redis.Pipeliner, indexKey, cutoff string) {
	for key, fields := range w.incr {
		for f, n := range fields {
			p.HIncrBy(ctx, key, f, n)
		}
	}
	for key, members := range w.sets {
		ms := make([]any, 0, len(members))
		for m := range members {
			ms = append(ms, m)
		}
		p.SAdd(ctx, key, ms...)
	}
	for key, members := range w.hlls {
		p.PFAdd(ctx, key, members...)
	}
	if len(w.index) > 0 {
		zs := make([]redis.Z, 0, len(w.index))
		for chat, at := range w.index {
			zs = append(zs, redis.Z{Score: at, Member: chat})
		}
		p.ZAdd(ctx, indexKey, zs...)
	}
	if w.trim {
		p.ZRemRangeByScore(ctx, indexKey, "-inf", cutoff)
	}
}
