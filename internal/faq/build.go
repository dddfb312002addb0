package faq

import (
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// New builds an index over the catalog's FAQ entries.
func New(c *content.Catalog) *Index { return build(c, defaults) }

// entriesPerPart is the fewest entries worth a goroutine of their own.
const entriesPerPart = 500

func build(c *content.Catalog, p params) *Index {
	lex := newLexicon()
	an := newAnalyzer(lex, c.Vocab)
	ix := &Index{
		cat:     c,
		p:       p,
		lex:     lex,
		an:      an,
		greet:   newPhrases(lex, an, c.Vocab.Greetings),
		vague:   newPhrases(lex, an, c.Vocab.Vague),
		thanks:  newPhrases(lex, an, c.Vocab.Thanks),
		offTop:  newPhrases(lex, an, c.Vocab.OutOfScope),
		scope:   newPhrases(lex, an, c.Vocab.Scope),
		scam:    scamSituations(c.Vocab),
		joiners: newPhrases(lex, &analyzer{}, joinWords),
		entries: make([]entry, len(c.FAQ)),
	}
	// Every vocabulary phrase is interned before the seal: words interned
	// later would take ids that the index gives to syllable pairs.
	ix.conv = newConversation(ix, c.Vocab)
	ix.afterNumber = afterNumber(lex, c.Vocab)
	an.seal(len(lex.words))

	// Read the entries in parts, in parallel, each part with its own copy of
	// the vocabulary's words; then merge the parts' words, pairs and
	// postings in order.
	n := max(1, min(runtime.GOMAXPROCS(0), len(c.FAQ)/entriesPerPart))
	parts := make([]*part, n)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := i*len(c.FAQ)/n, (i+1)*len(c.FAQ)/n
		pt := &part{ix: ix, lex: lex.clone(), lo: lo, hi: hi, titled: make([][]bool, len(ix.conv.langs))}
		parts[i] = pt
		wg.Go(func() {
			pt.reserve(c.FAQ[lo:hi]) // here: allocating takes time too
			for ei := lo; ei < hi; ei++ {
				pt.entry(int32(ei), c.FAQ[ei])
			}
		})
	}
	wg.Wait()
	ix.merge(parts)

	ix.at = make(map[string]int32, len(c.FAQ))
	for i, e := range c.FAQ {
		ix.at[e.ID] = int32(i)
	}
	// An entry's neighbours are the entries it names as related and those
	// that name it: the relation is one topic either way.
	ix.neighbours = make([][]int32, len(c.FAQ))
	for i, e := range c.FAQ {
		for _, r := range e.Related {
			if j, ok := ix.at[r]; ok && j != int32(i) {
				ix.neighbours[i] = append(ix.neighbours[i], j)
				ix.neighbours[j] = append(ix.neighbours[j], int32(i))
			}
		}
	}
	for i, n := range ix.neighbours {
		slices.Sort(n)
		ix.neighbours[i] = slices.Compact(n)
	}
	ix.buildTypos()
	ix.conv.learnWords(c, parts)
	ix.conv.readPhrases(ix, c.Vocab)
	ix.foreign = phrases{}
	for _, ps := range ix.offTop {
		for _, ph := range ps {
			if !ix.uses(ph) {
				ix.foreign.add(ph)
			}
		}
	}
	ix.pool.New = func() any {
		return &scratch{acc: make([]float64, len(ix.entries)), pairs: make([]int32, len(ix.entries))}
	}
	return ix
}

// part reads a range of entries. A build reads over a million words at
// 10,000 entries, so a part counts terms in dense arrays and gathers
// postings in one flat list, rather than in maps and per-term slices. Its
// word and pair ids are its own until merge.
type part struct {
	ix     *Index
	lo, hi int        // the entries it reads
	lex    *lexicon   // the vocabulary's words, then this part's
	pairs  pairTable  // pair key → this part's pair id
	bi     termCounts // the pairs, by this part's pair id

	words, rewritten, kept []int32 // kept shares rewritten's array
	buf                    []byte

	// runs are the ids of the words of each run of text between breaks
	// (mostly one word) that the part has read, as spans of runIDs.
	runs   runTable
	runIDs []int32

	arena  []int32 // all fields' terms in order; pairs marked with pairFlag
	bounds []int32 // arena offset after each field

	uni   termCounts
	field int32
	occ   []occurrence // every (term, tf) of every entry, entry by entry
	ends  []int32      // by entry (from lo): where its occurrences end in occ

	// titled is, by language of the conversation (ix.conv.langs) and word
	// id, whether a title in that language has the word: language
	// detection learns the content's words from the titles (learnWords),
	// and reading them here spares folding them twice.
	titled [][]bool
}

