package faq

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Context is what the conversation already knows when a message arrives:
// the topic answered last and the situations the citizen described. It
// lets "vậy giờ làm sao" resolve against the last topic, and "đăng nhập
// máy mới" pick the answer for someone whose old phone is gone.
type Context struct {
	Last       string   // the FAQ entry answered last, "" when none
	Situations []string // situation ids described earlier in the conversation
}

// conversation is what the index reads from the vocabulary to use a
// Context: follow-up phrases, situation cues and language cues.
type conversation struct {
	followups  phrases
	situations []situation
	negations  phrases
	langs      []language
	ageWords   phrases // words after a number that make it an age
	ageBounds  phrases // words before it that make it a bound ("dưới 14 tuổi")
}

type situation struct {
	id       string
	cues     phrases
	together [][]phrases // rules: groups of words found in order, close together
	prefer   map[string]string
	ages     []int // [from, to]: the ages that tell it, nil when none do
}

type language struct {
	locale   string
	requests phrases
	cues     map[string]bool // folded words typical of the language
	words    map[string]bool // folded words of the content written in it
}

func newConversation(ix *Index, v content.Vocab) conversation {
	var cv conversation
	// The follow-up phrases and situation cues are read after the index is
	// built (readPhrases); here their words only get ids before the seal.
	for _, f := range v.Followups {
		ix.lex.phraseIDs(f)
	}
	for _, s := range v.Situations {
		for _, c := range s.Cues {
			ix.lex.phraseIDs(c)
		}
		for _, rule := range s.Together {
			for _, g := range rule {
				for _, w := range g {
					ix.lex.phraseIDs(w)
				}
			}
		}
		cv.situations = append(cv.situations, situation{id: s.ID, cues: phrases{}, prefer: s.Prefer, ages: s.Ages})
	}
	cv.negations = newPhrases(ix.lex, ix.an, v.Negations)
	cv.ageWords = newPhrases(ix.lex, ix.an, v.AgeWords)
	cv.ageBounds = newPhrases(ix.lex, ix.an, v.AgeBounds)
	for _, l := range v.Languages {
		lg := language{locale: l.Locale, requests: newPhrases(ix.lex, ix.an, l.Requests), cues: map[string]bool{}, words: map[string]bool{}}
		for _, c := range l.Cues {
			for _, w := range vntext.Words(c) {
				lg.cues[w] = true
			}
		}
		cv.langs = append(cv.langs, lg)
	}
	return cv
}

// readPhrases reads each follow-up phrase and situation cue as a message
// holding it is read, whole and without its stopwords ("máy cũ thì hư"
// tells "máy cũ hư"). A message's vocabulary phrases broken by filler words
// are gathered ("không đi được" reads "không được đi"), which only the
// built index can tell, so this runs after the build.
func (cv *conversation) readPhrases(ix *Index, v content.Vocab) {
	read := func(s string) (whole, content []int32) {
		w := ix.an.rewriteGaps(nil, ix.lex.phraseIDs(s), ix.filler)
		return w, ix.an.content(nil, w)
	}
	cv.followups = phrases{}
	for _, f := range v.Followups {
		w, c := read(f)
		cv.followups.add(w)
		if len(c) > 1 { // not one word: "làm rồi" without "rồi" is any "làm"
			cv.followups.add(c)
		}
	}
	for i, s := range v.Situations {
		for _, cue := range s.Cues {
			w, c := read(cue)
			cv.situations[i].cues.add(w)
			// Only stopwords inside the cue may go: "có tin nhắn rồi"
			// without "có" and "rồi" is any "tin nhắn", even "chưa có
			// tin nhắn gì"; and never a negation: "đi không nổi"
			// without "không" is "đi nổi".
			if len(c) > 1 && c[0] == w[0] && c[len(c)-1] == w[len(w)-1] && !cv.negations.in(w) {
				cv.situations[i].cues.add(c)
			}
		}
		for _, rule := range s.Together {
			groups := make([]phrases, len(rule))
			for j, g := range rule {
				groups[j] = phrases{}
				for _, word := range g {
					w, _ := read(word)
					groups[j].add(w)
				}
			}
			cv.situations[i].together = append(cv.situations[i].together, groups)
		}
	}
}

