package faq

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"testing"
)

var (
	fitVerdict  = flag.Bool("faq.fitverdict", false, "fit the verdict model on the tuning half and print it")
	withOldEval = flag.Bool("faq.fitold", false, "fit the verdict on the older evaluation set too")
)

// verdictSample is one question of a tuning set as the verdict sees it.
type verdictSample struct {
	f     [nFeatures]float64
	right bool
}

// verdictSamples ranks each question of the tuning half and of the older
// evaluation set (both kept apart from the test half) and labels whether
// the first entry is right.
func verdictSamples(t *testing.T, ix *Index) []verdictSample {
	var out []verdictSample
	add := func(q, last string, ok []string) {
		sc := ix.pool.Get().(*scratch)
		defer ix.pool.Put(sc)
		sc.unknown = sc.unknown[:0]
		words := ix.an.rewrite(nil, ix.lookup(sc, q))
		if len(words) == 0 {
			return
		}
		if _, social := ix.social(words); social {
			return
		}
		if last != "" && ix.followup(sc, words) {
			return // answered as a follow-up, not by the model
		}
		best, _ := ix.scoreAll(sc, q, words)
		if last != "" {
			ix.nearTopic(best, last)
		}
		if len(best) == 0 || best[0].score < ix.p.floor {
			return
		}
		right := slices.Contains(ok, ix.entries[best[0].entry].src.ID)
		out = append(out, verdictSample{verdictFeatures(best, len(words)), right})
	}
	for _, it := range loadReal(t, "realistic_tune.yaml") {
		add(it.Q, it.PrevID, append([]string{it.ID}, it.Also...))
	}
	if *withOldEval {
		for _, it := range loadEval(t) {
			add(it.Q, "", append([]string{it.ID}, it.Also...))
		}
	}
	return out
}

// fit is plain gradient descent on the log loss with a little L2.
func fit(samples []verdictSample) logistic {
	var m logistic
	const rate, l2, rounds = 0.5, 0.001, 4000
	for range rounds {
		var gb float64
		var gw [nFeatures]float64
		for _, s := range samples {
			y := 0.0
			if s.right {
				y = 1
			}
			d := m.sure(s.f) - y
			gb += d
			for i, x := range s.f {
				gw[i] += d * x
			}
		}
		n := float64(len(samples))
		m.bias -= rate * gb / n
		for i := range m.w {
			m.w[i] -= rate * (gw[i]/n + l2*m.w[i])
		}
	}
	return m
}

func TestFitVerdict(t *testing.T) {
	if !*fitVerdict {
		t.Skip("-faq.fitverdict not set")
	}
	cat := mustLoad(t)
	ix := New(cat)
	samples := verdictSamples(t, ix)
	m := fit(samples)
	fmt.Printf("verdict: logistic{bias: %.3f, w: [nFeatures]float64{", m.bias)
	for i, w := range m.w {
		if i > 0 {
			fmt.Print(", ")
		}
		fmt.Printf("%.3f", w)
	}
	fmt.Println("}},")
	for _, at := range []float64{0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9} {
		var ans, wrong, right int
		for _, s := range samples {
			if s.right {
				right++
			}
			if m.sure(s.f) >= at {
				ans++
				if !s.right {
					wrong++
				}
			}
		}
		t.Logf("answerAt %.2f: answers %d of %d ranked (%d right first), %d wrong (%.1f%% of all)", at, ans, len(samples), right, wrong, 100*float64(wrong)/float64(len(samples)))
	}
	_ = math.Abs
}
