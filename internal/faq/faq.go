// Package faq finds the FAQ entry that answers a citizen's free-text
// question, typed with or without accents, with teen-code, abbreviations and
// typos, and says how sure it is.
//
// Every entry's title, keywords and question variants are folded
// (vntext.Fold), rewritten with the content's vocabulary (abbreviations and
// synonyms to one form) and cut into syllables and adjacent-syllable pairs,
// since Vietnamese meaning lives in pairs ("mật khẩu", "định danh"). A
// question goes through the same steps, plus one-letter typo and
// run-together-word repair for syllables the index does not know. Each
// entry is scored by how much of the question's weight (inverse document
// frequency) it covers, blended with the best single variant's overlap; the
// score is in [0, 1] and the verdict comes from calibrated thresholds on the
// best score and its lead over the second.
package faq

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

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

// String returns the verdict's name, as logged, counted in metrics and
// printed by "vneidbot ask": none, confident, unsure, out_of_scope,
// greeting or thanks.
func (v Verdict) String() string {
	names := [...]string{"none", "confident", "unsure", "out_of_scope", "greeting", "thanks"}
	if v < 0 || int(v) >= len(names) {
		return "unknown"
	}
	return names[v]
}

// Hit is one candidate entry with its score in [0, 1].
type Hit struct {
	ID       string
	Score    float64
	Question string // the entry's title in the asked locale
}

// Result is the answer to one question: a verdict and the best hits, best
// first. Hits is empty for Greeting, Thanks and OutOfScope.
type Result struct {
	Verdict Verdict
	Hits    []Hit

	// Followup is set when the message asks on about Context.Last ("vậy
	// giờ làm sao"): Hits[0] is that entry, and the reply should be its
	// next action rather than the same answer.
	Followup bool
	// Second is another question asked in the same message, to offer after
	// the answer to the first.
	Second *Hit
	// Situations are the situation ids this message describes; Situation
	// is the one that picked Hits[0] (from this message or the Context).
	Situations []string
	Situation  string
	// Vague is set when the message says nothing but that it is about
	// VNeID or asks for help ("cái vneid này làm sao", "can you help me"),
	// whatever entry scored best: the main menu, which names the steps,
	// answers it better than a guess. Never for a follow-up of the last
	// topic, a greeting or thanks.
	Vague bool
	// Lang is the locale the message is written in when that is clear, else
	// ""; LangRequest is the locale it asks for ("english please").
	Lang, LangRequest string

	// by names the rule that gave the verdict, for Explain and tuning.
	by string
}

// MaxHits is how many hits a Result carries at most.
const MaxHits = 3

// params are the tuning knobs of the scorer. The defaults were calibrated on
// the evaluation set (testdata/eval.yaml) and on leave-one-out runs over the
// content's own variants; see docs/benchmarks.md.
type params struct {
	bigram       float64 // weight of a syllable pair relative to its idf
	unknown      float64 // weight of an unknown word, as a share of the rarest word's
	number       float64 // same for an unknown number
	numeric      float64 // weight of a known number relative to its idf ("70" in "70 tuổi")
	offTopic     float64 // extra weight of a term about another service the content never mentions
	typo         float64 // credit for a word matched through a one-letter repair
	minTypo      int     // shortest word (in letters) that is repaired
	sat          float64 // tf saturation: a term in tf fields scores tf/(tf+sat)
	blend        float64 // share of entry coverage in the score; the rest is the best variant
	confident    float64 // best score needed to answer
	lead         float64 // and its lead over the second best
	sure         float64 // a score above which the lead does not matter
	unsure       float64 // best score needed to offer suggestions
	unsureAlone  float64 // the same when the question shares no syllable pair with the entry
	floor        float64 // lowest score offered as a suggestion at all
	evidence     float64 // matched weight needed to answer, in rarest-word units
	pairs        int32   // syllable pairs the best entry must share with the question to answer
	clause       float64 // weight a clause needs to be scored on its own, in rarest-word units
	twoLead      int     // how high in the whole message's ranking each of two questions must be
	longMessage  int     // words from which commas also part clauses
	rerank       int     // entries re-scored on their best variant
	shortWords   int     // content words up to which a message is short: thresholds judge it, not the model
	verdict      logistic
	otherLang    float64 // added to the verdict's log-odds for a message written in another language than the content's
	answerAt     float64 // probability of being right needed to answer
	unsureAt     float64 // probability needed to offer "Ý bạn là…"; below it, the fallback
	offTopicList float64 // how far below answerAt a message naming another service the content speaks of still gets "Ý bạn là…"
	close        float64 // how far below the best a suggestion may score
	followupRest float64 // weight a follow-up may carry besides its phrase, in rarest-word units ("còn passcode thì sao" asks anew)
	story        float64 // weight of a long message's telling sentences against its asking ones
	fieldAlpha   float64 // share of the question's weight in a field's overlap denominator (0.5: Dice); less favours a variant the question holds whole
	social       int     // longest message (in words) read as a greeting or thanks
	topic        float64 // score added to the last topic and its related entries after an elliptic message
	lastTopic    float64 // and to the last topic itself besides
	topicAny     float64 // the same after a message that reads on its own
	ellipticRest float64 // weight a message may carry besides its follow-up phrase and still lean on the last topic, in rarest-word units
	leaveTopic   float64 // lead over the last topic an entry outside it needs to answer a short message outright
}

var defaults = params{
	bigram:       0.6,
	unknown:      0.8,
	number:       0.2,
	numeric:      0.3,
	offTopic:     1.5,
	typo:         0.75,
	minTypo:      4,
	sat:          0.25,
	blend:        0.6,
	confident:    0.5,
	lead:         0.1,
	sure:         0.8,
	unsure:       0.25,
	unsureAlone:  0.45,
	floor:        0.12,
	evidence:     0.55,
	pairs:        1,
	clause:       1.5,
	twoLead:      2,
	longMessage:  20,
	rerank:       12,
	fieldAlpha:   0.3,
	story:        0.5,
	followupRest: 0.8,
	shortWords:   4,
	verdict:      logistic{bias: -6.282, w: [nFeatures]float64{3.782, 2.305, 2.496, 2.781, 1.716, 2.432, 1.476, 0.000, -0.873}},
	otherLang:    0.911,
	answerAt:     0.88,
	unsureAt:     0.80,
	offTopicList: 0.03,
	close:        0.15,
	social:       8,
	topic:        0.2,
	lastTopic:    0.05,
	topicAny:     0.1,
	ellipticRest: 2.5,
	leaveTopic:   0.35,
}

