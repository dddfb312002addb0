package faq

import "math"

// The verdict: whether the best entry is answered outright. A fixed
// threshold on the score alone is wrong both ways: a long question with the
// right entry first scores low, a short one with a common word scores high.
// So the verdict of a message of several words is a logistic model of "the
// first entry is right" over a few inputs of the ranking, fitted on the
// tuning half of the realistic evaluation set and the second tuning set
// (TestFitVerdict prints the fit; the test half is never used), and the bot
// answers when that probability is high enough. A short message ("quên
// passcode") carries little evidence by nature; it keeps the thresholds
// calibrated on short questions (the older evaluation set), in Index.strong.

// nFeatures is the number of verdict inputs.
const nFeatures = 9

// logistic is a fitted model: a bias and one weight per input.
type logistic struct {
	bias float64
	w    [nFeatures]float64
}

// sure is the model's probability that the first entry is right.
func (m logistic) sure(f [nFeatures]float64) float64 { return m.sureBy(f, 0) }

// sureBy is sure with extra added to the log-odds.
func (m logistic) sureBy(f [nFeatures]float64, extra float64) float64 {
	z := m.bias + extra
	for i, x := range f {
		z += m.w[i] * x
	}
	return 1 / (1 + math.Exp(-z))
}

// sure is the verdict model's probability that best[0] is right for a
// message of n words, read with sc. A message written in another language
// than the content's own (English) has fewer variants written like it, and
// its every word is rare in the content: right, it scores lower and lacks
// more of its "rare" words than a Vietnamese one, so its log-odds get
// p.otherLang (fitted on the tuning sets' English questions alone, the
// model's weights held: TestFitVerdict).
func (ix *Index) sure(sc *scratch, best []scored, n int) float64 {
	extra := 0.0
	if sc.other {
		extra = ix.p.otherLang
	}
	return ix.p.verdict.sureBy(verdictFeatures(best, n), extra)
}

// verdictFeatures are the inputs of the verdict for a ranking of a message
// of n words: the best score, its lead over the second and third, the
// evidence and pairs behind it (saturating), the message's length, the
// second score, and whether the best is the last topic or related to it.
func verdictFeatures(best []scored, n int) [nFeatures]float64 {
	var f [nFeatures]float64
	if len(best) == 0 {
		return f
	}
	top := best[0]
	second, third := 0.0, 0.0
	if len(best) > 1 {
		second = best[1].score
	}
	if len(best) > 2 {
		third = best[2].score
	}
	f[0] = top.score
	f[1] = top.score - second
	f[2] = top.score - third
	f[3] = math.Min(top.evidence, 6) / 6
	f[4] = math.Min(float64(top.pairs), 4) / 4
	f[5] = math.Log1p(float64(n)) / 4
	f[6] = second
	if top.near {
		f[7] = 1
	}
	f[8] = top.rareMiss
	return f
}
