package zalo

import (
	"testing"

	"github.com/vneid-guide/vneidbot/content/contenttest"
)

// testSay speaks from the built-in content, as the running bot does.
func testSay(t testing.TB) Say {
	t.Helper()
	cat := contenttest.Builtin(t)
	return cat.Msg
}
