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
	short wordTable // the same ids for ASCII words of up to 8 bytes, the most of them
}

func newLexicon() *lexicon { return &lexicon{ids: map[string]int32{}} }

// intern returns w's id, adding it when new.
func (l *lexicon) intern(w []byte) int32 {
	k, packed := packWord(w)
	if packed {
		if id, ok := l.short.get(k); ok {
			return id
		}
	}
	id, ok := l.ids[string(w)] // no allocation on a hit
	if !ok {
		id = l.add(string(w))
	}
	if packed {
		l.short.put(k, id)
	}
	return id
}

// lookup returns w's id without adding it.
func (l *lexicon) lookup(w []byte) (int32, bool) {
	if k, packed := packWord(w); packed {
		return l.short.get(k)
	}
	id, ok := l.ids[string(w)]
	return id, ok
}

// add returns s's id, adding it when new.
func (l *lexicon) add(s string) int32 {
	if id, ok := l.ids[s]; ok {
		return id
	}
	id := int32(len(l.words))
	l.ids[s] = id
	l.words = append(l.words, s)
	if k, packed := packWord([]byte(s)); packed {
		l.short.put(k, id)
	}
	return id
}

// clone returns a copy that grows on its own.
func (l *lexicon) clone() *lexicon {
	return &lexicon{ids: maps.Clone(l.ids), words: slices.Clip(slices.Clone(l.words)), short: l.short.clone()}
}

// packWord packs an ASCII word of 1 to 8 bytes into a non-zero integer.
func packWord(w []byte) (uint64, bool) {
	if len(w) == 0 || len(w) > 8 {
		return 0, false
	}
	var k uint64
	for _, c := range w {
		if c >= 0x80 {
			return 0, false
		}
		k = k<<8 | uint64(c)
	}
	return k, true
}

// tokens appends the ids of text's folded words to dst, interning new
// words. buf is scratch space for the folded text, returned for reuse.
func (l *lexicon) tokens(dst []int32, buf []byte, text string) ([]int32, []byte) {
	buf = vntext.AppendFold(buf[:0], text)
	return l.split(dst, buf), buf
}

// split appends the ids of the words of folded text to dst, interning new
// words.
func (l *lexicon) split(dst []int32, buf []byte) []int32 {
	if !isASCII(buf) {
		for w := range vntext.SplitFolded(buf) {
			dst = append(dst, l.intern(w))
		}
		return dst
	}
	// The common case, split by hand: words end at spaces and where letters
	// and digits meet, as SplitFolded splits them.
	start := 0
	for i := 1; i <= len(buf); i++ {
		switch {
		case i == len(buf) || buf[i] == ' ':
			if i > start {
				dst = append(dst, l.intern(buf[start:i]))
			}
			start = i + 1
		case i > start && isDigit(buf[i]) != isDigit(buf[i-1]):
			dst = append(dst, l.intern(buf[start:i]))
			start = i
		}
	}
	return dst
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// isASCII reports whether text (folded bytes, or a message) is all ASCII.
func isASCII[T string | []byte](text T) bool {
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return false
		}
	}
	return true
}

// wordTable maps packed words (packWord) to ids: an open-addressing hash
// table, quicker than a map with string keys for the million words of a
// large build.
type wordTable struct {
	slots []wordSlot
	n     int
	shift uint
}

type wordSlot struct {
	key uint64 // 0: empty
	id  int32
}

func (t *wordTable) get(k uint64) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	mask := len(t.slots) - 1
	for i := int((k * 0x9E3779B97F4A7C15) >> t.shift); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			return t.slots[i].id, true
		case 0:
			return 0, false
		}
	}
}

func (t *wordTable) put(k uint64, id int32) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		size := max(256, 2*len(old))
		t.slots, t.n = make([]wordSlot, size), 0
		t.shift = 64
		for 1<<(64-t.shift) < size {
			t.shift--
		}
		for _, s := range old {
			if s.key != 0 {
				t.put(s.key, s.id)
			}
		}
	}
	mask := len(t.slots) - 1
	for i := int((k * 0x9E3779B97F4A7C15) >> t.shift); ; i = (i + 1) & mask {
		switch t.slots[i].key {
		case k:
			t.slots[i].id = id
			return
		case 0:
			t.slots[i] = wordSlot{key: k, id: id}
			t.n++
			return
		}
	}
}

