package flows

import (
	"reflect"
	"testing"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/internal/faq"
)

// TestSearchCacheAnswersAsTheIndex: a cached reading is the index's own,
// for a quarter of the ways of asking in the content, in and out of a
// conversation,
// and a message read in one context is not answered from another's.
func TestSearchCacheAnswersAsTheIndex(t *testing.T) {
	cat := contenttest.Builtin(t)
	ix := faq.New(cat)
	c := newSearchCache()
	contexts := []faq.Context{
		{},
		{Last: "old_phone_lost"},
		{Situations: []string{"only_cmnd"}},
		{Last: "otp_not_received", Situations: []string{"elderly", "no_nfc"}},
	}
	texts := []string{"vay gio lam sao", "r lam gi tiep a", "kich hoat", "hi, how do I activate VNeID?"}
	n := 0
	for _, e := range cat.FAQ {
		for _, qs := range e.Questions {
			for _, q := range qs {
				if n++; n%4 == 0 { // a quarter of the variants keeps the test quick under -race
					texts = append(texts, q)
				}
			}
		}
	}
	differs := 0
	for _, text := range texts {
		for _, locale := range []string{"vi", "en"} {
			for _, cx := range contexts {
				want := ix.SearchIn(text, locale, cx)
				for range 2 { // a miss, then a hit
					if got := c.search(ix, text, locale, cx); !reflect.DeepEqual(got, want) {
						t.Fatalf("%q in %s %+v: cache gave %+v, index %+v", text, locale, cx, got, want)
					}
				}
				if !reflect.DeepEqual(want, ix.SearchIn(text, locale, faq.Context{})) {
					differs++
				}
			}
		}
	}
	if differs == 0 {
		t.Fatal("no context changed any reading: the test cannot tell contexts apart")
	}
	if len(c.m) > searchCacheSize {
		t.Fatalf("%d entries cached, bound %d", len(c.m), searchCacheSize)
	}
}