// FallbackKey is the message key of the fallback: one that points at the
// entries offered when there are some (the right one is often among them,
// and "I did not understand" above them reads as a dead end), or the plain
// apology. Content published before faq_fallback_hits existed keeps the
// apology.
func FallbackKey(cat *content.Catalog, hits []Hit) string {
	if _, ok := cat.Messages["faq_fallback_hits"]; ok && len(hits) > 0 {
		return "faq_fallback_hits"
	}
	return "faq_fallback"
}

// Index answers questions against one content catalog. It is immutable and
// safe for concurrent use; build a new one when content changes.
type Index struct {
	cat     *content.Catalog
	p       params
	lex     *lexicon
	an      *analyzer
	greet   phrases
	vague   phrases // words that only say the message is about VNeID
	thanks  phrases
	offTop  phrases
	foreign phrases         // out-of-scope phrases the content never uses
	scope   phrases         // words naming VNeID itself: such a message is never out of scope
	scam    map[string]bool // situations telling a scam: the bank named then is part of it
	joiners phrases
	conv    conversation

	// Terms: a syllable's term id is its word id; the pair of syllables
	// (a, b) has the id pairs[a<<32|b], numbered after all words.
	pairs   pairTable
	weight  []float64 // term id → idf (pairs already multiplied by p.bigram)
	flat    []posting // every term's postings, term after term
	postAt  []int32   // term id → where its postings start in flat; one more for the end
	terms   []int32   // every field's terms, field after field
	fields  []field   // every entry's fields, entry after entry
	typos   map[string][]int32
	entries []entry
	at      map[string]int32 // entry id → its index in entries
	// neighbours are, by entry, the entries it names as related and those
	// naming it, sorted.
	neighbours [][]int32
	maxIDF     float64
	// afterNumber maps a folded short form to the words it stands for
	// right after a number ("10t": "10 tuổi").
	afterNumber map[string][]int32
	pool        sync.Pool // *scratch
}

type posting struct {
	entry int32
	tf    int32 // number of the entry's fields (title, keywords, variants) holding the term
}

type entry struct {
	src        *content.Entry
	first, end int32 // its fields: ix.fields[first:end]
}

// field is one title, keyword or question variant: its unique terms are
// ix.terms[from:to]. Offsets rather than slices keep the index free of
// pointers, which the garbage collector then need not scan.
type field struct {
	from, to int32
	weight   float64 // sum of the terms' weights
}

// postings returns the entries holding term t, in entry order.
func (ix *Index) postings(t int32) []posting { return ix.flat[ix.postAt[t]:ix.postAt[t+1]] }

// df is the number of entries holding term t.
func (ix *Index) df(t int32) int { return int(ix.postAt[t+1] - ix.postAt[t]) }

// pairFlag marks a pair's provisional id while the index is being built,
// before the number of words is known.
const pairFlag = 1 << 30

// eachFieldText calls fn with each of an entry's texts that questions are
// compared with: titles, keywords, question variants, locales in order.
func eachFieldText(e *content.Entry, fn func(string)) {
	eachField(e, func(text, _ string) { fn(text) })
}

// eachField is eachFieldText that also gives a title's locale; it is ""
// for keywords and question variants.
func eachField(e *content.Entry, fn func(text, titleLocale string)) {
	var buf [4]string
	for _, l := range smallSortedKeys(buf[:0], e.Title) {
		fn(e.Title[l], l)
	}
	for _, k := range e.Keywords {
		fn(k, "")
	}
	for _, l := range smallSortedKeys(buf[:0], e.Questions) {
		for _, q := range e.Questions[l] {
			fn(q, "")
		}
	}
}

// smallSortedKeys appends the keys of a map of a few locales to dst, sorted,
// without allocating when they fit dst's capacity.
func smallSortedKeys[V any](dst []string, m map[string]V) []string {
	for k := range m {
		dst = append(dst, k)
		for i := len(dst) - 1; i > 0 && dst[i] < dst[i-1]; i-- {
			dst[i], dst[i-1] = dst[i-1], dst[i]
		}
	}
	return dst
}

// sortedKeys returns the keys of m in order.
func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Len is the number of entries in the index.
func (ix *Index) Len() int { return len(ix.entries) }

// maxClauses is how many clauses of one message are scored on their own.
const maxClauses = 12

// MaxQuestion is how much of a message Search reads, in bytes: far more
// than a rambling question, and a bound on the work a stranger can cause.
const MaxQuestion = 2000

// Search judges text on its own, with no conversation behind it.
func (ix *Index) Search(text, locale string) Result { return ix.SearchIn(text, locale, Context{}) }

// SearchIn judges text as a message of a conversation that knows cx, and
// returns the best entries, best first, with their questions (titles) in
// locale or the content's default locale.
func (ix *Index) SearchIn(text, locale string, cx Context) Result {
	if len(text) > MaxQuestion {
		text = strings.ToValidUTF8(text[:MaxQuestion], "")
	}
	sc, lang := ix.scratchFor(text)
	defer ix.release(sc)
	words := ix.read(sc, text)
	if len(words) == 0 {
		return Result{Verdict: NoMatch}
	}
	asked := ix.conv.requested(words, lang)
	if v, ok := ix.social(words); ok {
		return Result{Verdict: v, Lang: lang, LangRequest: asked}
	}
	r := ix.judge(sc, text, words, locale, cx)
	r.Lang, r.LangRequest = lang, asked
	r.Vague = (r.Verdict == Unsure || r.Verdict == NoMatch || r.Verdict == Confident && !r.Followup) && ix.vagueOnly(words)
	return r
}