// occurrence is a term in an entry (part.ends tells which): a posting
// before it is filed under its term.
type occurrence struct {
	term int32 // pairs marked with pairFlag
	tf   int32
}

// termCounts counts, per term, in how many fields of the current entry it
// appears.
type termCounts struct {
	terms   []termCount // by term id
	touched []int32
}

type termCount struct {
	seen int32 // field number + 1 that last saw the term
	tf   int32
}

// reserve makes room for the counts of n terms.
func (tc *termCounts) reserve(n int) { tc.terms = make([]termCount, n) }

// see counts term t in the current field; it reports whether t is new to the field.
func (tc *termCounts) see(t, field int32) bool {
	if int(t) >= len(tc.terms) {
		n := max(int(t)+1, 2*len(tc.terms), 1024)
		tc.terms = append(tc.terms, make([]termCount, n-len(tc.terms))...)
	}
	c := &tc.terms[t]
	if c.seen == field+1 {
		return false
	}
	c.seen = field + 1
	if c.tf == 0 {
		tc.touched = append(tc.touched, t)
	}
	c.tf++
	return true
}

// flush appends the current entry's counts to occ, marking terms with flag.
func (tc *termCounts) flush(occ []occurrence, flag int32) []occurrence {
	for _, t := range tc.touched {
		occ = append(occ, occurrence{term: t | flag, tf: tc.terms[t].tf})
		tc.terms[t].tf = 0
	}
	tc.touched = tc.touched[:0]
	return occ
}

// reserve sizes the part's lists for its entries, estimated from their
// length, so that they do not grow (and copy) a dozen times over.
func (pt *part) reserve(entries []*content.Entry) {
	bytes, fields := 0, 0
	for _, e := range entries {
		eachFieldText(e, func(s string) { bytes += len(s); fields++ })
	}
	// A Vietnamese syllable takes 4 to 8 bytes with its space; an entry has
	// about one distinct term (syllable or pair) per word.
	words := bytes / 4
	pt.arena = make([]int32, 0, 2*words)
	pt.occ = make([]occurrence, 0, words)
	pt.ends = make([]int32, 0, len(entries))
	pt.bounds = make([]int32, 0, fields)
	// Distinct pairs run from 1 in 3 words (68 entries) to 1 in 17 (10,000
	// synthetic ones); starting near the end size saves most rehashing.
	// The size it starts at, and how it grows, must not change: merge
	// numbers a later part's new pairs in the order of its table (addPairs),
	// and the order of the ids is that of the sums of the scores, to their
	// last digit.
	pt.pairs.reserve(words / 8)
	pt.bi.reserve(words / 8)
}

func (pt *part) entry(ei int32, e *content.Entry) {
	an := pt.ix.an
	nFields := 0
	eachField(e, func(text, titleLocale string) {
		pt.words = pt.tokens(pt.words[:0], text)
		if titleLocale != "" {
			pt.title(titleLocale, pt.words)
		}
		pt.rewritten = an.rewrite(pt.rewritten[:0], pt.words)
		pt.kept = an.content(pt.rewritten[:0], pt.rewritten) // in place: it only drops words
		if len(pt.kept) == 0 {
			return
		}
		for i, w := range pt.kept {
			if pt.uni.see(w, pt.field) {
				pt.arena = append(pt.arena, w)
			}
			if i == 0 {
				continue
			}
			if id := pt.pairs.intern(pairKey(pt.kept[i-1], w)); pt.bi.see(id, pt.field) {
				pt.arena = append(pt.arena, id|pairFlag)
			}
		}
		pt.bounds = append(pt.bounds, int32(len(pt.arena)))
		pt.field++
		nFields++
	})
	pt.occ = pt.uni.flush(pt.occ, 0)
	pt.occ = pt.bi.flush(pt.occ, pairFlag)
	pt.ends = append(pt.ends, int32(len(pt.occ)))
	// The entry's fields are numbered within the part until merge.
	first := int32(len(pt.bounds) - nFields)
	pt.ix.entries[ei] = entry{src: e, first: first, end: first + int32(nFields)}
}

