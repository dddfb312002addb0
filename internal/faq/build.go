package faq

import (
	"math"

	"github.com/vneid-guide/vneidbot/content"
)

// New builds an index over the catalog's FAQ entries.
func New(c *content.Catalog) *Index { return build(c, defaults) }

func build(c *content.Catalog, p params) *Index {
	lex := newLexicon()
	an := newAnalyzer(lex, c.Vocab)
	ix := &Index{
		cat:     c,
		p:       p,
		lex:     lex,
		an:      an,
		greet:   newPhrases(lex, an, c.Vocab.Greetings),
		thanks:  newPhrases(lex, an, c.Vocab.Thanks),
		offTop:  newPhrases(lex, an, c.Vocab.OutOfScope),
		joiners: newPhrases(lex, &analyzer{}, joinWords),
		entries: make([]entry, len(c.FAQ)),
	}
	an.seal(len(lex.words))
	b := &builder{ix: ix, pairs: map[uint64]int32{}}
	for ei, e := range c.FAQ {
		b.entry(int32(ei), e)
	}
	b.finish()
	ix.buildTypos()
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

// builder holds the working state of build. Terms are counted in dense
// arrays rather than maps: a build reads over a million words at 10,000
// entries, and each map operation saved per word is felt.
type builder struct {
	ix    *Index
	pairs map[uint64]int32 // pair key → provisional pair id

	words, rewritten, kept []int32
	buf                    []byte

	arena  []int32 // all fields' terms in order; pairs marked with pairFlag until finish
	bounds []int   // arena offset after each field

	// per term: postings, the field that last saw it (to count each term
	// once per field) and its count in the current entry
	uni, pair termTable
	field     int32
}

type termTable struct {
	post    [][]posting
	seen    []int32 // field number + 1 that last saw the term
	tf      []int32
	touched []int32
}

// grow makes room for term id t.
func (tt *termTable) grow(t int32) {
	for int(t) >= len(tt.post) {
		tt.post = append(tt.post, nil)
		tt.seen = append(tt.seen, 0)
		tt.tf = append(tt.tf, 0)
	}
}

// see counts term t in the current field; it reports whether t is new to the field.
func (tt *termTable) see(t, field int32) bool {
	tt.grow(t)
	if tt.seen[t] == field+1 {
		return false
	}
	tt.seen[t] = field + 1
	if tt.tf[t] == 0 {
		tt.touched = append(tt.touched, t)
	}
	tt.tf[t]++
	return true
}

// flush turns the current entry's counts into postings.
func (tt *termTable) flush(entry int32) {
	for _, t := range tt.touched {
		tt.post[t] = append(tt.post[t], posting{entry: entry, tf: tt.tf[t]})
		tt.tf[t] = 0
	}
	tt.touched = tt.touched[:0]
}

func (b *builder) entry(ei int32, e *content.Entry) {
	ix := b.ix
	nFields := 0
	for _, text := range fieldTexts(e) {
		b.words, b.buf = ix.lex.tokens(b.words[:0], b.buf, text)
		b.rewritten = ix.an.rewrite(b.rewritten[:0], b.words)
		b.kept = ix.an.content(b.kept[:0], b.rewritten)
		if len(b.kept) == 0 {
			continue
		}
		for i, w := range b.kept {
			if b.uni.see(w, b.field) {
				b.arena = append(b.arena, w)
			}
			if i == 0 {
				continue
			}
			k := pairKey(b.kept[i-1], w)
			id, ok := b.pairs[k]
			if !ok {
				id = int32(len(b.pairs))
				b.pairs[k] = id
			}
			if b.pair.see(id, b.field) {
				b.arena = append(b.arena, id|pairFlag)
			}
		}
		b.bounds = append(b.bounds, len(b.arena))
		b.field++
		nFields++
	}
	b.uni.flush(ei)
	b.pair.flush(ei)
	ix.entries[ei] = entry{src: e, fields: make([]field, nFields)}
}

// finish numbers pairs after words, weighs terms and cuts the arena into fields.
func (b *builder) finish() {
	ix := b.ix
	nw := int32(len(ix.lex.words))
	b.uni.grow(nw - 1)
	b.pair.grow(int32(len(b.pairs)) - 1)
	ix.post = append(b.uni.post[:nw], b.pair.post[:len(b.pairs)]...)
	for i, t := range b.arena {
		if t&pairFlag != 0 {
			b.arena[i] = t&^pairFlag + nw
		}
	}
	ix.pairs = b.pairs
	for k, id := range ix.pairs {
		ix.pairs[k] = id + nw
	}
	n := float64(len(ix.entries))
	ix.weight = make([]float64, len(ix.post))
	for t, ps := range ix.post {
		if len(ps) == 0 {
			continue
		}
		d := float64(len(ps))
		w := math.Log(1 + (n-d+0.5)/(d+0.5))
		ix.maxIDF = max(ix.maxIDF, w)
		switch {
		case int32(t) >= nw:
			w *= ix.p.bigram
		case isDigits(ix.lex.words[t]):
			w *= ix.p.numeric
		}
		ix.weight[t] = w
	}
	fi, start := 0, 0
	for ei := range ix.entries {
		fields := ix.entries[ei].fields
		for j := range fields {
			f := field{terms: b.arena[start:b.bounds[fi]:b.bounds[fi]]}
			for _, t := range f.terms {
				f.weight += ix.weight[t]
			}
			fields[j] = f
			start = b.bounds[fi]
			fi++
		}
	}
}

// buildTypos indexes every known syllable of repairable length, and every
// one-word abbreviation or synonym, by its one-letter deletions.
func (ix *Index) buildTypos() {
	ix.typos = map[string][]int32{}
	for id, w := range ix.lex.words {
		known := len(ix.post[id]) > 0 || ix.an.expand(int32(id)) != nil
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
		if len(ix.post[w]) == 0 {
			return false
		}
		if i > 0 {
			if _, ok := ix.pairs[pairKey(phrase[i-1], w)]; !ok {
				return false
			}
		}
	}
	return true
}
