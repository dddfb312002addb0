package store

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// migrate carries the data of every key that moved to a new cluster slot
// (renames) to its new name, then deletes the old key. It copies by type
// rather than with RENAME, which a Cluster refuses across slots. A new key
// that already exists wins: the old one is then left alone. Replicas that
// open at once may both copy; the copies are the same data. One pipelined
// EXISTS is all it costs once nothing is left to move.
func (s *Store) migrate(ctx context.Context) error {
	renames := s.renames()
	olds := make([]*redis.IntCmd, len(renames))
	news := make([]*redis.IntCmd, len(renames))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, r := range renames { // one key a command: old and new may be in different slots
			olds[i] = p.Exists(ctx, r[0])
			news[i] = p.Exists(ctx, r[1])
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("check renamed keys: %w", err)
	}
	for i, r := range renames {
		if olds[i].Val() == 0 || news[i].Val() == 1 {
			continue // nothing to move, or the new key already wins
		}
		if err := s.MoveKey(ctx, r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// MoveKey carries a key that moved to a new cluster slot over: it copies
// a hash, sorted set, set, list or string from old to new with its expiry,
// then deletes old. A missing old key is no error. It is for data written
// under a key that keys.go no longer builds.
func (s *Store) MoveKey(ctx context.Context, old, new string) error {
	if err := s.moveKey(ctx, old, new); err != nil {
		return fmt.Errorf("move %s to %s: %w", old, new, err)
	}
	return nil
}

func (s *Store) moveKey(ctx context.Context, old, new string) error {
	typ, err := s.rdb.Type(ctx, old).Result()
	if err != nil {
		return err
	}
	ttl, err := s.rdb.PTTL(ctx, old).Result()
	if err != nil {
		return err
	}
	switch typ {
	case "hash":
		v, err := s.rdb.HGetAll(ctx, old).Result()
		if err == nil && len(v) > 0 {
			err = s.rdb.HSet(ctx, new, v).Err()
		}
		if err != nil {
			return err
		}
	case "zset":
		v, err := s.rdb.ZRangeWithScores(ctx, old, 0, -1).Result()
		if err == nil && len(v) > 0 {
			err = s.rdb.ZAdd(ctx, new, v...).Err()
		}
		if err != nil {
			return err
		}
	case "set":
		v, err := s.rdb.SMembers(ctx, old).Result()
		if err == nil && len(v) > 0 {
			err = s.rdb.SAdd(ctx, new, toAny(v)...).Err()
		}
		if err != nil {
			return err
		}
	case "list":
		v, err := s.rdb.LRange(ctx, old, 0, -1).Result()
		if err == nil && len(v) > 0 {
			err = s.rdb.RPush(ctx, new, toAny(v)...).Err()
		}
		if err != nil {
			return err
		}
	case "string":
		v, err := s.rdb.Get(ctx, old).Result()
		if err == nil {
			err = s.rdb.SetNX(ctx, new, v, 0).Err()
		}
		if err != nil {
			return err
		}
	case "none":
		return nil
	default:
		return fmt.Errorf("cannot copy a %s", typ)
	}
	if ttl > 0 {
		if err := s.rdb.PExpire(ctx, new, ttl).Err(); err != nil {
			return err
		}
	}
	return s.rdb.Del(ctx, old).Err()
}

func toAny(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// migrateTimeout bounds the carrying over of renamed keys at Open.
const migrateTimeout = 30 * time.Second