// vagueOnly reports whether words hold nothing but greetings, stopwords
// and vague words.
func (ix *Index) vagueOnly(words []int32) bool {
	rest, _, _ := ix.stripSocial(words)
	rest, found := ix.vague.strip(ix.an.content(nil, rest))
	return found && len(ix.an.content(nil, rest)) == 0
}

// judge finds the entry for a message that is not small talk: a follow-up
// of the last topic, or the best entry for what it asks, in the citizen's
// situation.
func (ix *Index) judge(sc *scratch, text string, words []int32, locale string, cx Context) Result {
	content, at := ix.an.contentAt(nil, make([]int, 0, len(words)), words)
	sits := ix.conv.byAge(ix.conv.situationsIn(words, content, at), ix.ages(sc, words))
	all := append(slices.Clone(cx.Situations), sits...) // told before and now
	if cx.Last != "" && ix.cat.Entry(cx.Last) != nil && ix.followup(sc, words, cx.Last) {
		// "vậy giờ làm sao": the last topic's next action, or, when what the
		// citizen has told since picks another entry, that entry's answer.
		id, why := ix.conv.prefer(cx.Last, all)
		e := ix.cat.Entry(id)
		if e == nil {
			id, why, e = cx.Last, "", ix.cat.Entry(cx.Last)
		}
		return Result{Verdict: Confident, by: "followup", Followup: why == "", Situations: sits, Situation: why,
			Hits: []Hit{{ID: e.ID, Score: 1, Question: e.Title.Get(locale, ix.cat.DefaultLocale())}}}
	}
	r := ix.search(sc, text, words, locale, cx.Last, all)
	r.Situations = sits
	if len(r.Hits) > 0 && (r.Verdict == Confident || r.Verdict == Unsure) && ix.scopedAway(r.Hits[0].ID, words, cx.Last) {
		// "làm hộ chiếu ở nước ngoài": an entry whose subject other
		// services share, for a message that never names VNeID.
		r.Verdict, r.by = NoMatch, "scoped"
	}
	// A fallback too may hold the entry written for the situation told.
	weak := r.Verdict == NoMatch && len(sits) > 0 && len(r.Hits) > 0 && r.Hits[0].Score >= ix.p.unsure
	if len(r.Hits) == 0 || r.Verdict != Confident && r.Verdict != Unsure && !weak {
		return r
	}
	if to, why := ix.conv.prefer(r.Hits[0].ID, all); why != "" && !ix.scopedAway(to, words, cx.Last) {
		if e := ix.cat.Entry(to); e != nil {
			// The score is read first: a situation may name the best entry
			// itself ("asked_for_code" keeps report_scam), and with no
			// other hit the list is empty once it is taken out.
			score := r.Hits[0].Score
			r.Hits = slices.DeleteFunc(r.Hits, func(h Hit) bool { return h.ID == to })
			r.Hits = slices.Insert(r.Hits, 0, Hit{ID: to, Score: score, Question: e.Title.Get(locale, ix.cat.DefaultLocale())})
			r.Hits = r.Hits[:min(len(r.Hits), MaxHits)]
			r.Situation = why
		}
	}
	if h, why, ok := ix.toldAlone(sc, words, sits, r.Hits); ok && !ix.scopedAway(h.ID, words, cx.Last) {
		// "tôi chỉ có cmnd thôi": telling the situation is the question.
		return Result{Verdict: Confident, by: "situation-alone", Situations: sits, Situation: why, Hits: []Hit{h}}
	}
	if ix.conv.written(r.Hits[0].ID, sits) == "" {
		// An entry written for the situation the message tells, close to
		// the best, is the branch for this citizen ("Oppo đời cũ, không có
		// NFC"), offered first. In a fallback too: "mẹ già nằm liệt
		// giường, … làm tài khoản cho mẹ" ranks the children's entry a
		// little above the one for those who cannot travel.
		for i, h := range r.Hits[1:] {
			if ix.conv.written(h.ID, sits) != "" && h.Score >= r.Hits[0].Score-ix.p.close {
				r.Hits = append([]Hit{h}, slices.Delete(slices.Clone(r.Hits), i+1, i+2)...)
				r.Verdict, r.by = Unsure, "situation-branch"
				break
			}
		}
	}
	if r.Verdict != Confident && r.by != "situation-branch" && r.by != "scoped" && ix.conv.written(r.Hits[0].ID, sits) != "" {
		// The citizen told the situation this entry is written for, and it
		// leads: that settles the doubt ("máy cũ bị mất rồi, đăng nhập máy mới").
		r.Verdict, r.Hits, r.Situation, r.by = Confident, r.Hits[:1], ix.conv.written(r.Hits[0].ID, sits), "situation-told"
	}
	return r
}

// scopedAway reports whether entry id answers only messages naming VNeID
// (a scoped entry) and this one, which opens a conversation, does not
// ("đang ở nước ngoài làm lại hộ chiếu được không" is no VNeID question,
// whatever situation it tells).
func (ix *Index) scopedAway(id string, words []int32, last string) bool {
	i, ok := ix.at[id]
	return ok && last == "" && ix.entries[i].src.Scoped && !ix.scope.in(words)
}

// ages returns the ages a message tells: numbers followed by an age word
// ("10 tuổi", "15t", "8 years old") and not bounds ("dưới 14 tuổi").
func (ix *Index) ages(sc *scratch, words []int32) []int {
	var out []int
	for i := 1; i < len(words); i++ {
		if ix.conv.ageWords.at(words[i:]) == 0 || endsWith(ix.conv.ageBounds, words[:i-1]) {
			continue
		}
		if n, err := strconv.Atoi(ix.word(sc, words[i-1])); err == nil && n >= 0 && n < 150 {
			out = append(out, n)
		}
	}
	return out
}

