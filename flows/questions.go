package flows

import (
	"regexp"
	"slices"
	"strings"

	"github.com/vneid-guide/vneidbot/internal/faq"
)

// clauseSplit parts a message into the questions it may ask one after
// another: "cài ở đâu, mất tiền ko, bao lâu thì có", "How do I register
// level 2 and is it free?", and numbered ones: "hỏi 3 việc: 1) quên
// passcode 2) thêm thẻ BHYT 3) có mất tiền không".
var clauseSplit = regexp.MustCompile(`(?i)[,;?!\n]+|\.\s+|:\s+|\s+\(?[1-9]\)\s*|\s+(?:với lại|voi lai|và|va|and|also|còn nữa|con nua)\s+`)

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
		if t.b.faq.FollowupOnly(withoutSelfWords(p)) {
			// "z h sao, đổi sđt được không", "giờ bà làm sao nhen": "what
			// now" is no question of its own, whoever says it
			continue
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
	t.s.Said += alsoMark + hits[0].ID
}

// alsoMark joins, in Session.Said, the entry answered to the other question
// of the same message offered after it, so that "còn câu kia" next turn
// opens it.
const alsoMark = "|also:"

// otherQuestionWords are the citizen's names for their own other question
// ("việc thứ 2", "còn câu kia thì sao", "the other one"), folded, once the
// words around them (otherQuestionEdges) are taken off. "cái thứ 2" is not
// one: it names the second button.
var otherQuestionWords = map[string]bool{}

func init() {
	for _, noun := range []string{"viec", "cau", "cau hoi", "y", "van de", "chuyen"} {
		for _, which := range []string{"kia", "con lai", "thu 2", "thu hai", "2", "sau", "tiep theo", "nua"} {
			otherQuestionWords[noun+" "+which] = true
		}
	}
	for _, s := range []string{"cai kia", "cai con lai", "other one", "other question", "second question", "other"} {
		otherQuestionWords[s] = true
	}
}

// otherQuestionEdges may come before or after those words.
var otherQuestionEdges = map[string]bool{"con": true, "vay": true, "the": true, "and": true, "what": true, "about": true,
	"thi": true, "sao": true, "nao": true, "di": true, "nha": true, "nhe": true, "a": true, "ak": true, "ah": true, "ne": true,
	"luon": true, "xem": true, "giup": true, "voi": true, "please": true, "toi": true, "em": true, "minh": true}

// asksOtherQuestion reports whether folded names the citizen's other
// question, offered after the answer to the first.
func asksOtherQuestion(folded string) bool {
	words := strings.Fields(folded)
	for len(words) > 0 && otherQuestionEdges[words[0]] {
		words = words[1:]
	}
	for len(words) > 0 && otherQuestionEdges[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return len(words) > 0 && len(words) <= 4 && otherQuestionWords[strings.Join(words, " ")]
}