func (t wordTable) clone() wordTable {
	t.slots = slices.Clone(t.slots)
	return t
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
	rules  map[int32][]rule // by the first word of the phrase they replace
	stop   map[int32]bool   // one-word stopwords
	stops  phrases          // stopwords of several words ("cho hỏi")
	units  phrases          // phrases the vocabulary gives as one unit, never cut by stopwords
	marked markedWords      // words read by their marks, before folding (questions only)

	// After seal, by word id: the rules it starts, whether it is a
	// stopword, starts a stopword phrase or starts a unit. Words interned
	// later have none.
	ruleOf                         [][]rule
	stopword, stopStart, unitStart []bool
	stopped                        []bool // any of the three
	stopsOf, unitsOf               [][][]int32
}

func (a *analyzer) isStop(w int32) bool {
	if a.stopword == nil {
		return a.stop[w]
	}
	return wordFlag(a.stopword, w)
}

// seal freezes the vocabulary: words interned from now on (n and above)
// are not part of any rule or stopword.
func (a *analyzer) seal(n int) {
	a.ruleOf = make([][]rule, n)
	a.stopword, a.stopStart, a.unitStart, a.stopped = make([]bool, n), make([]bool, n), make([]bool, n), make([]bool, n)
	for id, rs := range a.rules {
		a.ruleOf[id] = rs
	}
	for id := range a.stop {
		a.stopword[id], a.stopped[id] = true, true
	}
	a.stopsOf, a.unitsOf = make([][][]int32, n), make([][][]int32, n)
	for id, ps := range a.stops {
		a.stopStart[id], a.stopped[id] = true, true
		a.stopsOf[id] = ps
	}
	for id, ps := range a.units {
		a.unitStart[id], a.stopped[id] = true, true
		a.unitsOf[id] = ps
	}
}

// rulesOf returns the rules that start with word w.
func (a *analyzer) rulesOf(w int32) []rule {
	if a.ruleOf == nil {
		return a.rules[w]
	}
	if w < 0 || int(w) >= len(a.ruleOf) {
		return nil
	}
	return a.ruleOf[w]
}

// wordFlag reads a sealed per-word flag: false beyond the vocabulary.
func wordFlag(f []bool, w int32) bool { return w >= 0 && int(w) < len(f) && f[w] }

func (a *analyzer) mayStop(w int32) bool { return a.stopped == nil || wordFlag(a.stopped, w) }

// rule replaces the phrase from with to (to == from keeps a phrase whole).
type rule struct {
	from, to []int32
}