// learnWords records which words the content writes in each locale, so that
// language detection knows "otp" and "vneid" belong to both: the words of
// its titles in that locale, which the build's parts gathered as they read
// them (titles only: the variants of 10,000 entries would cost the build
// more than they teach), and for the default locale the abbreviations.
func (cv *conversation) learnWords(c *content.Catalog, parts []*part) {
	for i := range cv.langs {
		lg := &cv.langs[i]
		for _, pt := range parts {
			for id, in := range pt.titled[i] {
				if in {
					lg.words[pt.lex.words[id]] = true
				}
			}
		}
		if lg.locale == c.DefaultLocale() {
			for k := range c.Vocab.Abbreviations {
				for _, w := range vntext.Words(k) {
					lg.words[w] = true
				}
			}
		}
	}
}

// situationsIn returns the ids of the situations whose cues the message's
// words hold, as written or without their stopwords (content, whose words
// are at positions at of words), and that no negation denies.
func (cv *conversation) situationsIn(words, content []int32, at []int) []string {
	var out []string
	for _, s := range cv.situations {
		if cv.told(s.cues, words, content, at) || slices.ContainsFunc(s.together, func(rule []phrases) bool { return cv.togetherIn(rule, words) }) {
			out = append(out, s.id)
		}
	}
	return out
}

// byAge adds to sits the situations that the ages tell, each once.
func (cv *conversation) byAge(sits []string, ages []int) []string {
	for _, s := range cv.situations {
		if len(s.ages) != 2 || slices.Contains(sits, s.id) {
			continue
		}
		for _, a := range ages {
			if s.ages[0] <= a && a <= s.ages[1] {
				sits = append(sits, s.id)
				break
			}
		}
	}
	return sits
}

// told reports whether a cue occurs in whole or in content, not denied:
// no negation just before it ("chưa có tin nhắn phê duyệt") and, for a cue
// read without stopwords, none inside the stretch it spans ("máy cũ không
// bị mất" is no "máy cũ mất").
func (cv *conversation) told(cues phrases, whole, content []int32, at []int) bool {
	for i := range whole {
		if cues.at(whole[i:]) > 0 && !cv.deniedBefore(whole[:i]) {
			return true
		}
	}
	for i := range content {
		n := cues.at(content[i:])
		if n == 0 {
			continue
		}
		from, to := at[i], at[i+n-1]+1
		if !cv.deniedBefore(whole[:from]) && !cv.negations.in(whole[from:to]) {
			return true
		}
	}
	return false
}

