// Package storetest opens stores for tests: an in-process Redis always, and
// the real Redis named by REDIS_URL as well when it is set (CI sets it).
// Each store gets a unique key prefix and its keys are deleted afterwards,
// so tests can share one real Redis.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/store"
)

// Backend names a Redis to test against.
type Backend struct {
	Name string // "miniredis" or "redis"
	URL  string // empty for miniredis
}

// Backends returns miniredis, plus real Redis when REDIS_URL is set.
func Backends() []Backend {
	b := []Backend{{Name: "miniredis"}}
	if url := os.Getenv("REDIS_URL"); url != "" {
		b = append(b, Backend{Name: "redis", URL: url})
	}
	return b
}

// Each runs fn as a subtest once per backend, each with a fresh store.
func Each(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, Open(t, b, store.Options{})) })
	}
}

// Open opens a store on backend b with a unique prefix, closed and cleaned
// up when the test ends. Options other than URL and Prefix are kept.
func Open(tb testing.TB, b Backend, o store.Options) *store.Store {
	tb.Helper()
	o.URL = b.URL
	o.Prefix = "test" + randomHex(6)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := store.Open(ctx, o)
	if err != nil {
		tb.Fatalf("open %s store: %v", b.Name, err)
	}
	tb.Cleanup(func() {
		if b.URL != "" {
			ctx := context.Background()
			iter := st.Client().Scan(ctx, 0, o.Prefix+":*", 1000).Iterator()
			for iter.Next(ctx) {
				st.Client().Del(ctx, iter.Val())
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
	iter := rdb.Scan(ctx, 0, pattern, 200).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
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
	if err := iter.Err(); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}
