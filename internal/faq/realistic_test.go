package faq

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"sort"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The realistic evaluation set (issue 11) is two halves written by two
// writers before any tuning, from the entry list and the fact base, without
// reading the entries' variants or each other's half:
//
//   - testdata/realistic_tune.yaml is the half the retrieval is tuned on;
//     its misses may be printed and studied (-faq.misses).
//   - testdata/realistic_test.yaml is the half that is reported. Its
//     questions are never printed, never copied into variants, and nothing
//     is tuned on it; only its figures are.
//
// A second tuning set, testdata/realistic_tune2.yaml, was written later by
// another writer the same way; the verdict is fitted on both tuning sets.
// A third, testdata/realistic_tune3.yaml, holds only the hardest styles
// (elderly speech, follow-ups, situations), and a fourth,
// testdata/realistic_tune4.yaml, the others; nothing is fitted on them. A
// fifth, testdata/realistic_tune5.yaml (ninth round), mixes the styles the
// bot missed most (elderly speech, English, follow-ups, situations).
//
// Two fresh sets (2026-12-05) were written by writers who wrote the
// messages before reading any content, then labelled them: their odd
// halves, testdata/realistic_fresh_tune.yaml, were tuned on; their even
// halves, testdata/realistic_fresh_test.yaml, are held apart like the test
// half and reported.
//
// The validation set, testdata/realistic_val.yaml, was written later by
// another writer the same way. Variants of the retrieval and the
// verdict are chosen by its figures only: like the test half, its misses
// are never printed and its lines never copied into variants.

var showMisses = flag.Bool("faq.misses", false, "print the tuning half's misses")

// realItem is one labelled message of a realistic half.
type realItem struct {
	Q      string   `yaml:"q"`
	ID     string   `yaml:"id"`     // expected entry, or "none"
	Also   []string `yaml:"also"`   // other fair answers
	Tag    string   `yaml:"tag"`    // long, long-plain, two, teen, elderly, situation, followup, en, off
	Prev   string   `yaml:"prev"`   // followup: the previous message
	PrevID string   `yaml:"previd"` // followup: the entry answered before
	Lang   string   `yaml:"lang"`   // "en" for English
}

// checkRealIDs fails the test on an entry id the catalog does not hold. It
// names the item by its number, never by its text, so a secret set's lines
// are not printed.
func checkRealIDs(t *testing.T, ix *Index, name string, items []realItem) {
	t.Helper()
	for i, it := range items {
		for _, id := range append([]string{it.ID, it.PrevID}, it.Also...) {
			if id != "" && id != "none" && ix.cat.Entry(id) == nil {
				t.Errorf("testdata/%s item %d: unknown entry %q", name, i+1, id)
			}
		}
	}
}

func loadReal(tb testing.TB, name string) []realItem {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	var items []realItem
	if err := yaml.Unmarshal(b, &items); err != nil {
		tb.Fatalf("testdata/%s: %v", name, err)
	}
	return items
}

// realScores are the figures of issue 11, over one half.
type realScores struct {
	entries, none, all                     int // questions with an entry, labelled none, in all
	confidentRight, top1, top3, confWrong  int
	refused                                int // none questions given no entry
	english, englishRight, notEnglishWrong int
	misses                                 []string
	byTag                                  map[string][2]int // confident-right per tag
}

func (s realScores) pct(a, n int) float64 {
	if n == 0 {
		return 100
	}
	return 100 * float64(a) / float64(n)
}

// line is the figure line of one set; label is "tuning half", "test half"
// or "validation".
func (s realScores) line(label string) string {
	return fmt.Sprintf("faq eval (%s): confident-right %.1f%% top1 %.1f%% top3 %.1f%% confident-wrong %.1f%% out-of-scope-refused %.1f%% (n=%d)",
		label, s.pct(s.confidentRight, s.entries), s.pct(s.top1, s.entries), s.pct(s.top3, s.entries),
		s.pct(s.confWrong, s.all), s.pct(s.refused, s.none), s.all)
}