// span is a stretch [from, to) of a slice.
type span struct{ from, to int32 }

// tokens appends the ids of text's folded words to dst, as lex.tokens
// does, but folds each distinct run of text between breaks (vntext.Breaks)
// once: a 10,000-entry build reads a million words, of a few thousand
// kinds. Words still get their ids in the order they first appear. A text
// with a run that does not fold one rune at a time is folded whole, as
// lex.tokens would.
func (pt *part) tokens(dst []int32, text string) []int32 {
	from := len(dst)
	for i := 0; i < len(text); {
		if breaks[text[i]] {
			i++
			continue
		}
		h := uint64(text[i])
		j := i + 1
		for j < len(text) && !breaks[text[j]] {
			h = bits.RotateLeft64(h, 7) ^ uint64(text[j])
			j++
		}
		run := text[i:j]
		sp, ok := pt.runs.get(h, run)
		if !ok {
			var byRune bool
			if pt.buf, byRune = vntext.AppendFoldRunes(pt.buf[:0], run); !byRune {
				dst, pt.buf = pt.lex.tokens(dst[:from], pt.buf, text)
				return dst
			}
			sp.from = int32(len(pt.runIDs))
			pt.runIDs = pt.lex.split(pt.runIDs, pt.buf)
			sp.to = int32(len(pt.runIDs))
			pt.runs.put(h, run, sp)
		}
		dst = append(dst, pt.runIDs[sp.from:sp.to]...)
		i = j
	}
	return dst
}

// breaks is vntext.Breaks by byte.
var breaks = func() (b [256]bool) {
	for c := range b {
		b[c] = vntext.Breaks(byte(c))
	}
	return b
}()

// runTable maps runs of text (part.tokens) to the spans of their words'
// ids. It is an open-addressing hash table, hashed while part.tokens looks
// for the run's end (a rotate and an exclusive or a byte, spread over the
// table by Fibonacci hashing): more than twice as fast as a map with
// string keys, which hashes the run once more.
type runTable struct {
	slots []runSlot
	n     int
	shift uint // 64 - log2(len(slots))
}

type runSlot struct {
	hash uint64 // the run's hash | 1; 0: empty slot
	run  string
	ids  span
}

// get returns the span of run, hashed to h.
func (t *runTable) get(h uint64, run string) (span, bool) {
	if t.n == 0 {
		return span{}, false
	}
	h |= 1
	mask := uint64(len(t.slots) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> t.shift; ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch {
		case s.hash == 0:
			return span{}, false
		case s.hash == h && s.run == run:
			return s.ids, true
		}
	}
}

// put adds a run that get did not find.
func (t *runTable) put(h uint64, run string, ids span) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots, t.n = make([]runSlot, max(1024, 2*len(old))), 0
		t.shift = 64
		for 1<<(64-t.shift) < len(t.slots) {
			t.shift--
		}
		for _, s := range old {
			if s.hash != 0 {
				t.put(s.hash, s.run, s.ids)
			}
		}
	}
	h |= 1
	mask := uint64(len(t.slots) - 1)
	i := (h * 0x9E3779B97F4A7C15) >> t.shift
	for t.slots[i].hash != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = runSlot{hash: h, run: run, ids: ids}
	t.n++
}

// title records the words of a title in locale.
func (pt *part) title(locale string, words []int32) {
	for i, lg := range pt.ix.conv.langs {
		if lg.locale != locale {
			continue
		}
		for _, w := range words {
			if int(w) >= len(pt.titled[i]) {
				pt.titled[i] = append(pt.titled[i], make([]bool, int(w)+1-len(pt.titled[i]))...)
			}
			pt.titled[i][w] = true
		}
	}
}

