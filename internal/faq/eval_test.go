package faq

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// evalItem is one labelled question of testdata/eval.yaml.
type evalItem struct {
	Q    string   `yaml:"q"`
	ID   string   `yaml:"id"`   // expected entry, or "none"
	Also []string `yaml:"also"` // other right answers for a two-question message
	Tag  string   `yaml:"tag"`
}

// Thresholds the evaluation must meet (issue 5).
const (
	minTop1          = 0.90
	minTop3          = 0.97
	minNonePrecision = 0.90
)

func loadEval(tb testing.TB) []evalItem {
	tb.Helper()
	b, err := os.ReadFile("testdata/eval.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var items []evalItem
	if err := yaml.Unmarshal(b, &items); err != nil {
		tb.Fatalf("testdata/eval.yaml: %v", err)
	}
	return items
}

// What the bot does with a question, as the user sees it: it answers one
// entry (Confident), offers its hits as "did you mean" (Unsure), or gives
// no FAQ entry (NoMatch, OutOfScope, Greeting, Thanks: a fallback, a polite
// refusal or a short human reply).
//
// The figures:
//   - top1: for a question with an entry, the first entry the bot gives
//     (answered or first suggestion) is right; for a "none" question, the
//     bot gives no entry.
//   - top3: the right entry is among the hits shown (answered, suggested, or
//     listed under the fallback); for a "none" question, as top1.
//   - none precision: of the questions the bot gives no entry for, the
//     share that are labelled none.
//   - answer precision and answered: of the Confident answers, the share
//     that are right; and the share of entry questions answered outright.
//
// Since issue 11 the fallback (NoMatch) also shows its hits as buttons, so
// a NoMatch with hits offers entries too.
func offers(r Result) bool {
	return r.Verdict == Confident || r.Verdict == Unsure || r.Verdict == NoMatch && len(r.Hits) > 0
}

func givesNone(r Result) bool { return !offers(r) }

// evalScores are the figures of one run over the evaluation set.
type evalScores struct {
	n, top1, top3        int
	predictedNone, right int // questions given no entry, and how many of those are labelled none
	answered, answerOK   int // Confident answers, and how many are right
	entryQuestions       int
	byTag                map[string][2]int
	failures             []string
}

func (s evalScores) pct(a int) float64 { return 100 * float64(a) / float64(s.n) }

func (s evalScores) nonePrecision() float64 {
	if s.predictedNone == 0 {
		return 1
	}
	return float64(s.right) / float64(s.predictedNone)
}

func (s evalScores) answerPrecision() float64 {
	if s.answered == 0 {
		return 1
	}
	return float64(s.answerOK) / float64(s.answered)
}

func evaluate(ix *Index, items []evalItem) evalScores {
	s := evalScores{byTag: map[string][2]int{}}
	for _, it := range items {
		r := ix.Search(it.Q, "vi")
		ok := append([]string{it.ID}, it.Also...)
		s.n++
		var top1, top3 bool
		if it.ID == "none" {
			top1, top3 = givesNone(r), givesNone(r)
		} else {
			s.entryQuestions++
			top1 = offers(r) && slices.Contains(ok, r.Hits[0].ID)
			for _, h := range r.Hits {
				top3 = top3 || slices.Contains(ok, h.ID)
			}
		}
		if givesNone(r) {
			s.predictedNone++
			if it.ID == "none" {
				s.right++
			}
		}
		if r.Verdict == Confident {
			s.answered++
			if slices.Contains(ok, r.Hits[0].ID) {
				s.answerOK++
			}
		}
		t := s.byTag[it.Tag]
		t[1]++
		if top1 {
			s.top1++
			t[0]++
		}
		if top3 {
			s.top3++
		}
		s.byTag[it.Tag] = t
		if !top1 || r.Verdict != Confident && it.ID != "none" {
			var hits string
			for _, h := range r.Hits {
				hits += fmt.Sprintf(" %s:%.2f", h.ID, h.Score)
			}
			mark := "MISS"
			if top1 {
				mark = "ok  "
			}
			s.failures = append(s.failures, fmt.Sprintf("%s want %-20s got %-12s %q ->%s",
				mark, it.ID, r.Verdict, it.Q, hits))
		}
	}
	sort.Strings(s.failures)
	return s
}

// TestEval measures retrieval on the evaluation set and fails below the
// thresholds of issue 5. The figures go to docs/benchmarks.md.
func TestEval(t *testing.T) {
	cat := mustLoad(t)
	items := loadEval(t)
	s := evaluate(New(cat), items)
	for _, f := range s.failures {
		t.Log(f)
	}
	tags := make([]string, 0, len(s.byTag))
	for tag := range s.byTag {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	for _, tag := range tags {
		c := s.byTag[tag]
		t.Logf("top1 %-7s %5.1f%% (%d/%d)", tag, 100*float64(c[0])/float64(c[1]), c[0], c[1])
	}
	line := fmt.Sprintf("faq eval: top1=%.1f%% top3=%.1f%% none_precision=%.1f%% (n=%d)",
		s.pct(s.top1), s.pct(s.top3), 100*s.nonePrecision(), s.n)
	t.Log(line)
	t.Logf("answered %d of %d entry questions (%.1f%%), %.1f%% of answers right",
		s.answered, s.entryQuestions, 100*float64(s.answered)/float64(s.entryQuestions), 100*s.answerPrecision())
	fmt.Println(line)
	if float64(s.top1) < minTop1*float64(s.n) || float64(s.top3) < minTop3*float64(s.n) || s.nonePrecision() < minNonePrecision {
		t.Errorf("below target: top1 >= %.0f%%, top3 >= %.0f%%, none precision >= %.0f%%",
			100*minTop1, 100*minTop3, 100*minNonePrecision)
	}
}

// TestEvalSet checks the evaluation set itself: labels are real entries,
// every entry is asked about, and no question is a copy of an entry's own
// variant, title or keyword (after folding).
func TestEvalSet(t *testing.T) {
	cat := mustLoad(t)
	items := loadEval(t)
	if len(items) < 300 {
		t.Errorf("evaluation set has %d questions, want at least 300", len(items))
	}
	own := map[string]string{}
	for _, e := range cat.FAQ {
		texts := append([]string{}, e.Keywords...)
		for _, s := range e.Title {
			texts = append(texts, s)
		}
		for _, qs := range e.Questions {
			texts = append(texts, qs...)
		}
		for _, s := range texts {
			own[vntext.Fold(s)] = e.ID
		}
	}
	asked := map[string]int{}
	seen := map[string]bool{}
	for _, it := range items {
		for _, id := range append([]string{it.ID}, it.Also...) {
			if id != "none" && cat.Entry(id) == nil {
				t.Errorf("%q: unknown entry %q", it.Q, id)
			}
		}
		asked[it.ID]++
		f := vntext.Fold(it.Q)
		if id, ok := own[f]; ok && f != "" {
			t.Errorf("%q copies a variant of %s; phrase it freshly", it.Q, id)
		}
		if seen[f] {
			t.Errorf("%q is in the set twice", it.Q)
		}
		seen[f] = true
	}
	// Stricter: not even the same words once abbreviations, synonyms and
	// stopwords are applied ("cài vneid có bị lộ thông tin không" is "cai
	// vneid co bi lo thong tin ko" with accents). The issue's own example
	// is kept as it is written there.
	ix := New(cat)
	normal := func(s string) string {
		ids, _ := ix.lex.tokens(nil, nil, s)
		var w []string
		for _, id := range ix.an.content(nil, ix.an.rewrite(nil, ids)) {
			w = append(w, ix.lex.words[id])
		}
		return strings.Join(w, " ")
	}
	variants := map[string]string{}
	for _, e := range cat.FAQ {
		eachFieldText(e, func(s string) { variants[normal(s)] = e.ID + ": " + s })
	}
	for _, it := range items {
		if where, ok := variants[normal(it.Q)]; ok && it.Q != "ko nhan dc ma otp" && normal(it.Q) != "" {
			t.Errorf("%q says what %q says in other spelling; phrase it freshly", it.Q, where)
		}
	}
	for _, e := range cat.FAQ {
		if asked[e.ID] < 3 {
			t.Errorf("entry %s has %d questions in the evaluation set, want at least 3", e.ID, asked[e.ID])
		}
	}
	if asked["none"] < 30 {
		t.Errorf("%d questions are labelled none, want at least 30", asked["none"])
	}
}

// TestIssueExamples pins the examples of issue 5 on the real content.
func TestIssueExamples(t *testing.T) {
	ix := New(mustLoad(t))
	if r := ix.Search("ko nhan dc ma otp", "vi"); r.Verdict != Confident || r.Hits[0].ID != "otp_not_received" {
		t.Errorf("ko nhan dc ma otp: %s %v, want confident otp_not_received", r.Verdict, r.Hits)
	}
	if r := ix.Search("gia vang hom nay bao nhieu", "vi"); r.Verdict != OutOfScope {
		t.Errorf("gia vang hom nay bao nhieu: %s %v, want out_of_scope", r.Verdict, r.Hits)
	}
	for _, q := range []string{"alo", "cam on ban"} {
		if r := ix.Search(q, "vi"); r.Verdict != Greeting && r.Verdict != Thanks {
			t.Errorf("%s: %s, want a short human reply", q, r.Verdict)
		}
	}
}