// evaluateReal runs each message as the conversation would: a follow-up
// after its previous message, with what that message told.
func evaluateReal(ix *Index, items []realItem) realScores {
	s := realScores{byTag: map[string][2]int{}}
	for _, it := range items {
		var cx Context
		if it.Prev != "" {
			prev := ix.Search(it.Prev, "vi")
			cx = Context{Last: it.PrevID, Situations: prev.Situations}
		}
		r := ix.SearchIn(it.Q, "vi", cx)
		ok := append([]string{it.ID}, it.Also...)
		right := len(r.Hits) > 0 && slices.Contains(ok, r.Hits[0].ID)
		s.all++
		t := s.byTag[it.Tag]
		t[1]++
		if it.ID == "none" {
			s.none++
			if r.Verdict != Confident && r.Verdict != Unsure {
				s.refused++
				t[0]++
			}
		} else {
			s.entries++
			if right {
				s.top1++
			}
			for _, h := range r.Hits {
				if slices.Contains(ok, h.ID) {
					s.top3++
					break
				}
			}
			if r.Verdict == Confident && right {
				s.confidentRight++
				t[0]++
			}
		}
		if r.Verdict == Confident && !right {
			s.confWrong++
		}
		if it.Lang == "en" {
			s.english++
			if r.Lang == "en" || r.LangRequest == "en" {
				s.englishRight++
			}
		} else if r.Lang == "en" {
			s.notEnglishWrong++
		}
		s.byTag[it.Tag] = t
		if !(r.Verdict == Confident && right) && !(it.ID == "none" && r.Verdict != Confident && r.Verdict != Unsure) {
			var hits string
			for _, h := range r.Hits {
				hits += fmt.Sprintf(" %s:%.2f", h.ID, h.Score)
			}
			if len(r.Situations) > 0 {
				hits += fmt.Sprintf(" %v", r.Situations)
			}
			prev := ""
			if it.PrevID != "" {
				prev = " after " + it.PrevID
			}
			s.misses = append(s.misses, fmt.Sprintf("%-9s want %-20s got %-12s%s  %q%s", it.Tag, it.ID, r.Verdict, hits, it.Q, prev))
		}
	}
	sort.Strings(s.misses)
	return s
}

func (s realScores) logTags(t *testing.T) {
	tags := make([]string, 0, len(s.byTag))
	for tag := range s.byTag {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	for _, tag := range tags {
		c := s.byTag[tag]
		t.Logf("  %-10s %5.1f%% right (%d/%d)", tag, s.pct(c[0], c[1]), c[0], c[1])
	}
	t.Logf("  language: English recognised %d/%d, Vietnamese taken for English %d", s.englishRight, s.english, s.notEnglishWrong)
}

// TestEvalRealistic prints both halves' figures, and the validation set's
// when it is present; the test half's are the ones reported (CI prints them
// beside the old evaluation). Only the tuning half's misses are ever printed.
func TestEvalRealistic(t *testing.T) {
	ix := New(mustLoad(t))
	tuneItems := loadReal(t, "realistic_tune.yaml")
	checkRealIDs(t, ix, "realistic_tune.yaml", tuneItems)
	tune := evaluateReal(ix, tuneItems)
	if *showMisses {
		for _, m := range tune.misses {
			t.Log(m)
		}
	}
	fmt.Println(tune.line("tuning half"))
	tune.logTags(t)
	for _, set := range []struct{ file, label string }{
		{"realistic_tune2.yaml", "second tuning set"},
		{"realistic_tune3.yaml", "third tuning set"},
		{"realistic_tune4.yaml", "fourth tuning set"},
		{"realistic_tune5.yaml", "fifth tuning set"},
		{"realistic_fresh_tune.yaml", "fresh questions, tuning halves"},
		{"realistic_fresh2_tune.yaml", "fresh questions 2, tuning half"},
		{"realistic_fresh3_tune.yaml", "fresh questions 3, tuning half"},
	} {
		items := loadReal(t, set.file)
		checkRealIDs(t, ix, set.file, items)
		fmt.Println(evaluateReal(ix, items).line(set.label))
	}
	testItems := loadReal(t, "realistic_test.yaml")
	checkRealIDs(t, ix, "realistic_test.yaml", testItems)
	test := evaluateReal(ix, testItems)
	fmt.Println(test.line("test half"))
	test.logTags(t)
	freshItems := loadReal(t, "realistic_fresh_test.yaml")
	checkRealIDs(t, ix, "realistic_fresh_test.yaml", freshItems)
	fmt.Println(evaluateReal(ix, freshItems).line("fresh questions, held apart"))
	fresh2Items := loadReal(t, "realistic_fresh2_test.yaml")
	checkRealIDs(t, ix, "realistic_fresh2_test.yaml", fresh2Items)
	fmt.Println(evaluateReal(ix, fresh2Items).line("fresh questions 2, held apart"))
	fresh3Items := loadReal(t, "realistic_fresh3_test.yaml")
	checkRealIDs(t, ix, "realistic_fresh3_test.yaml", fresh3Items)
	fmt.Println(evaluateReal(ix, fresh3Items).line("fresh questions 3, held apart"))
	if _, err := os.Stat("testdata/realistic_val.yaml"); err == nil {
		valItems := loadReal(t, "realistic_val.yaml")
		checkRealIDs(t, ix, "realistic_val.yaml", valItems)
		val := evaluateReal(ix, valItems)
		fmt.Println(val.line("validation"))
		val.logTags(t)
	}
}
