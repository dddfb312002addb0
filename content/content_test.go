package content_test

import (
	"testing"

	"github.com/vneid-guide/vneidbot/content"
)

// TestEmbeddedContentIsValid fails CI when an edit breaks the built-in content.
func TestEmbeddedContentIsValid(t *testing.T) {
	c, problems := content.Load(content.Embedded, content.Options{})
	for _, p := range problems {
		t.Log(p)
	}
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	t.Log(c.Summary())
}
