package flows_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestExpandingTextIsBounded (seventh probe, V3): a 4,000-character
// message of U+FDFA, which NFKC expands ×18, reaches the statistics (the
// unanswered question's text) at most MaxNormalText characters long in
// NFKC, as an ordinary message would, not 72,000.
func TestExpandingTextIsBounded(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	e := newEngine(t, st, newClock(), nil)
	ctx := context.Background()
	for i, text := range []string{strings.Repeat("\uFDFA", 4000), strings.Repeat("\uFDFB", 4000), "xin hỏi " + strings.Repeat("\uFDFA", 3990)} {
		out, err := e.Respond(ctx, flows.Inbound{Channel: "web", ChatID: "x" + string(rune('a'+i)), MessageID: "m1", Kind: flows.KindText, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, ev := range out.Events {
			if ev.Text == "" {
				continue
			}
			seen = true
			if n := utf8.RuneCountInString(norm.NFKC.String(ev.Text)); n > flows.MaxNormalText {
				t.Errorf("message %d: event %s carries %d characters in NFKC, over %d", i, ev.Kind, n, flows.MaxNormalText)
			}
		}
		if !seen {
			t.Errorf("message %d: no event with the text: %+v", i, out.Events)
		}
	}
}