// merge gives the parts' words and pairs their final ids (words first,
// then pairs), files the postings by term, weighs the terms and cuts the
// parts' arenas into fields. All but the numbering of new words and pairs
// runs a goroutine a part, or splits the terms between goroutines.
func (ix *Index) merge(parts []*part) {
	// The first part's words and pairs become the index's as they are; the
	// others' are looked up in them, a part after the other.
	base := int32(len(ix.lex.words)) // the vocabulary's words, shared by every part
	ix.lex, ix.pairs = parts[0].lex, parts[0].pairs
	wordOf := make([][]int32, len(parts))
	pairOf := make([][]int32, len(parts))
	for i, pt := range parts {
		wordOf[i] = make([]int32, len(pt.lex.words))
		for id, w := range pt.lex.words {
			if i == 0 || int32(id) < base {
				wordOf[i][id] = int32(id)
			} else {
				wordOf[i][id] = ix.lex.add(w)
			}
		}
		if i > 0 {
			pairOf[i] = ix.addPairs(pt.pairs, wordOf[i])
		}
	}
	nw := int32(len(ix.lex.words))
	ix.pairs.offset(nw)
	nt := int(nw) + ix.pairs.len()
	final := make([]termIDs, len(parts))
	for i := range parts {
		final[i] = termIDs{words: wordOf[i], pairs: pairOf[i], nw: nw}
	}

	// Each part gives its terms their final ids and counts its postings by
	// term, into one arena for the whole index, in entry order.
	size, nf := 0, 0
	for _, pt := range parts {
		size += len(pt.arena)
		nf += len(pt.bounds)
	}
	ix.terms = make([]int32, size)
	ix.fields = make([]field, nf)
	// where each part's terms and fields start in ix.terms and ix.fields
	termBase, fieldBase := make([]int32, len(parts)+1), make([]int32, len(parts)+1)
	for i, pt := range parts {
		termBase[i+1] = termBase[i] + int32(len(pt.arena))
		fieldBase[i+1] = fieldBase[i] + int32(len(pt.bounds))
	}
	count := make([][]int32, len(parts)) // by part and term: postings
	eachPart(parts, func(i int, pt *part) {
		final := final[i]
		for j, t := range pt.arena {
			ix.terms[termBase[i]+int32(j)] = final.of(t)
		}
		count[i] = make([]int32, nt)
		for j, o := range pt.occ {
			t := final.of(o.term)
			pt.occ[j].term = t
			count[i][t]++
		}
	})

	// A counting sort of the postings by term: parts hold consecutive
	// entries, so each term's postings stay in entry order. count becomes
	// where each part files its next posting of each term.
	start := make([]int32, nt+1)
	for t := range nt {
		at := start[t]
		for i := range parts {
			at, count[i][t] = at+count[i][t], at
		}
		start[t+1] = at
	}
	ix.flat, ix.postAt = make([]posting, start[nt]), start
	ix.weight = make([]float64, nt)
	maxIDF := make([]float64, len(parts))
	eachPart(parts, func(i int, pt *part) {
		next, from := count[i], int32(0)
		for j, to := range pt.ends {
			entry := int32(pt.lo + j)
			for _, o := range pt.occ[from:to] {
				ix.flat[next[o.term]] = posting{entry: entry, tf: o.tf}
				next[o.term]++
			}
			from = to
		}
		// and the part's share of the terms' weights
		maxIDF[i] = ix.weigh(i*nt/len(parts), (i+1)*nt/len(parts))
	})
	ix.maxIDF = slices.Max(maxIDF)

	eachPart(parts, func(i int, pt *part) {
		from := termBase[i]
		for j, to := range pt.bounds {
			f := field{from: from, to: termBase[i] + to}
			for _, t := range ix.terms[f.from:f.to] {
				f.weight += ix.weight[t]
			}
			ix.fields[fieldBase[i]+int32(j)] = f
			from = f.to
		}
		for ei := pt.lo; ei < pt.hi; ei++ {
			ix.entries[ei].first += fieldBase[i]
			ix.entries[ei].end += fieldBase[i]
		}
	})
}

// termIDs maps a part's term ids to the index's.
type termIDs struct {
	words, pairs []int32 // by the part's ids; pairs nil: the index's already (the first part)
	nw           int32   // the index's words, numbered before its pairs
}

func (m termIDs) of(t int32) int32 {
	switch {
	case t&pairFlag == 0:
		return m.words[t]
	case m.pairs == nil:
		return t&^pairFlag + m.nw
	}
	return m.pairs[t&^pairFlag] + m.nw
}

