package faq

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Long messages tell a story before they ask: "Hôm qua công an xã gọi
// điện… Cho tôi hỏi có phải lừa đảo không?". The story's words drown the
// question's, so in a message of several sentences the sentences that ask
// (a question mark, or a question word) weigh fully and the rest weigh
// less. Situations in the story still count through their cues.

// questionWords mark a sentence that asks, in folded form, anywhere in it;
// finalWords mark it only at its end ("… được không", "… chưa"), since
// "không" and "chưa" also just negate. They describe Vietnamese and English
// grammar, not the content, so they live here.
var (
	questionWords = wordSet("sao", "gi", "j", "nao", "dau", "ntn", "bao gio", "bao lau", "bao nhieu", "co phai",
		"lam sao", "the nao", "ra sao", "xin hoi", "cho hoi", "muon hoi", "hoi xem", "how", "what", "why", "where",
		"when", "which", "can i", "do i", "is it", "should i")
	finalWords = wordSet("khong", "ko", "k", "kg", "chua", "ha", "hong", "hok", "hem", "khum")
	particles  = wordSet("a", "vay", "z", "v", "nhi", "nhe", "nha", "ad", "oi", "ban", "em", "anh", "chi", "con", "chau")
)

func wordSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// sentence is one sentence of a message and whether it asks.
type sentence struct {
	text string
	asks bool
	mark bool // it ends with a question mark
}

// splitSentences cuts text at sentence ends, keeping whether each ends with
// a question mark or holds a question word.
func splitSentences(text string) []sentence {
	var out []sentence
	start := 0
	flush := func(end int, mark bool) {
		s := text[start:end]
		if strings.TrimSpace(s) != "" {
			out = append(out, sentence{text: s, asks: mark || Asks(s), mark: mark})
		}
	}
	for i, r := range text {
		switch r {
		case '?', '？':
			flush(i, true)
			start = i + len(string(r))
		case '.', '!', ';', '\n', '…', '！', '。':
			if r == '.' && initial(text[:i]) {
				continue // "Nguyễn Văn H. (Nghệ An) hỏi": a name, not a sentence end
			}
			flush(i, false)
			start = i + len(string(r))
		}
	}
	flush(len(text), false)
	return out
}

// initial reports whether text ends with a lone capital letter, as a name's
// initial before its dot does.
func initial(text string) bool {
	r, n := utf8.DecodeLastRuneInString(text)
	if n == 0 || !unicode.IsUpper(r) {
		return false
	}
	before, _ := utf8.DecodeLastRuneInString(text[:len(text)-n])
	return len(text) == n || unicode.IsSpace(before)
}

// Asks reports whether s asks by its own words: a question word anywhere
// ("ở đâu", "how"), or one that only asks at the end ("… không", "… chưa
// ạ"). "Tôi dùng Samsung" tells; "quét chip không được" asks.
func Asks(s string) bool { return asks(vntext.Words(s)) }

// asks reports whether folded words ask: a question word anywhere, or one
// that only asks at the end.
func asks(words []string) bool {
	for i, w := range words {
		if questionWords[w] || i+1 < len(words) && questionWords[w+" "+words[i+1]] {
			return true
		}
	}
	// the last word, past politeness ("… không ạ", "… chưa vậy")
	i := len(words) - 1
	for i > 0 && particles[words[i]] {
		i--
	}
	if i >= 0 && finalWords[words[i]] {
		return true
	}
	return false
}

// focus splits a message of several sentences into what it asks and what
// it tells; story is "" when the whole message asks (or is one sentence).
func focus(text string) (ask, story string) {
	ss := splitSentences(text)
	if len(ss) < 2 {
		return text, ""
	}
	var a, t []string
	for _, s := range ss {
		if s.asks {
			a = append(a, s.text)
		} else {
			t = append(t, s.text)
		}
	}
	if len(a) == 0 { // nothing asks outright: the last sentence is the question
		a, t = t[len(t)-1:], t[:len(t)-1]
	}
	if len(t) == 0 {
		return text, ""
	}
	return strings.Join(a, ". "), strings.Join(t, ". ")
}

// reading is a message as read: whole, and, when it tells a story before
// it asks, its asking and telling parts (story is nil when all of it asks,
// and ask is then the whole).
type reading struct {
	text              string
	words, ask, story []int32
}

// readParts splits a message read as words into what it asks and what it
// tells (focus), once for every use.
func (ix *Index) readParts(sc *scratch, text string, words []int32) reading {
	ask, story := focus(text)
	if story == "" {
		return reading{text: text, words: words, ask: words}
	}
	return reading{text: text, words: words, ask: ix.read(sc, ask), story: ix.read(sc, story)}
}

// focusedQuery is the query of a message with its story weighing less:
// the asking part's terms at full weight, the story's at p.story.
func (ix *Index) focusedQuery(sc *scratch, m reading) query {
	if m.story == nil || ix.p.story >= 1 {
		return ix.query(sc, m.words)
	}
	qa := ix.query(sc, m.ask)
	qs := ix.query(sc, m.story)
	if qa.total-qa.unknown < ix.p.clause*ix.maxIDF {
		// What asks says too little to lean on ("ôi trời sao mà xui thế"):
		// the message is about what it tells.
		return ix.query(sc, m.words)
	}
	out := query{total: qa.total + ix.p.story*qs.total, unknown: qa.unknown + ix.p.story*qs.unknown}
	i, j := 0, 0
	for i < len(qa.terms) || j < len(qs.terms) {
		switch {
		case j == len(qs.terms) || i < len(qa.terms) && qa.terms[i].id < qs.terms[j].id:
			out.terms = append(out.terms, qa.terms[i])
			i++
		case i == len(qa.terms) || qs.terms[j].id < qa.terms[i].id:
			t := qs.terms[j]
			t.w *= ix.p.story
			t.c *= ix.p.story
			out.terms = append(out.terms, t)
			j++
		default: // in both: it counts once, at full weight
			out.terms = append(out.terms, qa.terms[i])
			out.total -= ix.p.story * qs.terms[j].w
			i++
			j++
		}
	}
	return out
}