// followup reports whether words ask on about the last topic: they hold a
// follow-up phrase and, without it and the situation they tell, too little
// to be a question of their own.
func (ix *Index) followup(sc *scratch, words []int32, last string) bool {
	rest, found := ix.withoutFollowup(words)
	if !found {
		return false
	}
	for _, s := range ix.conv.situations {
		// Telling a situation that picks another answer for the last topic
		// is no question of its own: "có tin nhắn rồi, giờ làm gì tiếp"
		// after the wait for approval asks for the activation. One the last
		// topic does not branch on is: "em chưa có thẻ căn cước thì sao"
		// after changing the number asks about the card.
		var told bool
		if rest, told = s.cues.strip(rest); told {
			if _, ok := s.prefer[last]; !ok {
				return false
			}
		}
	}
	q := ix.query(sc, rest)
	if q.total >= ix.p.followupRest*ix.maxIDF {
		return false
	}
	// "giờ passcode thì sao" after the forgotten password: what is left
	// leads to a neighbour of the last topic, well above the last topic,
	// which mentions it only in passing ("not the passcode"): it asks anew.
	l := ix.at[last]
	if s := ix.score(sc, q); len(s) > 0 && s[0].entry != l && ix.related(s[0].entry, l) && s[0].score-scoreOf(s, l) >= newSubjectLead {
		return false
	}
	// "còn passcode thì sao" after the password rules names a new subject,
	// a rare word the last topic never uses: it asks anew.
	nw := int32(len(ix.lex.words))
	for _, t := range q.terms {
		if t.id >= nw || ix.holds(l, t.id) {
			continue
		}
		// "quên nó rồi thì sao" after the passcode rules: a word the last
		// topic never uses but an entry next to it does ("quên passcode")
		// names that entry's subject.
		if t.w >= rareWord*ix.maxIDF || t.w >= nearWord*ix.maxIDF && ix.neighbourHolds(l, t.id) {
			return false
		}
	}
	return true
}

// newSubjectLead is how far above the last topic a neighbour must score,
// on a follow-up's words alone, to be asked about instead.
const newSubjectLead = 0.1

// scoreOf returns entry e's score in s, or 0.
func scoreOf(s []scored, e int32) float64 {
	for _, x := range s {
		if x.entry == e {
			return x.score
		}
	}
	return 0
}

// nearWord is the weight, in rarest-word units, from which a word a
// neighbour of the last topic holds names a new subject in a follow-up.
const nearWord = 0.15

// neighbourHolds reports whether an entry next to e (related either way)
// holds term t.
func (ix *Index) neighbourHolds(e, t int32) bool {
	for _, n := range ix.neighbours[e] {
		if ix.holds(n, t) {
			return true
		}
	}
	return false
}

// holds reports whether entry e holds term t in any of its fields.
func (ix *Index) holds(e, t int32) bool {
	_, ok := slices.BinarySearchFunc(ix.postings(t), e, func(p posting, e int32) int { return cmp.Compare(p.entry, e) })
	return ok
}

// search scores a question against every entry and gives the verdict. last
// is the topic answered last, "" when none: it and the entries it names as
// related lead a tie ("thế có mất tiền không" after the place to register).
// sits are the situations told, before and in this message.
func (ix *Index) search(sc *scratch, text string, words []int32, locale, last string, sits []string) Result {
	m := ix.readParts(sc, text, words)
	// Another service named in a story ("bố muốn có VNeID để đi khám bệnh
	// cho tiện. Dùng CMND có đăng ký được không?") is not what is asked.
	// A message naming VNeID itself is about it, whatever else it names
	// ("ngân hàng bắt xác thực VNeID là sao"): never refused as another
	// service's.
	offTopic := ix.offTop.in(m.ask) && !ix.scope.in(m.ask) && !ix.scamTold(last, sits)
	foreign := offTopic && ix.foreign.in(m.ask)
	sc.topic = ix.topicEntries(sc.topic[:0], last)
	best, tops := ix.scoreAll(sc, m)
	sc.topic = sc.topic[:0]
	if last != "" {
		ix.nearTopic(best, last, ix.elliptic(sc, words))
	}
	if first, second, ok := ix.twoQuestions(tops, best); ok && !foreign {
		// Two questions in one message: answer the first asked, offer the other.
		best = slices.DeleteFunc(best, func(s scored) bool { return s.entry == first.entry || s.entry == second.entry })
		best = slices.Insert(best, 0, first, second)
		r := Result{Verdict: Confident, Hits: ix.hits(best, locale), by: "two"}
		r.Second = &r.Hits[1]
		return r
	}
	hits := ix.hits(best, locale)
	if len(hits) == 0 {
		if offTopic {
			return Result{Verdict: OutOfScope}
		}
		return Result{Verdict: NoMatch}
	}
	top := best[0]
	second := 0.0
	if len(best) > 1 {
		second = best[1].score
	}
	long := len(ix.an.content(nil, words)) > ix.p.shortWords // a short message is judged by thresholds, not the model
	// The verdict model's probability that best[0] is right; long messages only.
	sure := 0.0
	if long {
		sure = ix.sure(sc, best, len(words))
	}
	// A short message in a conversation leans on the last topic: one that
	// another entry wins only narrowly, outside the topic, is not answered
	// outright ("mất bao lâu thì mở" after the locked account: the wait
	// for approval scores as high as the unlocking).
	leaves := !long && last != "" && !top.near && top.score-ix.lastScore(best, last) < ix.p.leaveTopic &&
		!ix.preferredNear(top.entry, last, sits) // a foreigner asking what to bring: their own entry
	switch {
	case long && sure >= ix.p.answerAt && top.score-second >= tie && (!foreign || top.score >= ix.p.sure):
		// Never outright between entries tied at the top, however sure the
		// model is of the ranking ("…bắt buộc đổi thẻ không, có mất phí
		// không?": the fees, the merger and the address scam within 0.03).
		return Result{Verdict: Confident, Hits: hits, by: "model"}
	// A short message scoring high answers with a syllable pair in common,
	// or, in a conversation, clear of the second in the last topic's
	// neighbourhood ("còn passcode thì sao" after the password rules).
	case !long && !leaves && (ix.strong(best) && (!foreign || top.score >= ix.p.sure) || // "vssid quên mật khẩu" is not about VNeID
		top.score >= ix.p.sure && top.score-second >= tie && top.evidence >= ix.p.evidence && (top.pairs >= ix.p.pairs || top.near && top.score-second >= ix.p.lead)):
		return Result{Verdict: Confident, Hits: hits, by: "short"}
	case offTopic && (foreign || !long || sure < ix.p.answerAt-ix.p.offTopicList):
		// Names another service and is not answered outright: no "Ý bạn
		// là…" list for it, unless the model is nearly sure enough to
		// answer (a scam story that names the bank, between the scam
		// entries).
		return Result{Verdict: OutOfScope}
	case long && sure >= ix.p.unsureAt:
		// "Ý bạn là…": only the entries truly close to the best one.
		close := hits[:1]
		for _, h := range hits[1:] {
			if h.Score >= hits[0].Score-ix.p.close {
				close = append(close, h)
			}
		}
		if len(close) == 1 {
			return Result{Verdict: Confident, Hits: hits, by: "model-alone"} // nothing close to choose from
		}
		return Result{Verdict: Unsure, Hits: close}
	case !long && top.score >= ix.p.unsure && (top.pairs >= 1 || top.score >= ix.p.unsureAlone):
		return Result{Verdict: Unsure, Hits: hits}
	}
	return Result{Verdict: NoMatch, Hits: hits}
}

