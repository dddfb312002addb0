// Package faq finds the FAQ entry that answers a citizen's free-text
// question, typed with or without accents and with common abbreviations, and
// says how sure it is.
package faq

import (
	"math"
	"sort"
	"strings"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Verdict is how the index judges a question.
type Verdict int

// Verdicts, from "nothing fits" to "answer this".
const (
	NoMatch    Verdict = iota // nothing fits: show the fallback
	Confident                 // answer Hits[0]
	Unsure                    // offer Hits as "did you mean"
	OutOfScope                // about another service: say this bot covers VNeID only
	Greeting                  // "alo", "xin chào": a short human reply
	Thanks                    // "cảm ơn": a short human reply
)

func (v Verdict) String() string {
	return [...]string{"none", "confident", "unsure", "out_of_scope", "greeting", "thanks"}[v]
}

// Hit is one candidate entry with its score in [0, 1].
type Hit struct {
	ID       string
	Score    float64
	Question string // the entry's title in the asked locale
}

// Result is the answer to one question: a verdict and the best hits, best first.
type Result struct {
	Verdict Verdict
	Hits    []Hit
}

// Thresholds on the score of the best hit.
const (
	confidentAt = 0.55
	unsureAt    = 0.25
	maxHits     = 3
)

// Index answers questions against one content catalog. It is immutable and
// safe for concurrent use; build a new one when content changes.
type Index struct {
	cat     *content.Catalog
	abbr    map[string]string
	entries []doc
	idf     map[string]float64
	greet   map[string]bool
	thanks  map[string]bool
	offTop  []string
}

type doc struct {
	id    string
	terms map[string]bool
}

// New builds an index over the catalog's FAQ entries.
func New(c *content.Catalog) *Index {
	ix := &Index{cat: c, abbr: map[string]string{}, idf: map[string]float64{}, greet: set(c.Vocab.Greetings), thanks: set(c.Vocab.Thanks)}
	for k, v := range c.Vocab.Abbreviations {
		ix.abbr[vntext.Fold(k)] = vntext.Fold(v)
	}
	for _, o := range c.Vocab.OutOfScope {
		ix.offTop = append(ix.offTop, vntext.Fold(o))
	}
	df := map[string]int{}
	for _, e := range c.FAQ {
		d := doc{id: e.ID, terms: map[string]bool{}}
		texts := append([]string{}, e.Keywords...)
		for _, t := range e.Title {
			texts = append(texts, t)
		}
		for _, qs := range e.Questions {
			texts = append(texts, qs...)
		}
		for _, t := range texts {
			for _, term := range ix.terms(t) {
				d.terms[term] = true
			}
		}
		for term := range d.terms {
			df[term]++
		}
		ix.entries = append(ix.entries, d)
	}
	n := float64(len(ix.entries))
	for term, f := range df {
		ix.idf[term] = math.Log(1 + n/float64(f))
	}
	return ix
}

func set(words []string) map[string]bool {
	m := map[string]bool{}
	for _, w := range words {
		m[vntext.Fold(w)] = true
	}
	return m
}

// terms folds text, expands abbreviations and returns its words and
// adjacent-word pairs (Vietnamese meaning lives in syllable pairs).
func (ix *Index) terms(text string) []string {
	var words []string
	for _, w := range vntext.Words(text) {
		if full, ok := ix.abbr[w]; ok {
			words = append(words, strings.Fields(full)...)
			continue
		}
		words = append(words, w)
	}
	out := append([]string{}, words...)
	for i := 0; i+1 < len(words); i++ {
		out = append(out, words[i]+"_"+words[i+1])
	}
	return out
}

// Search judges text and returns the best entries.
func (ix *Index) Search(text, locale string) Result {
	folded := vntext.Fold(text)
	if folded == "" {
		return Result{Verdict: NoMatch}
	}
	if ix.greet[folded] {
		return Result{Verdict: Greeting}
	}
	if ix.thanks[folded] {
		return Result{Verdict: Thanks}
	}
	q := ix.terms(text)
	var total float64
	for _, t := range q {
		total += ix.weight(t)
	}
	var hits []Hit
	for _, d := range ix.entries {
		var s float64
		for _, t := range q {
			if d.terms[t] {
				s += ix.weight(t)
			}
		}
		if s > 0 && total > 0 {
			hits = append(hits, Hit{ID: d.id, Score: s / total})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	if len(hits) > maxHits {
		hits = hits[:maxHits]
	}
	for i := range hits {
		hits[i].Question = ix.cat.Entry(hits[i].ID).Title.Get(locale, ix.cat.DefaultLocale())
	}
	switch {
	case len(hits) > 0 && hits[0].Score >= confidentAt:
		return Result{Verdict: Confident, Hits: hits}
	case ix.offTopic(folded):
		return Result{Verdict: OutOfScope}
	case len(hits) > 0 && hits[0].Score >= unsureAt:
		return Result{Verdict: Unsure, Hits: hits}
	}
	return Result{Verdict: NoMatch, Hits: hits}
}

// weight is a term's inverse document frequency; unknown terms weigh as much
// as the rarest known ones, so a question full of unknown words scores low.
func (ix *Index) weight(t string) float64 {
	if w, ok := ix.idf[t]; ok {
		return w
	}
	return math.Log(1 + float64(len(ix.entries)))
}

func (ix *Index) offTopic(folded string) bool {
	padded := " " + folded + " "
	for _, o := range ix.offTop {
		if strings.Contains(padded, " "+o+" ") {
			return true
		}
	}
	return false
}
