// Package storetest opens stores for tests: an in-process Redis always, the
// real Redis named by REDIS_URL as well when it is set (CI sets it), and the
// Redis Cluster named by REDIS_CLUSTER_URL when that is set too. Each store
// gets a unique key prefix and its keys are deleted afterwards, so tests can
// share one real Redis or Cluster. REDIS_URL may itself name a Cluster
// (redis+cluster://…): CI runs the Redis-touching tests a second time so.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
)

// Backend names a Redis to test against.
type Backend struct {
	Name string // "miniredis", "redis" or "cluster"
	URL  string // empty for miniredis
}

// Backends returns miniredis, plus real Redis when REDIS_URL is set, plus a
// Redis Cluster when REDIS_CLUSTER_URL is set.
func Backends() []Backend {
	b := []Backend{{Name: "miniredis"}}
	if url := os.Getenv("REDIS_URL"); url != "" {
		b = append(b, Backend{Name: backendName(url), URL: url})
	}
	if url := os.Getenv("REDIS_CLUSTER_URL"); url != "" && url != os.Getenv("REDIS_URL") {
		b = append(b, Backend{Name: "cluster", URL: url})
	}
	return b
}

func backendName(url string) string {
	if strings.HasPrefix(url, "redis+cluster://") {
		return "cluster"
	}
	return "redis"
}

// Each runs fn as a subtest once per backend, each with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, Open(t, b, store.Options{})) })
	}
}

// Open opens a store on backend b, closed and cleaned up when the test
// ends. Options other than URL are kept; an empty Prefix is made unique
// (see Prefix).
func Open(tb testing.TB, b Backend, o store.Options) *store.Store {
	tb.Helper()
	o.URL = b.URL
	if o.Prefix == "" {
		o.Prefix = Prefix()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := store.Open(ctx, o)
	if err != nil {
		tb.Fatalf("open %s store: %v", b.Name, err)
	}
	tb.Cleanup(func() {
		ctx := context.Background()
		// a store the test closed itself (a replica's crash) leaves its keys
		// to the stores that share its prefix
		if b.URL != "" && !errors.Is(st.Client().Ping(ctx).Err(), redis.ErrClosed) {
			for _, k := range Keys(tb, st.Client(), o.Prefix+":*") {
				st.Client().Del(ctx, k)
			}
		}
		st.Close()
	})
	return st
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Dump returns every key matching pattern with its value, one per line, for
// tests that prove something is NOT stored anywhere.
func Dump(tb testing.TB, rdb redis.UniversalClient, pattern string) string {
	tb.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, k := range Keys(tb, rdb, pattern) {
		fmt.Fprintf(&b, "%s = ", k)
		switch rdb.Type(ctx, k).Val() {
		case "string":
			b.WriteString(rdb.Get(ctx, k).Val())
		case "hash":
			fmt.Fprint(&b, rdb.HGetAll(ctx, k).Val())
		case "list":
			fmt.Fprint(&b, rdb.LRange(ctx, k, 0, -1).Val())
		case "set":
			fmt.Fprint(&b, rdb.SMembers(ctx, k).Val())
		case "zset":
			fmt.Fprint(&b, rdb.ZRangeWithScores(ctx, k, 0, -1).Val())
		case "stream":
			fmt.Fprint(&b, rdb.XRange(ctx, k, "-", "+").Val())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Keys returns every key matching pattern, sorted. On a Redis Cluster it
// scans every master (SCAN and KEYS see one node only). Tests use it
// instead of KEYS or SCAN.
func Keys(tb testing.TB, rdb redis.UniversalClient, pattern string) []string {
	tb.Helper()
	ctx := context.Background()
	var (
		mu   sync.Mutex
		keys []string
	)
	scan := func(ctx context.Context, c redis.Cmdable) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys = append(keys, iter.Val())
			mu.Unlock()
		}
		return iter.Err()
	}
	var err error
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return scan(ctx, c) })
	} else {
		err = scan(ctx, rdb)
	}
	if err != nil {
		tb.Fatalf("scan keys %s: %v", pattern, err)
	}
	slices.Sort(keys)
	return keys
}