// preferredNear reports whether the situations told turn entry e into the
// last topic or an entry next to it.
func (ix *Index) preferredNear(e int32, last string, sits []string) bool {
	to, why := ix.conv.prefer(ix.entries[e].src.ID, sits)
	if why == "" {
		return false
	}
	t, ok := ix.at[to]
	l, okLast := ix.at[last]
	if !ok || !okLast {
		return false
	}
	return t == l || ix.related(l, t)
}

// lastScore returns the score of the last topic among best, 0 when absent.
func (ix *Index) lastScore(best []scored, last string) float64 {
	l, ok := ix.at[last]
	if !ok {
		return 0
	}
	for _, s := range best {
		if s.entry == l {
			return s.score
		}
	}
	return 0
}

// nearTopic raises the scores of the last topic and of its neighbours (the
// entries it names as related or that name it), the last topic a little
// more: a follow-up asks on about the same topic.
func (ix *Index) nearTopic(best []scored, last string, elliptic bool) {
	l, ok := ix.at[last]
	if !ok {
		return
	}
	prior, lastPrior := ix.p.topicAny, 0.0
	if elliptic {
		prior, lastPrior = ix.p.topic, ix.p.lastTopic
	}
	for i := range best {
		e := best[i].entry
		if e == l {
			best[i].score += lastPrior
		}
		if _, near := slices.BinarySearch(ix.neighbours[l], e); near || e == l {
			best[i].score = min(1, best[i].score+prior)
			best[i].near = true
		}
	}
	sortScored(best)
}

// elliptic reports whether a message leans on the conversation: it is short,
// or holds a follow-up phrase and little besides ("còn passcode thì sao",
// not "quét chip vẫn không được thì sao, máy Samsung A52"). A message that
// reads on its own keeps the smaller prior: after an unrelated answer it
// must find its own entry.
func (ix *Index) elliptic(sc *scratch, words []int32) bool {
	content := ix.an.content(nil, words)
	if len(content) <= ix.p.shortWords {
		return true
	}
	rest, found := ix.withoutFollowup(words)
	return found && ix.query(sc, rest).total < ix.p.ellipticRest*ix.maxIDF
}

// FollowupOnly reports whether text is a follow-up phrase with nothing of
// its own to search ("z h sao", "rồi sao nữa", "what now"): a part of a
// longer message that only asks what next, not a question of its own.
func (ix *Index) FollowupOnly(text string) bool {
	sc, _ := ix.scratchFor(text)
	defer ix.release(sc)
	rest, found := ix.withoutFollowup(ix.read(sc, text))
	return found && len(ix.an.content(nil, rest)) == 0
}

// withoutFollowup returns words without their follow-up phrases, found
// when there was one: among the words as typed, or else among their
// content words ("vậy giờ tôi phải làm sao": the phrase with a pronoun
// inside).
func (ix *Index) withoutFollowup(words []int32) (rest []int32, found bool) {
	if rest, found = ix.conv.followups.strip(words); found {
		return rest, true
	}
	return ix.conv.followups.strip(ix.an.content(nil, words))
}

// topicEntries appends to dst the entries of the last topic: it and its
// neighbours.
func (ix *Index) topicEntries(dst []int32, last string) []int32 {
	if l, ok := ix.at[last]; ok {
		dst = append(append(dst, l), ix.neighbours[l]...)
	}
	return dst
}

// twoQuestions finds, among the clauses' own answers in message order, the
// first and another that asks about something else. Both must lead the
// whole message's ranking too, so that a story before the question ("hôm
// qua tôi lên công an xã…") is not taken for a question. Two entries that
// name each other as related are one topic told twice, unless the first
// also leads the whole message: "Cài VNeID trên iPhone sao ạ? Mà app giả
// nhận biết thế nào" asks two things of neighbouring entries.
func (ix *Index) twoQuestions(tops, best []scored) (first, second scored, ok bool) {
	leads := func(s scored) bool {
		for _, b := range best[:min(ix.p.twoLead, len(best))] {
			if b.entry == s.entry {
				return true
			}
		}
		return false
	}
	for i, a := range tops {
		for _, b := range tops[i+1:] {
			if b.entry != a.entry && leads(a) && leads(b) && (!ix.related(a.entry, b.entry) || a.entry == best[0].entry) {
				return a, b, true
			}
		}
	}
	return scored{}, scored{}, false
}

// scamTold reports whether a conversation that has been answered (last)
// was told a scam: its bank or its money named next is part of it ("tôi
// có tài khoản ngân hàng trên máy đó"), not another service.
func (ix *Index) scamTold(last string, sits []string) bool {
	return last != "" && slices.ContainsFunc(sits, func(s string) bool { return ix.scam[s] })
}

// related reports whether two entries name each other as related: then
// they are one topic, not two questions.
func (ix *Index) related(a, b int32) bool {
	_, ok := slices.BinarySearch(ix.neighbours[a], b)
	return ok
}

