package faq

import (
	"maps"
	"slices"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// lexicon interns folded words as small integers, so that the rest of the
// index compares and hashes numbers, not strings.
type lexicon struct {
	ids   map[string]int32
	words []string
}

func newLexicon() *lexicon { return &lexicon{ids: map[string]int32{}} }

// intern returns w's id, adding it when new.
func (l *lexicon) intern(w []byte) int32 {
	if id, ok := l.ids[string(w)]; ok { // no allocation on a hit
		return id
	}
	return l.add(string(w))
}

// add returns s's id, adding it when new.
func (l *lexicon) add(s string) int32 {
	if id, ok := l.ids[s]; ok {
		return id
	}
	id := int32(len(l.words))
	l.ids[s] = id
	l.words = append(l.words, s)
	return id
}

// clone returns a copy that grows on its own.
func (l *lexicon) clone() *lexicon {
	return &lexicon{ids: maps.Clone(l.ids), words: slices.Clip(slices.Clone(l.words))}
}

// tokens appends the ids of text's folded words to dst, interning new
// words. buf is scratch space for the folded text, returned for reuse.
func (l *lexicon) tokens(dst []int32, buf []byte, text string) ([]int32, []byte) {
	buf = vntext.AppendFold(buf[:0], text)
	for w := range vntext.SplitFolded(buf) {
		dst = append(dst, l.intern(w))
	}
	return dst, buf
}

// phraseIDs interns the words of a vocabulary phrase.
func (l *lexicon) phraseIDs(s string) []int32 {
	ids, _ := l.tokens(nil, nil, s)
	return ids
}

// analyzer rewrites word ids with the content's vocabulary: abbreviations
// and synonyms to one form, stopwords out. The same analyzer reads FAQ
// entries and questions, so both sides always agree.
type analyzer struct {
	rules map[int32][]rule // by the first word of the phrase they replace
	stop  map[int32]bool   // one-word stopwords
	stops phrases          // stopwords of several words ("cho hỏi")
	units phrases          // phrases the vocabulary gives as one unit, never cut by stopwords

	// After seal, by word id: whether the word may start a rule, and
	// whether it may start a stopword. Words interned later never do.
	ruled, stopped []bool
}

// seal freezes the vocabulary: words interned from now on (n and above)
// are not part of any rule or stopword.
func (a *analyzer) seal(n int) {
	a.ruled = make([]bool, n)
	a.stopped = make([]bool, n)
	for id := range a.rules {
		a.ruled[id] = true
	}
	for id := range a.stop {
		a.stopped[id] = true
	}
	for id := range a.stops {
		a.stopped[id] = true
	}
	for id := range a.units {
		a.stopped[id] = true
	}
}

func (a *analyzer) mayRule(w int32) bool {
	return a.ruled == nil || w >= 0 && int(w) < len(a.ruled) && a.ruled[w]
}

func (a *analyzer) mayStop(w int32) bool {
	return a.stopped == nil || w >= 0 && int(w) < len(a.stopped) && a.stopped[w]
}

// rule replaces the phrase from with to (to == from keeps a phrase whole).
type rule struct {
	from, to []int32
}

func newAnalyzer(lex *lexicon, v content.Vocab) *analyzer {
	a := &analyzer{rules: map[int32][]rule{}, stop: map[int32]bool{}, stops: phrases{}, units: phrases{}}
	// Synonyms: each member of a group becomes the group's first member.
	syn := &analyzer{rules: map[int32][]rule{}}
	for _, group := range v.Synonyms {
		if len(group) < 2 {
			continue
		}
		to := lex.phraseIDs(group[0])
		if len(to) > 1 {
			syn.add(to, to) // keep the phrase whole: "mở khóa" is not "mở" + "bị khóa"
		}
		for _, s := range group[1:] {
			syn.add(lex.phraseIDs(s), to)
		}
	}
	// Abbreviations expand to their full form, itself put in synonym form,
	// so "mk" and "password" both end up as the same words.
	for _, k := range sortedKeys(v.Abbreviations) {
		a.add(lex.phraseIDs(k), syn.rewrite(nil, lex.phraseIDs(v.Abbreviations[k])))
	}
	for _, id := range sortedKeys32(syn.rules) {
		for _, r := range syn.rules[id] {
			a.add(r.from, r.to)
		}
	}
	for _, rs := range a.rules {
		for _, r := range rs {
			if len(r.to) > 1 && a.units.at(r.to) != len(r.to) {
				a.units.add(r.to)
			}
		}
	}
	for _, s := range v.Stopwords {
		w := a.rewrite(nil, lex.phraseIDs(s))
		switch {
		case len(w) == 1:
			a.stop[w[0]] = true
		case len(w) > 1:
			a.stops.add(w)
		}
	}
	return a
}

// add registers a rule unless one already rewrites the same phrase. A rule
// that keeps a phrase as it is only stops shorter rules from splitting it.
func (a *analyzer) add(from, to []int32) {
	if len(from) == 0 || len(from) == 1 && equal(from, to) {
		return
	}
	for _, r := range a.rules[from[0]] {
		if equal(r.from, from) {
			return
		}
	}
	a.rules[from[0]] = append(a.rules[from[0]], rule{from: from, to: to})
}

// rewrite appends words to dst with the rules applied once, left to right,
// longest phrase first.
func (a *analyzer) rewrite(dst, words []int32) []int32 {
	for i := 0; i < len(words); {
		if !a.mayRule(words[i]) {
			dst = append(dst, words[i])
			i++
			continue
		}
		var best *rule
		for j, r := range a.rules[words[i]] {
			if hasPrefix(words[i:], r.from) && (best == nil || len(r.from) > len(best.from)) {
				best = &a.rules[words[i]][j]
			}
		}
		if best == nil {
			dst = append(dst, words[i])
			i++
			continue
		}
		dst = append(dst, best.to...)
		i += len(best.from)
	}
	return dst
}

// expand returns what a single word is rewritten to, or nil.
func (a *analyzer) expand(w int32) []int32 {
	for _, r := range a.rules[w] {
		if len(r.from) == 1 {
			return r.to
		}
	}
	return nil
}

// content appends the words that are not stopwords to dst. A phrase of
// the vocabulary stays whole: "mình" is a stopword, "thông minh" is not cut.
func (a *analyzer) content(dst, words []int32) []int32 {
	for i := 0; i < len(words); {
		if !a.mayStop(words[i]) {
			dst = append(dst, words[i])
			i++
			continue
		}
		unit, stop := a.units.at(words[i:]), a.stops.at(words[i:])
		switch {
		case stop > 0 && stop >= unit: // "như thế nào" is both: a stopword
			i += stop
			continue
		case unit > 0:
			dst = append(dst, words[i:i+unit]...)
			i += unit
			continue
		}
		if !a.stop[words[i]] {
			dst = append(dst, words[i])
		}
		i++
	}
	return dst
}

// phrases is a set of word sequences matched on word boundaries
// (greetings, thanks, out-of-scope terms), by first word.
type phrases map[int32][][]int32

func newPhrases(lex *lexicon, a *analyzer, list []string) phrases {
	p := phrases{}
	for _, s := range list {
		p.add(a.rewrite(nil, lex.phraseIDs(s)))
	}
	return p
}

func (p phrases) add(w []int32) {
	if len(w) > 0 {
		p[w[0]] = append(p[w[0]], w)
	}
}

// at returns the length of the longest phrase that words start with, or 0.
func (p phrases) at(words []int32) int {
	n := 0
	if len(words) == 0 {
		return 0
	}
	for _, ph := range p[words[0]] {
		if len(ph) > n && hasPrefix(words, ph) {
			n = len(ph)
		}
	}
	return n
}

// in reports whether any phrase occurs in words.
func (p phrases) in(words []int32) bool {
	for i := range words {
		if p.at(words[i:]) > 0 {
			return true
		}
	}
	return false
}

func hasPrefix(words, prefix []int32) bool {
	if len(prefix) > len(words) {
		return false
	}
	for i, w := range prefix {
		if words[i] != w {
			return false
		}
	}
	return true
}

func equal(a, b []int32) bool { return len(a) == len(b) && hasPrefix(a, b) }

// joinWords start a second question inside a sentence ("…, ngoài ra …").
// They describe Vietnamese grammar rather than the content, so they live
// here rather than in vocab.yaml.
var joinWords = []string{"ngoai ra", "them nua", "voi lai", "va cho hoi", "cho hoi them", "hoi them", "con nua", "and also", "also"}
