package flows_test

import (
	"context"
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestCommandWordsComeFromContent: an operator adds a synonym for "menu" in
// vocab.yaml and citizens can type it, with or without accents; a word the
// content does not list is not a command.
func TestCommandWordsComeFromContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		cat := contenttest.Fresh(t) // changed below
		menu := cat.Msg("vi", "menu_prompt")
		if menu == "" {
			t.Fatal(`the content has no "menu_prompt" message to look for`)
		}
		say := func(e *flows.Engine, chat, text string) string {
			t.Helper()
			replies, err := e.Handle(context.Background(), flows.Inbound{Channel: "web", ChatID: chat, MessageID: text, Kind: flows.KindText, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return render(replies)
		}

		plain, err := flows.New(cat, st, flows.Options{Now: newClock().Now})
		if err != nil {
			t.Fatal(err)
		}
		if got := say(plain, "before", "trang chủ"); strings.Contains(got, menu) {
			t.Fatalf("\"trang chủ\" showed the menu before any content listed it:\n%s", got)
		}

		cat.Vocab.Commands["menu"] = append(cat.Vocab.Commands["menu"], "trang chủ")
		e, err := flows.New(cat, st, flows.Options{Now: newClock().Now})
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range []string{"trang chủ", "TRANG CHU"} {
			if got := say(e, "after-"+text, text); !strings.Contains(got, menu) {
				t.Fatalf("%q did not show the menu after the content listed it:\n%s", text, got)
			}
		}
	})
}