func newAnalyzer(lex *lexicon, v content.Vocab) *analyzer {
	a := &analyzer{rules: map[int32][]rule{}, stop: map[int32]bool{}, stops: phrases{}, units: phrases{}, marked: newMarkedWords(v)}
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
	for _, id := range sortedKeys(syn.rules) {
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
func (a *analyzer) rewrite(dst, words []int32) []int32 { return a.rewriteGaps(dst, words, nil) }

// rewriteGaps is rewrite that also reads a phrase of several words broken
// by filler words, when filler is not nil.
func (a *analyzer) rewriteGaps(dst, words []int32, filler func(int32) bool) []int32 {
	for i := 0; i < len(words); {
		rules := a.rulesOf(words[i])
		if len(rules) == 0 { // most words: a build rewrites over a million
			dst = append(dst, words[i])
			i++
			continue
		}
		var best *rule
		for j := range rules {
			r := &rules[j]
			if hasPrefix(words[i:], r.from) && (best == nil || len(r.from) > len(best.from)) {
				best = r
			}
		}
		if best == nil {
			// A phrase broken by filler words ("mã gì gửi về máy" for "mã
			// gửi về máy"): its words in order, with stopwords between.
			if r, end := a.gapped(rules, words[i:], filler); r != nil {
				dst = append(dst, r.to...)
				for _, w := range words[i+1 : i+end] {
					if !slices.Contains(r.from, w) {
						dst = append(dst, w)
					}
				}
				i += end
				continue
			}
			dst = append(dst, words[i])
			i++
			continue
		}
		dst = append(dst, best.to...)
		i += len(best.from)
	}
	return dst
}

// maxGap is how many filler words in a row may break a phrase of the
// vocabulary and still let it be read as the phrase.
const maxGap = 2

// gapped returns the longest of rules whose phrase words holds in order with
// at most maxGap filler words between two of its words, and where the match
// ends; nil when none does.
func (a *analyzer) gapped(rules []rule, words []int32, filler func(int32) bool) (*rule, int) {
	if filler == nil {
		return nil, 0
	}
	var best *rule
	bestEnd := 0
	for j := range rules {
		r := &rules[j]
		if len(r.from) < 2 || best != nil && len(r.from) <= len(best.from) {
			continue
		}
		k, gap, i := 1, 0, 1
		for ; i < len(words) && k < len(r.from); i++ {
			switch {
			case words[i] == r.from[k]:
				k++
				gap = 0
			case gap < maxGap && filler(words[i]):
				gap++
			default:
				i = len(words)
			}
		}
		if k == len(r.from) {
			best, bestEnd = r, i
		}
	}
	return best, bestEnd
}

// expand returns what a single word is rewritten to, or nil.
func (a *analyzer) expand(w int32) []int32 {
	for _, r := range a.rulesOf(w) {
		if len(r.from) == 1 {
			return r.to
		}
	}
	return nil
}

// content appends the words that are not stopwords to dst. A phrase of
// the vocabulary stays whole: "mình" is a stopword, "thông minh" is not cut.
// dst may be words[:0]: content only ever drops words.
func (a *analyzer) content(dst, words []int32) []int32 {
	dst, _ = a.contentAt(dst, nil, words)
	return dst
}

// contentAt is content that also appends to at, when not nil, the position
// in words of each word it keeps.
func (a *analyzer) contentAt(dst []int32, at []int, words []int32) ([]int32, []int) {
	keep := func(i, n int) {
		dst = append(dst, words[i:i+n]...)
		if at != nil {
			for k := range n {
				at = append(at, i+k)
			}
		}
	}
	for i := 0; i < len(words); {
		if !a.mayStop(words[i]) { // most words: keep(i, 1), without the call
			dst = append(dst, words[i])
			if at != nil {
				at = append(at, i)
			}
			i++
			continue
		}
		var unit, stop int
		switch {
		case a.unitsOf == nil:
			unit, stop = a.units.at(words[i:]), a.stops.at(words[i:])
		default:
			unit, stop = longest(a.unitsOf[words[i]], words[i:]), longest(a.stopsOf[words[i]], words[i:])
		}
		switch {
		case stop > 0 && stop >= unit: // "như thế nào" is both: a stopword
			i += stop
			continue
		case unit > 0:
			keep(i, unit)
			i += unit
			continue
		}
		if !a.isStop(words[i]) {
			keep(i, 1)
		}
		i++
	}
	return dst, at
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
	if len(words) == 0 {
		return 0
	}
	return longest(p[words[0]], words)
}

// longest returns the length of the longest of candidates that words start with, or 0.
func longest(candidates [][]int32, words []int32) int {
	n := 0
	for _, ph := range candidates {
		if len(ph) > n && hasPrefix(words, ph) {
			n = len(ph)
		}
	}
	return n
}

// strip returns words without the phrases, and whether there was any.
func (p phrases) strip(words []int32) (rest []int32, found bool) {
	for i := 0; i < len(words); {
		if n := p.at(words[i:]); n > 0 {
			found = true
			i += n
			continue
		}
		rest = append(rest, words[i])
		i++
	}
	return rest, found
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
