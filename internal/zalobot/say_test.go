package zalobot

import (
	"testing"

	"github.com/vneid-guide/vneidbot/content"
)

// testSay speaks from the built-in content, as the running bot does.
func testSay(t testing.TB) Say {
	t.Helper()
	cat, problems := content.Load(content.Embedded, content.Options{})
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	return cat.Msg
}
