package stats

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
)

// Seen is a chat and when it was last active.
type Seen struct {
	Chat string // "tg:123"
	At   time.Time
}

// Chats returns the chats of the index active in [from, to], oldest first,
// page by page: fn gets up to 1000 at a time and may stop the walk by
// returning an error.
func (rd *Reader) Chats(ctx context.Context, from, to time.Time, fn func([]Seen) error) error {
	return walk(ctx, rd.st.Client(), rd.st.StatsChatsKey(), from, to, fn)
}

// StuckChats walks the chats that said "Tôi bị kẹt" in flow within [from,
// to] and have not completed it since.
func (rd *Reader) StuckChats(ctx context.Context, flow string, from, to time.Time, fn func([]Seen) error) error {
	return walk(ctx, rd.st.Client(), rd.st.StatsSegmentKey("stuck", flow), from, to, fn)
}

// LastSeen returns when chat was last active according to the index (zero
// when unknown).
func (rd *Reader) LastSeen(ctx context.Context, chat string) (time.Time, error) {
	s, err := rd.st.Client().ZScore(ctx, rd.st.StatsChatsKey(), chat).Result()
	if err == redis.Nil {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(int64(s), 0), nil
}

const page = 1000

func walk(ctx context.Context, rdb redis.UniversalClient, key string, from, to time.Time, fn func([]Seen) error) error {
	min := strconv.FormatInt(from.Unix(), 10)
	max := strconv.FormatInt(to.Unix(), 10)
	for offset := int64(0); ; offset += page {
		zs, err := rdb.ZRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Min: min, Max: max, Offset: offset, Count: page}).Result()
		if err != nil {
			return fmt.Errorf("read chat index: %w", err)
		}
		if len(zs) == 0 {
			return nil
		}
		batch := make([]Seen, 0, len(zs))
		for _, z := range zs {
			if m, ok := z.Member.(string); ok {
				batch = append(batch, Seen{Chat: m, At: time.Unix(int64(z.Score), 0)})
			}
		}
		if err := fn(batch); err != nil {
			return err
		}
		if len(zs) < page {
			return nil
		}
	}
}

// RecentMissed returns up to n of the latest unanswered questions
// (redacted), newest first.
func (rd *Reader) RecentMissed(ctx context.Context, n int) ([]Missed, error) {
	if n <= 0 || n > MissedCap {
		n = MissedCap
	}
	vals, err := rd.st.Client().LRange(ctx, rd.st.StatsKey("missed"), 0, int64(n-1)).Result()
	if err != nil {
		return nil, fmt.Errorf("read unanswered questions: %w", err)
	}
	return store.DecodeEach[Missed](vals), nil
}

// RefTotals returns, for all time, how many users ref brought and how many
// of them completed a flow.
func (rd *Reader) RefTotals(ctx context.Context, ref string) (started, completed int64, err error) {
	var s *redis.StringCmd
	var c *redis.IntCmd
	_, err = rd.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		s = p.HGet(ctx, rd.st.StatsKey("tot"), "started|"+ref)
		c = p.PFCount(ctx, rd.st.StatsKey("rdone", ref))
		return nil
	})
	if err != nil && err != redis.Nil {
		return 0, 0, fmt.Errorf("read referral totals: %w", err)
	}
	started, _ = strconv.ParseInt(s.Val(), 10, 64)
	return started, c.Val(), nil
}

// AllRefStarted returns every referral's all-time started count, for
// volunteers' network numbers.
func (rd *Reader) AllRefStarted(ctx context.Context) (map[string]int64, error) {
	vals, err := rd.st.Client().HGetAll(ctx, rd.st.StatsKey("tot")).Result()
	if err != nil {
		return nil, fmt.Errorf("read referral totals: %w", err)
	}
	out := make(map[string]int64, len(vals))
	for k, v := range vals {
		if ref, ok := strings.CutPrefix(k, "started|"); ok {
			out[ref], _ = strconv.ParseInt(v, 10, 64)
		}
	}
	return out, nil
}