// eachPart runs fn on every part, each in a goroutine, and waits for all.
func eachPart(parts []*part, fn func(i int, pt *part)) {
	var wg sync.WaitGroup
	for i, pt := range parts {
		wg.Go(func() { fn(i, pt) })
	}
	wg.Wait()
}

// addPairs adds a later part's pairs to the index's, and returns their ids
// there by the part's ids. Those the index lacks are numbered after its
// own in the order of the part's table, as interning them one by one in
// that order would number them; those it has are looked up in parallel.
// The order is the table's layout: part.reserve says why it must stay.
func (ix *Index) addPairs(pairs pairTable, wordOf []int32) []int32 {
	keys := make([]uint64, 0, pairs.len()) // in the index's word ids
	ids := make([]int32, 0, pairs.len())   // the part's
	pairs.each(func(k uint64, id int32) {
		keys = append(keys, pairKey(wordOf[k>>32], wordOf[uint32(k)]))
		ids = append(ids, id)
	})
	found := make([]int32, len(keys))
	var wg sync.WaitGroup
	n := runtime.GOMAXPROCS(0)
	for g := range n {
		lo, hi := g*len(keys)/n, (g+1)*len(keys)/n
		wg.Go(func() {
			for j := lo; j < hi; j++ {
				id, ok := ix.pairs.get(keys[j])
				if !ok {
					id = -1
				}
				found[j] = id
			}
		})
	}
	wg.Wait()
	of := make([]int32, pairs.len())
	for j, id := range found {
		if id < 0 {
			id = ix.pairs.intern(keys[j])
		}
		of[ids[j]] = id
	}
	return of
}

// weigh sets the weights of the terms from lo to hi (ids), by their inverse
// document frequency, and returns the highest of them before the pairs'
// and numbers' factors. Most of the terms are held by a handful of
// entries: each document frequency's logarithm is taken once.
func (ix *Index) weigh(lo, hi int) (maxIDF float64) {
	n := float64(len(ix.entries))
	nw := len(ix.lex.words)
	idf := make([]float64, len(ix.entries)+1) // by document frequency; 0: not yet
	for t := lo; t < hi; t++ {
		df := ix.df(int32(t))
		if df == 0 {
			continue
		}
		if idf[df] == 0 {
			d := float64(df)
			idf[df] = math.Log(1 + (n-d+0.5)/(d+0.5))
		}
		w := idf[df]
		maxIDF = max(maxIDF, w)
		switch {
		case t >= nw:
			w *= ix.p.bigram
		case isDigits(ix.lex.words[t]):
			w *= ix.p.numeric
		}
		ix.weight[t] = w
	}
	return maxIDF
}

// buildTypos indexes every known syllable of repairable length, and every
// one-word abbreviation or synonym, by its one-letter deletions.
func (ix *Index) buildTypos() {
	ix.typos = map[string][]int32{}
	for id, w := range ix.lex.words {
		known := ix.df(int32(id)) > 0 || ix.an.expand(int32(id)) != nil
		if !known || len(w) < ix.p.minTypo-1 || !isLetters(w) {
			continue
		}
		ix.typos[w] = append(ix.typos[w], int32(id))
		for _, d := range deletions(w) {
			ix.typos[d] = append(ix.typos[d], int32(id))
		}
	}
}

// uses reports whether the content has the phrase: each word, and each
// pair of neighbours.
func (ix *Index) uses(phrase []int32) bool {
	for i, w := range phrase {
		if ix.df(w) == 0 {
			return false
		}
		if i > 0 {
			if _, ok := ix.pairs.get(pairKey(phrase[i-1], w)); !ok {
				return false
			}
		}
	}
	return true
}

// scamSituations are the situations that tell a scam (those with a
// warning, or that pick the victim's steps): told in a conversation, its
// bank, its app or its money are part of what is asked, not another
// service.
func scamSituations(v content.Vocab) map[string]bool {
	out := map[string]bool{}
	for _, s := range v.Situations {
		for _, to := range s.Prefer {
			if to == "scam_victim" {
				out[s.ID] = true
			}
		}
		if s.Warn != "" {
			out[s.ID] = true
		}
	}
	return out
}
