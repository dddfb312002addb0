// Package contenttest gives tests the built-in content, the same the bot
// serves.
package contenttest

import (
	"sync"
	"testing"

	"github.com/vneid-guide/vneidbot/content"
)

var builtin = sync.OnceValues(func() (*content.Catalog, error) {
	cat, problems := content.Load(content.Embedded, content.Options{})
	return cat, problems.Err()
})

// Builtin returns the built-in content, loaded once for the whole test
// binary and shared by every test: a test must not change it (Fresh gives
// a copy of its own). A content problem fails the test.
func Builtin(tb testing.TB) *content.Catalog {
	tb.Helper()
	cat, err := builtin()
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

// Fresh loads the built-in content anew, for a test that changes it.
func Fresh(tb testing.TB) *content.Catalog {
	tb.Helper()
	cat, problems := content.Load(content.Embedded, content.Options{})
	if err := problems.Err(); err != nil {
		tb.Fatal(err)
	}
	return cat
}
