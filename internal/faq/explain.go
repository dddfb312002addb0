package faq

import (
	"strings"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Explanation says why the index judged a message as it did, for operators
// ("vneidbot ask --explain") and for tuning.
type Explanation struct {
	Folded     string      // the message folded: lower case, no accents
	Read       string      // the words as read, after abbreviations and synonyms
	Asking     string      // the part of a long message that asks ("" when all of it does)
	Telling    string      // the part that tells a story, weighing less
	Terms      []Term      // the terms that counted, with their weights
	Unknown    []string    // words the content never uses
	Candidates []Candidate // the best entries before the verdict
	Sure       float64     // the verdict model's probability that the first entry is right
	AnswerAt   float64     // the probability needed to answer outright
	UnsureAt   float64     // the probability needed to offer "Ý bạn là…"
	Rule       string      // the rule that gave the verdict: model, model-alone, short, two, followup, situation-told, situation-branch, scoped, or "" (none fits)
	Context    Context     // what the conversation already knew
	TopicPrior float64     // score added to the last topic's neighbours (Context.Last and its related entries); 0 without a last topic
	Result     Result      // the judgement, as SearchIn gives it
}

// Term is one term of a question: a syllable or a pair of syllables, its
// weight (rarer in the content weighs more) and how many entries hold it.
type Term struct {
	Text    string
	Weight  float64
	Entries int
}

// Candidate is one entry's standing before the verdict.
type Candidate struct {
	ID       string
	Score    float64 // in [0, 1]
	Evidence float64 // matched weight, in units of the rarest word
	Pairs    int     // syllable pairs shared with the question
	Missed   float64 // share of the question's rare words' weight the entry lacks
}

// Explain judges text as SearchIn does and says why.
func (ix *Index) Explain(text, locale string, cx Context) Explanation {
	if len(text) > MaxQuestion {
		text = strings.ToValidUTF8(text[:MaxQuestion], "")
	}
	x := Explanation{Folded: vntext.Fold(text), AnswerAt: ix.p.answerAt, UnsureAt: ix.p.unsureAt, Context: cx}
	x.Result = ix.SearchIn(text, locale, cx)
	x.Rule = x.Result.by
	x.Asking, x.Telling = focus(text)
	if x.Telling == "" {
		x.Asking = ""
	}
	sc, _ := ix.scratchFor(text)
	defer ix.release(sc)
	words := ix.read(sc, text)
	var read []string
	for _, w := range words {
		read = append(read, ix.word(sc, w))
	}
	x.Read = strings.Join(read, " ")
	x.Unknown = append(x.Unknown, sc.unknown...)
	if len(words) == 0 {
		return x
	}
	m := ix.readParts(sc, text, words)
	q := ix.focusedQuery(sc, m)
	names := ix.pairNames()
	for _, t := range q.terms {
		name := names[t.id]
		if int(t.id) < len(ix.lex.words) {
			name = ix.lex.words[t.id]
		}
		x.Terms = append(x.Terms, Term{Text: name, Weight: round(t.w), Entries: ix.df(t.id)})
	}
	sc.topic = ix.topicEntries(sc.topic[:0], cx.Last)
	best, _ := ix.scoreAll(sc, m)
	sc.topic = sc.topic[:0]
	if _, ok := ix.at[cx.Last]; ok {
		elliptic := ix.elliptic(sc, words)
		ix.nearTopic(best, cx.Last, elliptic)
		x.TopicPrior = ix.p.topicAny
		if elliptic {
			x.TopicPrior = ix.p.topic
		}
	}
	for i, s := range best {
		if i == 5 {
			break
		}
		x.Candidates = append(x.Candidates, Candidate{ID: ix.entries[s.entry].src.ID, Score: round(s.score), Evidence: round(s.evidence), Pairs: int(s.pairs), Missed: round(s.rareMiss)})
	}
	x.Sure = round(ix.sure(sc, best, len(words)))
	return x
}

// word names a word id of a question, known or not.
func (ix *Index) word(sc *scratch, w int32) string {
	if w < 0 {
		return sc.unknown[-w-1]
	}
	return ix.lex.words[w]
}

// pairNames names every pair term ("mat_khau"), for explanations only.
func (ix *Index) pairNames() map[int32]string {
	names := map[int32]string{}
	ix.pairs.each(func(k uint64, id int32) {
		names[id] = ix.lex.words[k>>32] + "_" + ix.lex.words[uint32(k)]
	})
	return names
}
