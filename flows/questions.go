package flows

import (
	"regexp"
	"slices"
	"strings"

	"github.com/vneid-guide/vneidbot/internal/faq"
)

// clauseSplit parts a message into the questions it may ask one after
// another: "cài ở đâu, mất tiền ko, bao lâu thì có", "How do I register
// level 2 and is it free?".
var clauseSplit = regexp.MustCompile(`(?i)[,;?!\n]+|\.\s+|\s+(?:với lại|voi lai|và|va|and|also|còn nữa|con nua)\s+`)

// maxClauses is how many parts of one message are searched on their own.
const maxClauses = 4

// questionsIn reads a message of several parts as several questions. It
// returns, in the message's order, the entries the parts ask outright
// (each once) and, after them, the best guesses of the parts it is unsure
// of; ok when there are at least two, one of them asked outright. Parts of
// one word, and parts that ask nothing by their words, are left out.
func (t *turn) questionsIn(raw string) (sure, guesses []faq.Hit, ok bool) {
	parts := clauseSplit.Split(raw, -1)
	if len(parts) < 2 {
		return nil, nil, false
	}
	seen := map[string]bool{}
	n := 0
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if len(strings.Fields(p)) < 2 || !faq.Asks(p) {
			continue // "Tôi dùng Samsung," tells what the question is about
		}
		if t.b.faq.FollowupOnly(p) {
			continue // "z h sao, đổi sđt được không": "what now" is no question of its own
		}
		if n++; n > maxClauses {
			break
		}
		r := t.b.found.search(t.b.faq, p, t.locale(), faq.Context{Situations: t.s.Sit})
		if len(r.Hits) == 0 || seen[r.Hits[0].ID] {
			continue
		}
		switch r.Verdict {
		case faq.Confident:
			seen[r.Hits[0].ID] = true
			sure = append(sure, r.Hits[0])
		case faq.Unsure:
			seen[r.Hits[0].ID] = true
			guesses = append(guesses, r.Hits[0])
		}
	}
	guesses = slices.DeleteFunc(guesses, func(h faq.Hit) bool {
		return slices.ContainsFunc(sure, func(s faq.Hit) bool { return s.ID == h.ID })
	})
	return sure, guesses, len(sure) > 0 && len(sure)+len(guesses) >= 2
}

// alsoAsked offers the other questions of a message after the answer to
// one of them, at most two.
func (t *turn) alsoAsked(hits []faq.Hit) {
	if len(hits) == 0 {
		return
	}
	t.say(Reply{Text: t.msg("faq_also_asked"), Buttons: t.hitRows(hits[:min(len(hits), 2)])})
}