// hits turns the best scores into hits, down to the floor.
func (ix *Index) hits(best []scored, locale string) []Hit {
	var hits []Hit
	for _, s := range best {
		if s.score < ix.p.floor || len(hits) == MaxHits {
			break
		}
		e := ix.entries[s.entry].src
		hits = append(hits, Hit{ID: e.ID, Score: round(s.score), Question: e.Title.Get(locale, ix.cat.DefaultLocale())})
	}
	return hits
}

// toldAlone finds, for a message that tells a situation and asks nothing
// else ("tôi chỉ có cmnd thôi"), the best offered entry written for it.
func (ix *Index) toldAlone(sc *scratch, words []int32, sits []string, hits []Hit) (Hit, string, bool) {
	if len(sits) == 0 {
		return Hit{}, "", false
	}
	rest := ix.an.content(nil, words)
	for _, s := range ix.conv.situations {
		if slices.Contains(sits, s.id) {
			rest, _ = s.cues.strip(rest)
		}
	}
	if ix.query(sc, rest).total >= ix.p.followupRest*ix.maxIDF {
		return Hit{}, "", false
	}
	for _, h := range hits {
		if why := ix.conv.written(h.ID, sits); why != "" {
			return h, why, true
		}
	}
	return Hit{}, "", false
}

// tie is how close two entries' scores must be for the question to be
// ambiguous however high they are: the citizen then chooses ("Ý bạn là…").
const tie = 0.01

func round(f float64) float64 { return math.Round(f*1000) / 1000 }

// scratch is per-search working memory, pooled.
type scratch struct {
	buf     []byte
	unknown []string  // words the lexicon lacks; a word id -1-i is unknown[i]
	acc     []float64 // by entry
	pairs   []int32   // by entry: pairs matched
	touched []int32
	slots   []qterm
	topic   []int32 // entries of the last topic (it and its related ones): kept among the candidates
	other   bool    // the message is written in another language than the content's own
}

// scratchFor takes working memory to read text with, and tells the
// language text is written in ("" when it cannot say); give the memory
// back with release.
func (ix *Index) scratchFor(text string) (*scratch, string) {
	sc := ix.pool.Get().(*scratch)
	sc.unknown = sc.unknown[:0]
	lang := ix.conv.language(text, ix.cat.DefaultLocale())
	sc.other = lang != "" && lang != ix.cat.DefaultLocale()
	return sc, lang
}

func (ix *Index) release(sc *scratch) {
	sc.other = false
	ix.pool.Put(sc)
}

// lookup returns the word ids of text; words the index has never seen get
// negative ids that index sc.unknown (which Search empties).
func (ix *Index) lookup(sc *scratch, text string) []int32 {
	sc.buf = vntext.AppendFold(sc.buf[:0], ix.an.marked.apply(text))
	var ids []int32
	number := false // the word before was a number
	for w := range vntext.SplitFolded(sc.buf) {
		if to, ok := ix.afterNumber[string(w)]; ok && number {
			ids = append(ids, to...)
			number = false
			continue
		}
		number = len(w) > 0 && !slices.ContainsFunc(w, func(c byte) bool { return !isDigit(c) })
		if id, ok := ix.lex.lookup(w); ok {
			ids = append(ids, id)
			continue
		}
		sc.unknown = append(sc.unknown, string(w))
		ids = append(ids, int32(-len(sc.unknown)))
	}
	return ids
}

// read returns the word ids of a message, rewritten with the vocabulary;
// a phrase of the vocabulary broken by filler words counts as the phrase.
func (ix *Index) read(sc *scratch, text string) []int32 {
	return ix.an.rewriteGaps(nil, ix.lookup(sc, text), ix.filler)
}

// filler reports whether a word of a message says little: a stopword, a
// word the content never uses, or one most entries hold ("cái", "gì").
func (ix *Index) filler(w int32) bool {
	return w < 0 || ix.an.isStop(w) || int(w) < len(ix.lex.words) && float64(ix.df(w)) >= fillerShare*float64(len(ix.entries))
}

// fillerShare is the share of the entries, from which a word held by
// that many says little.
const fillerShare = 0.3

// social recognises a short message that only greets or thanks. Short is
// counted without the greetings: "tôi quay lại rồi, đến bước nào rồi nhỉ"
// is two of them and a word.
func (ix *Index) social(words []int32) (Verdict, bool) {
	if len(words) > 3*ix.p.social {
		return NoMatch, false
	}
	rest, greeted, thanked := ix.stripSocial(words)
	if !thanked && !greeted || len(rest) > ix.p.social || len(ix.an.content(nil, rest)) > 0 {
		return NoMatch, false
	}
	if thanked {
		return Thanks, true
	}
	return Greeting, true
}

// stripSocial drops greetings and thanks from words, the longer phrase
// winning where they overlap ("good morning" is a greeting, not "good").
func (ix *Index) stripSocial(words []int32) (rest []int32, greeted, thanked bool) {
	for i := 0; i < len(words); {
		g, t := ix.greet.at(words[i:]), ix.thanks.at(words[i:])
		switch {
		case t > g:
			thanked = true
			i += t
		case g > 0:
			greeted = true
			i += g
		default:
			rest = append(rest, words[i])
			i++
		}
	}
	return rest, greeted, thanked
}

// scored is one entry's score for a question.
type scored struct {
	entry    int32
	score    float64
	evidence float64 // matched weight in units of the rarest word's
	pairs    int32   // syllable pairs shared with the question
	near     bool    // the last topic or an entry it names as related
	rareMiss float64 // share of the question's rare words' weight (unknown ones included) the entry lacks
}

