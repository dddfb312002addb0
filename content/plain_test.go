package content_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/content"
)

// longAnswers names the FAQ entries whose first message may exceed
// content.MaxAnswer characters, each with the reason. Keep it empty: what
// does not fit goes to "more", to a flow, or to a second entry.
var longAnswers = map[string]string{}

// TestEmbeddedAnswersArePlain holds the plain-words rules of issue 15 for the
// built-in FAQ: a short first message, a "next" that says something new, and
// sources that resolve.
func TestEmbeddedAnswersArePlain(t *testing.T) {
	c, problems := content.Load(content.Embedded, content.Options{})
	if c == nil {
		t.Fatal(problems.Err())
	}
	def := c.DefaultLocale()
	for _, e := range c.FAQ {
		if n := utf8.RuneCountInString(e.Answer[def]); n > content.MaxAnswer {
			if why, ok := longAnswers[e.ID]; !ok || why == "" {
				t.Errorf("faq %s: answer is %d characters, over %d (move the rest to more, or name the exception in longAnswers)", e.ID, n, content.MaxAnswer)
			}
		}
		if e.Next == nil {
			t.Errorf("faq %s: no next (the next action for a follow-up)", e.ID)
		} else if first := firstSentence(e.Answer[def]); first != "" && strings.Contains(e.Next[def], first) {
			t.Errorf("faq %s: next repeats the answer's first sentence %q", e.ID, first)
		}
		if len(c.SourcesOf(e)) == 0 && !strings.Contains(e.Source, "general") {
			t.Errorf("faq %s: source note %q cites no source of sources.yaml", e.ID, e.Source)
		}
	}
	for _, f := range c.Flows {
		if len(c.FlowSources(f)) == 0 {
			t.Errorf("flow %s cites no source of sources.yaml", f.ID)
		}
	}
	for id := range longAnswers {
		if c.Entry(id) == nil {
			t.Errorf("longAnswers names %q, which is not an entry", id)
		}
	}
}

// TestMissingTopicsAreCovered: the topics issue 15 found missing exist under
// the ids the evaluation set uses, with enough ways of asking in each language.
func TestMissingTopicsAreCovered(t *testing.T) {
	c, problems := content.Load(content.Embedded, content.Options{})
	if c == nil {
		t.Fatal(problems.Err())
	}
	for _, id := range []string{"lost_id_card", "gplx_suspended", "check_level2", "card_waiting", "delete_account",
		"card_exchange_merger", "dvc_submit", "de_an_06", "chip_signature", "eligibility"} {
		e := c.Entry(id)
		if e == nil {
			t.Errorf("faq %s is missing", id)
			continue
		}
		if vi, en := len(e.Questions["vi"]), len(e.Questions["en"]); vi < 7 || en < 5 {
			t.Errorf("faq %s: %d vi and %d en questions, want 7 or more vi and 5 or more en", id, vi, en)
		}
		if len(e.Related) == 0 || len(e.Keywords) == 0 || e.Checked == "" {
			t.Errorf("faq %s: related, keywords and checked are all needed", id)
		}
	}
}

// TestEveryCitedSourceIsListed: sources.yaml lists S1…S78, the ids the
// research fact base uses, and nothing cites an id that is not there.
func TestEveryCitedSourceIsListed(t *testing.T) {
	c, problems := content.Load(content.Embedded, content.Options{})
	if c == nil {
		t.Fatal(problems.Err())
	}
	if len(c.Sources) != 78 || c.Source("S1") == nil || c.Source("S78") == nil {
		t.Fatalf("sources.yaml lists %d sources, want S1…S78", len(c.Sources))
	}
	notes := []string{}
	for _, e := range c.FAQ {
		notes = append(notes, e.Source)
	}
	for _, f := range c.Flows {
		notes = append(notes, f.Source)
		for _, s := range f.Steps {
			notes = append(notes, s.Source)
		}
	}
	for _, n := range notes {
		for _, id := range content.CitedIDs(n) {
			if c.Source(id) == nil {
				t.Errorf("%q cites %s, which sources.yaml does not list", n, id)
			}
		}
	}
}

// firstSentence returns the answer's first sentence (up to ". ", ":" or the
// end of the first line), or "" when it is too short to mean anything alone.
func firstSentence(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if i := strings.Index(line, ". "); i > 0 {
		line = line[:i]
	}
	line = strings.TrimSpace(strings.TrimRight(line, ".:"))
	if utf8.RuneCountInString(line) < 20 {
		return ""
	}
	return line
}