// togetherIn reports whether words hold a word of each group of rule, in
// order, within content.TogetherSpan words, with no negation before or
// among them.
func (cv *conversation) togetherIn(rule []phrases, words []int32) bool {
	for i := range words {
		n := rule[0].at(words[i:])
		if n == 0 || cv.deniedBefore(words[:i]) {
			continue
		}
		end, ok := i+n, true
		for _, g := range rule[1:] {
			found := false
			for j := end; j < min(len(words), i+content.TogetherSpan); j++ {
				if m := g.at(words[j:]); m > 0 {
					end, found = j+m, true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok && !cv.negations.in(words[i:end]) {
			return true
		}
	}
	return false
}

// deniedBefore reports whether words end with a negation.
func (cv *conversation) deniedBefore(words []int32) bool { return endsWith(cv.negations, words) }

// endsWith reports whether words end with one of the phrases.
func endsWith(p phrases, words []int32) bool {
	for _, list := range p {
		for _, ph := range list {
			if len(ph) <= len(words) && equal(words[len(words)-len(ph):], ph) {
				return true
			}
		}
	}
	return false
}

// prefer returns the entry that answers id in any of the situations, or id.
func (cv *conversation) prefer(id string, sits []string) (string, string) {
	for _, s := range cv.situations {
		if !slices.Contains(sits, s.id) {
			continue
		}
		if to, ok := s.prefer[id]; ok {
			return to, s.id
		}
	}
	return id, ""
}

// written returns the situation among sits that entry id is written for
// (the entry some situation prefers), or "".
func (cv *conversation) written(id string, sits []string) string {
	for _, s := range cv.situations {
		if !slices.Contains(sits, s.id) {
			continue
		}
		for _, to := range s.prefer {
			if to == id {
				return s.id
			}
		}
	}
	return ""
}

// requested returns the locale a message asks for ("english please"), or "".
// The request must be at least a third of the message: "is there an
// English version of the app?" and "the app is all in vietnamese, can I
// change it?" ask about the app, and switching the chat would drop the
// question. A message written in a language switches to it anyway.
//
// A request denied just before it, in a message written in another
// language, asks for nothing: "tôi không biết tiếng anh" is no request
// for English (while "i dont understand, english please" is one).
func (cv *conversation) requested(words []int32, written string) string {
	for _, l := range cv.langs {
		rest, found := l.requests.strip(words)
		if !found || 3*(len(words)-len(rest)) < len(words) {
			continue
		}
		if written != l.locale && cv.deniedRequest(l.requests, words) {
			continue
		}
		return l.locale
	}
	return ""
}

// deniedRequest reports whether a negation stands within the two words
// before a request ("không biết tiếng anh", "ko rành tiếng anh").
func (cv *conversation) deniedRequest(requests phrases, words []int32) bool {
	for i := range words {
		if requests.at(words[i:]) > 0 && cv.negations.in(words[max(0, i-2):i]) {
			return true
		}
	}
	return false
}

// placeNames counts the words of text, folded, that look like the name of a
// place or a person written without marks: a Vietnamese syllable with a
// capital, not first in its sentence ("where can I buy a SIM card in Da
// Nang?").
func placeNames(text string) map[string]int {
	var names map[string]int
	first := true
	for _, tok := range strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '"' || r == '(' || r == ')' }) {
		word := strings.TrimRight(tok, ".?!:;")
		r, n := utf8.DecodeRuneInString(word)
		if !first && len(word) > 1 && unicode.IsUpper(r) && word[n:] == strings.ToLower(word[n:]) && vntext.IsSyllable(vntext.Fold(word)) {
			if names == nil {
				names = map[string]int{}
			}
			names[vntext.Fold(word)]++
		}
		first = word != tok // a sentence ends with the token
	}
	return names
}

// language tells the locale text is written in, or "" when the message is
// too short or mixed to say. Vietnamese marks settle it; otherwise each
// word counts for the language whose cues or content use it and the other
// does not, and a word that is no Vietnamese syllable counts against
// Vietnamese ("how", "phone").
func (cv *conversation) language(text string, defaultLocale string) string {
	if vntext.HasVietnameseMarks(text) {
		return defaultLocale
	}
	votes := map[string]float64{}
	words := vntext.Words(text)
	names := placeNames(text)
	for _, w := range words {
		if names[w] > 0 {
			names[w]-- // "Da Nang" in an English sentence is no Vietnamese
			continue
		}
		var in []string
		for _, l := range cv.langs {
			if l.cues[w] || l.words[w] {
				in = append(in, l.locale)
			}
		}
		switch {
		case len(in) == 1:
			votes[in[0]]++
		case len(in) == 0 && isLetters(w) && !vntext.IsSyllable(w):
			for _, l := range cv.langs {
				if l.locale != defaultLocale {
					votes[l.locale] += 0.5
				}
			}
		case len(in) == 0 && isLetters(w):
			votes[defaultLocale] += 0.5
		}
	}
	best, second := "", 0.0
	for _, l := range cv.langs {
		v := votes[l.locale]
		switch {
		case best == "" || v > votes[best]:
			if best != "" {
				second = votes[best]
			}
			best = l.locale
		case v > second:
			second = v
		}
	}
	if best == "" || votes[best] < 2 || votes[best] < 2*second {
		return ""
	}
	return best
}