// scoreAll scores the whole message, its story weighing less than what it
// asks, and returns, when it has several clauses, the clauses that are
// questions of their own (tops, in message order) for twoQuestions. A
// clause's own ranking does not change the message's: a clause of common
// words ("mong được hướng dẫn") scores high against whatever entry is made
// of them, and taking each entry's best over the clauses put such entries
// above the one the whole message is about (top-1 on the tuning half 89.1%
// with clause scores counted at 0.8, 92.4% without).
func (ix *Index) scoreAll(sc *scratch, m reading) (best, tops []scored) {
	best = ix.score(sc, ix.focusedQuery(sc, m))
	parts := ix.clauses(sc, m.text, len(m.words) >= ix.p.longMessage)
	if len(parts) < 2 {
		return best, nil
	}
	for _, part := range parts {
		if !part.asks || part.maybe {
			continue
		}
		q := ix.query(sc, ix.an.rewriteGaps(nil, part.words, ix.filler))
		if q.total < ix.p.clause*ix.maxIDF {
			continue // too little to be a question of its own ("chào cô ạ")
		}
		if scores := ix.score(sc, q); ix.strong(scores) { // a question asked outright
			tops = append(tops, scores[0])
		}
	}
	return best, tops
}

// strong reports whether the best of scores would be answered on its own:
// high enough, with evidence, and clear of the second.
func (ix *Index) strong(scores []scored) bool {
	if len(scores) == 0 {
		return false
	}
	top, second := scores[0], 0.0
	if len(scores) > 1 {
		second = scores[1].score
	}
	return top.score >= ix.p.confident && top.evidence >= ix.p.evidence && top.pairs >= ix.p.pairs && top.score-second >= ix.p.lead
}

// clauses splits a message into the parts that may each be a question: its
// sentences, and within a sentence the parts a joiner ("ngoài ra") starts.
func (ix *Index) clauses(sc *scratch, text string, long bool) []clause {
	if long {
		text = strings.ReplaceAll(text, ",", ".") // a long message: commas part its questions too
	} else {
		// A comma before "mà" or "còn" turns to a second question ("đăng ký
		// mức 2 cần mang gì, mà có mất phí không"); only with the marks,
		// since unmarked "ma" is also "mã" and "con" a child.
		for _, j := range commaTurns {
			text = strings.ReplaceAll(text, ", "+j+" ", ". "+j+" ")
		}
	}
	sentences := splitSentences(text)
	var out []clause
	asking := false
	for _, s := range sentences {
		asking = asking || s.asks
		words := ix.lookup(sc, s.text)
		from := len(out)
		start := 0
		for i := 0; i < len(words); i++ {
			if n := ix.joiners.at(words[i:]); n > 0 {
				if i > start {
					out = append(out, clause{words: words[start:i], asks: s.asks})
				}
				start = i + n
				i = start - 1
			}
		}
		if start < len(words) {
			out = append(out, clause{words: words[start:], asks: s.asks})
		}
		if parts := out[from:]; len(parts) > 1 {
			// A sentence of several parts: a part asks by its own words
			// ("Tôi dùng Samsung, quét chip không được?" asks once), the
			// last one also by the sentence's question mark.
			for i := range parts {
				parts[i].asks = s.asks && (i == len(parts)-1 && s.mark || ix.asks(sc, parts[i].words))
			}
		}
	}
	if len(out) < 2 {
		return nil
	}
	if !asking { // nothing asks outright: every part may be the question, none for sure
		for i := range out {
			out[i].asks, out[i].maybe = true, true
		}
	}
	return out[:min(len(out), maxClauses)]
}

// commaTurns are the words that, after a comma, start another question.
var commaTurns = []string{"mà", "còn", "Mà", "Còn"}

// asks reports whether words (ids of lookup) ask by their own words.
func (ix *Index) asks(sc *scratch, words []int32) bool {
	ws := make([]string, len(words))
	for i, w := range words {
		ws[i] = ix.word(sc, w)
	}
	return asks(ws)
}

// clause is a part of a message that may be a question of its own, and
// whether it asks (a question mark or word) or tells.
type clause struct {
	words []int32
	asks  bool
	maybe bool // asks only because nothing in the message asks outright
}

func sortScored(s []scored) {
	slices.SortFunc(s, func(a, b scored) int {
		switch {
		case better(a, b):
			return -1
		case better(b, a):
			return 1
		}
		return 0
	})
}

// better orders scores best first, ties by entry order in the content.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.entry < b.entry
}

// worstOf returns the index of the lowest score in s.
func worstOf(s []scored) int {
	w := 0
	for i := range s {
		if better(s[w], s[i]) {
			w = i
		}
	}
	return w
}

// query is a question as weighted terms.
type query struct {
	terms   []qterm // sorted by id, unique
	total   float64 // all weight, unknown words included
	unknown float64 // the weight of words the content never uses
	slots   []qterm // terms by hash, for credit
}

// credit returns the credit of term t in q, 0 when q lacks it, and marks
// the term seen by stamp.
func (q *query) credit(t, stamp int32) float64 {
	mask := int32(len(q.slots) - 1)
	for i := t & mask; ; i = (i + 1) & mask {
		switch q.slots[i].id {
		case t:
			q.slots[i].seen = stamp
			return q.slots[i].c
		case -1:
			return 0
		}
	}
}

// index fills slots, a small open-addressing table of the terms, for credit.
func (q *query) index(slots []qterm) {
	n := 16
	for n < 4*len(q.terms) {
		n *= 2
	}
	if cap(slots) < n {
		slots = make([]qterm, n)
	}
	q.slots = slots[:n]
	for i := range q.slots {
		q.slots[i].id, q.slots[i].seen = -1, 0
	}
	mask := int32(n - 1)
	for _, t := range q.terms {
		i := t.id & mask
		for q.slots[i].id != -1 {
			i = (i + 1) & mask
		}
		q.slots[i] = t
	}
}

type qterm struct {
	id   int32
	seen int32   // stamp of the last entry found to hold it (bestField)
	w    float64 // the term's weight in the question
	c    float64 // credit when matched: w, less for a repaired word
}

