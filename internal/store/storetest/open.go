package storetest

import (
	"os"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/store"
)

// Env is the one Redis a test that does not run per backend uses: the one
// REDIS_URL names, or else the in-process Redis.
func Env() Backend {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		return Backend{Name: "miniredis"}
	}
	return Backend{Name: backendName(url), URL: url}
}

// Prefix returns a key prefix no other test uses, for stores that must
// share one (replicas, a restart): pass it as the Options' Prefix to Open.
func Prefix() string { return "test" + randomHex(6) }

// OpenEnv opens a store on Env under prefix ("" for a unique one), closed
// and cleaned up when the test ends.
func OpenEnv(tb testing.TB, prefix string) *store.Store {
	tb.Helper()
	return Open(tb, Env(), store.Options{Prefix: prefix})
}