// query turns rewritten words into weighted terms: social phrases and
// stopwords dropped, unknown words repaired when one letter away from a
// known one or run together, the rest counted as unknown weight.
func (ix *Index) query(sc *scratch, words []int32) query {
	var q query
	for i := range words {
		if ix.foreign.at(words[i:]) > 0 {
			q.total += ix.p.offTopic * ix.maxIDF
			q.unknown += ix.p.offTopic * ix.maxIDF
		}
	}
	words, _, _ = ix.stripSocial(words)
	words = ix.an.content(nil, words)
	type syl struct {
		id     int32 // -1: unknown
		credit float64
	}
	var seq []syl
	var seen []string // unknown words already counted
	add := func(id int32, credit float64) {
		seq = append(seq, syl{id, credit})
		q.terms = append(q.terms, qterm{id: id, w: ix.weight[id], c: ix.weight[id] * credit})
	}
	for _, w := range words {
		switch {
		case w >= 0 && ix.df(w) > 0:
			add(w, 1)
			continue
		case w < 0:
			s := sc.unknown[-w-1]
			if a, b, ok := ix.split(s); ok {
				add(a, ix.p.typo)
				add(b, ix.p.typo)
				continue
			}
			if id, ok := ix.repair(s); ok {
				if to := ix.an.expand(id); to != nil {
					for _, t := range ix.an.content(nil, to) {
						if ix.df(t) > 0 {
							add(t, ix.p.typo)
						}
					}
				} else {
					add(id, ix.p.typo)
				}
				continue
			}
			if isDigits(s) {
				q.total += ix.p.number * ix.maxIDF
				q.unknown += ix.p.number * ix.maxIDF
				seq = append(seq, syl{-1, 0})
				continue
			}
		}
		// a word the content never uses: it counts against every entry;
		// one the vocabulary does not know either (a complaint, a name)
		// counts once however often it is repeated, as a known word does
		if w >= 0 || !slices.Contains(seen, sc.unknown[-w-1]) {
			q.total += ix.p.unknown * ix.maxIDF
			q.unknown += ix.p.unknown * ix.maxIDF
			if w < 0 {
				seen = append(seen, sc.unknown[-w-1])
			}
		}
		seq = append(seq, syl{-1, 0})
	}
	for i := 1; i < len(seq); i++ {
		a, b := seq[i-1], seq[i]
		if a.id < 0 || b.id < 0 {
			continue
		}
		if id, ok := ix.pairs.get(pairKey(a.id, b.id)); ok {
			q.terms = append(q.terms, qterm{id: id, w: ix.weight[id], c: ix.weight[id] * min(a.credit, b.credit)})
		}
	}
	slices.SortFunc(q.terms, func(a, b qterm) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(b.c, a.c)
	})
	q.terms = slices.CompactFunc(q.terms, func(a, b qterm) bool { return a.id == b.id })
	for _, t := range q.terms {
		q.total += t.w
	}
	return q
}

// score ranks entries for q: coverage of the question's weight by the whole
// entry, blended with the best single field's overlap (a Dice coefficient)
// for the leading entries.
func (ix *Index) score(sc *scratch, q query) []scored {
	if q.total == 0 || len(q.terms) == 0 {
		return nil
	}
	sc.touched = sc.touched[:0]
	nw := int32(len(ix.lex.words))
	for _, t := range q.terms {
		for _, p := range ix.postings(t.id) {
			if sc.acc[p.entry] == 0 {
				sc.touched = append(sc.touched, p.entry)
			}
			tf := float64(p.tf)
			sc.acc[p.entry] += t.c * tf / (tf + ix.p.sat)
			if t.id >= nw {
				sc.pairs[p.entry]++
			}
		}
	}
	// Keep the best rerank entries: a full scan with a running minimum
	// beats sorting thousands of candidates at 10,000 entries.
	out := make([]scored, 0, ix.p.rerank+len(sc.topic))
	var topic []scored
	worst := 0
	for _, e := range sc.touched {
		a := sc.acc[e]
		sc.acc[e] = 0
		s := scored{entry: e, score: a / q.total, evidence: a / ix.maxIDF, pairs: sc.pairs[e]}
		sc.pairs[e] = 0
		if len(sc.topic) > 0 && slices.Contains(sc.topic, e) {
			topic = append(topic, s)
		}
		switch {
		case len(out) < ix.p.rerank:
			out = append(out, s)
			if len(out) == ix.p.rerank {
				worst = worstOf(out)
			}
		case better(s, out[worst]):
			out[worst] = s
			worst = worstOf(out)
		}
	}
	for _, s := range topic { // the last topic's entries compete even when the message alone ranks them low
		if !slices.ContainsFunc(out, func(o scored) bool { return o.entry == s.entry }) {
			out = append(out, s)
		}
	}
	sortScored(out)
	q.index(sc.slots)
	sc.slots = q.slots
	nw = int32(len(ix.lex.words))
	for i := range out {
		cover := out[i].score
		stamp := int32(i + 1)
		out[i].score = ix.p.blend*cover + (1-ix.p.blend)*ix.bestField(&q, out[i].entry, stamp)
		rare, missed := q.unknown, q.unknown
		for _, t := range q.slots {
			if t.id < 0 || t.id >= nw {
				continue
			}
			if t.w >= rareWord*ix.maxIDF {
				rare += t.w
			}
			if t.seen != stamp && t.w >= rareWord*ix.maxIDF {
				missed += t.w
			}
		}
		if rare > 0 {
			out[i].rareMiss = missed / rare
		}
	}
	sortScored(out)
	return out
}

// rareWord is the weight, in rarest-word units, from which a word of the
// question counts as rare: it names what the question is about.
const rareWord = 0.5

// bestField is the highest Dice overlap between q and one of the entry's fields.
// It marks the question's terms the entry holds with stamp.
func (ix *Index) bestField(q *query, e, stamp int32) float64 {
	best := 0.0
	en := ix.entries[e]
	for _, f := range ix.fields[en.first:en.end] {
		shared := 0.0
		for _, t := range ix.terms[f.from:f.to] {
			shared += q.credit(t, stamp)
		}
		if d := shared / (ix.p.fieldAlpha*q.total + (1-ix.p.fieldAlpha)*f.weight); d > best {
			best = d
		}
	}
	return best
}

func isDigits(w string) bool {
	for _, r := range w {
		if r < '0' || r > '9' {
			return false
		}
	}
	return w != ""
}

func isLetters(w string) bool {
	for _, r := range w {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return w != ""
}
