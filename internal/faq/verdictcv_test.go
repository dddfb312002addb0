package faq

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

var cvVerdict = flag.Bool("faq.cv", false, "cross-validate the verdict model on the tuning half and print the figures")

// folds assigns the tuning half's items to k folds, seeded. A question and
// its copy without diacritics (the long and long-plain tags) share a fold,
// so a fold never tests on the text it was trained on.
func folds(items []realItem, k int, seed uint64) []int {
	group := map[string]int{}
	of := make([]int, len(items))
	for i, it := range items {
		key := vntext.Fold(it.Prev) + "|" + vntext.Fold(it.Q)
		g, ok := group[key]
		if !ok {
			g = len(group)
			group[key] = g
		}
		of[i] = g
	}
	order := rand.New(rand.NewPCG(seed, 7)).Perm(len(group))
	fold := make([]int, len(items))
	for i := range items {
		fold[i] = order[of[i]] % k
	}
	return fold
}

// cvScores are the pooled held-out figures of a cross-validation.
type cvScores struct{ entries, all, none, right, wrong, refused int }

func (c *cvScores) add(s realScores) {
	c.entries += s.entries
	c.all += s.all
	c.none += s.none
	c.right += s.confidentRight
	c.wrong += s.confWrong
	c.refused += s.refused
}

func (c cvScores) String() string {
	return fmt.Sprintf("confident-right %5.1f%% confident-wrong %4.1f%% refused %5.1f%%",
		100*float64(c.right)/float64(c.entries), 100*float64(c.wrong)/float64(c.all), 100*float64(c.refused)/float64(max(1, c.none)))
}

// crossValidate fits the verdict on k-1 folds and judges the k-th with the
// whole pipeline, for each threshold pair, pooled over repeats.
func crossValidate(t *testing.T, p params, items []realItem, k, repeats int, l2 float64, mask int, at [][2]float64) []cvScores {
	cat := mustLoad(t)
	if *cvNoList {
		cat.Vocab.OutOfScope = nil // as if every out-of-scope message used words the list lacks
	}
	ix := build(cat, p)
	out := make([]cvScores, len(at))
	var oldEval []realItem
	for _, it := range loadEval(t) {
		oldEval = append(oldEval, realItem{Q: it.Q, ID: it.ID, Also: it.Also})
	}
	for r := range repeats {
		fold := folds(items, k, uint64(r+1))
		for f := range k {
			var train, test []realItem
			for i, it := range items {
				if fold[i] == f {
					test = append(test, it)
				} else {
					train = append(train, it)
				}
			}
			samples := verdictSamplesOf(ix, train)
			if *withOldEval {
				samples = append(samples, verdictSamplesOf(ix, oldEval)...)
			}
			ix.p.verdict = fitMasked(samples, l2, mask)
			for j, a := range at {
				ix.p.answerAt, ix.p.unsureAt = a[0], a[1]
				out[j].add(evaluateReal(ix, test))
			}
		}
	}
	return out
}

func TestCrossValidateVerdict(t *testing.T) {
	if !*cvVerdict {
		t.Skip("-faq.cv not set")
	}
	items := loadReal(t, "realistic_tune.yaml")
	var at [][2]float64
	for _, a := range []float64{0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94} {
		for _, u := range []float64{0.5, 0.6, 0.7, 0.8, 0.85, 0.9} {
			if u <= a {
				at = append(at, [2]float64{a, u})
			}
		}
	}
	masks := map[string]int{
		"old8":         0xff,
		"all":          allFeatures,
		"old+unk":      0xff | 1<<10,
		"old+rare":     0xff | 1<<11,
		"old+rare+unk": 0xff | 1<<11 | 1<<10,
	}
	l2s := []float64{0.003, 0.01, verdictL2}
	if *cvQuick {
		masks, l2s = map[string]int{"no-near": verdictMask}, []float64{verdictL2}
	}
	if *cvL2 != "" {
		l2s = nil
		for _, f := range strings.Split(*cvL2, ",") {
			v, _ := strconv.ParseFloat(f, 64)
			l2s = append(l2s, v)
		}
	}
	for _, name := range sortedKeys(masks) {
		for _, l2 := range l2s {
			scores := crossValidate(t, defaults, items, 10, 3, l2, masks[name], at)
			best, bj := cvScores{}, -1
			for j, s := range scores {
				if *cvAll {
					t.Logf("%-9s l2 %-5g answerAt %.2f unsureAt %.2f: %v", name, l2, at[j][0], at[j][1], s)
				}
				if float64(s.wrong) <= 0.015*float64(s.all) && (bj < 0 || s.right > best.right) {
					best, bj = s, j
				}
			}
			if bj >= 0 {
				t.Logf("%-9s l2 %-5g best at answerAt %.2f unsureAt %.2f: %v", name, l2, at[bj][0], at[bj][1], best)
			}
		}
	}
}

var cvNoList = flag.Bool("faq.nolist", false, "cross-validate without the vocabulary's out-of-scope list")

var cvQuick = flag.Bool("faq.cvquick", false, "cross-validate the verdict's own inputs and penalty only")

var cvL2 = flag.String("faq.cvl2", "", "the penalties to cross-validate, comma-separated")

var cvAll = flag.Bool("faq.cvall", false, "print every cross-validated threshold pair")

var candidates = flag.Bool("faq.candidates", false, "fit candidate verdicts on the tuning half and print the validation set's aggregate figures")

// TestVerdictCandidates fits a few candidate verdicts on the whole tuning
// half and prints the validation set's figure line for each (its misses are
// never printed); the test half is not run.
func TestVerdictCandidates(t *testing.T) {
	if !*candidates {
		t.Skip("-faq.candidates not set")
	}
	tune := loadReal(t, "realistic_tune.yaml")
	val := loadReal(t, "realistic_val.yaml")
	ix := New(mustLoad(t))
	samples := verdictSamplesOf(ix, tune)
	type cand struct {
		name           string
		mask           int
		l2, answer, un float64
	}
	for _, c := range []cand{
		{"default", -1, 0, defaults.answerAt, defaults.unsureAt},
		{"nonear", verdictMask, 0.001, 0.88, 0.80},
		{"nonear", verdictMask, 0.001, 0.90, 0.80},
	} {
		ix.p = defaults
		if c.mask >= 0 {
			ix.p.verdict = fitMasked(samples, c.l2, c.mask)
		}
		ix.p.answerAt, ix.p.unsureAt = c.answer, c.un
		t.Logf("%-8s l2 %-5g %.2f/%.2f  tuning: %s", c.name, c.l2, c.answer, c.un, evaluateReal(ix, tune).line("in-sample"))
		t.Logf("%-8s l2 %-5g %.2f/%.2f  %s", c.name, c.l2, c.answer, c.un, evaluateReal(ix, val).line("validation"))
	}
}

// confidentWrongBy counts, by the rule that answered, the confident answers
// to items that are wrong, and the right ones: aggregate counts only.
func confidentWrongBy(ix *Index, items []realItem) (wrong, right map[string]int) {
	wrong, right = map[string]int{}, map[string]int{}
	for _, it := range items {
		var cx Context
		if it.Prev != "" {
			cx = Context{Last: it.PrevID, Situations: ix.Search(it.Prev, "vi").Situations}
		}
		r := ix.SearchIn(it.Q, "vi", cx)
		if r.Verdict != Confident {
			continue
		}
		if slices.Contains(append([]string{it.ID}, it.Also...), r.Hits[0].ID) {
			right[r.by]++
		} else {
			wrong[r.by]++
		}
	}
	return wrong, right
}

func TestConfidentByRule(t *testing.T) {
	if !*candidates {
		t.Skip("-faq.candidates not set")
	}
	ix := New(mustLoad(t))
	for _, name := range []string{"realistic_tune.yaml", "realistic_val.yaml"} {
		w, r := confidentWrongBy(ix, loadReal(t, name))
		t.Logf("%s: wrong by rule %v, right by rule %v", name, w, r)
	}
}

// TestSureHistogram prints, for the model's confident answers, how many are
// right and wrong in each band of its probability: aggregate counts only.
func TestSureHistogram(t *testing.T) {
	if !*candidates {
		t.Skip("-faq.candidates not set")
	}
	ix := New(mustLoad(t))
	for _, name := range []string{"realistic_tune.yaml", "realistic_val.yaml"} {
		var right, wrong, noneWrong [10]int
		for _, it := range loadReal(t, name) {
			s, ok := ix.verdictSample(it.Q, it.PrevID, append([]string{it.ID}, it.Also...))
			if !ok {
				continue
			}
			b := min(9, int(ix.p.verdict.sure(s.f)*10))
			switch {
			case s.right:
				right[b]++
			case it.ID == "none":
				noneWrong[b]++
			default:
				wrong[b]++
			}
		}
		t.Logf("%s by tenth of sure: right %v wrong %v none %v", name, right, wrong, noneWrong)
	}
}

var probe = flag.String("faq.probe", "", "a file of probe messages (realistic_*.yaml form) to print the misses of")

func TestProbe(t *testing.T) {
	if *probe == "" {
		t.Skip("-faq.probe not set")
	}
	b, err := os.ReadFile(*probe)
	if err != nil {
		t.Fatal(err)
	}
	var items []realItem
	if err := yaml.Unmarshal(b, &items); err != nil {
		t.Fatal(err)
	}
	s := evaluateReal(New(mustLoad(t)), items)
	for _, m := range s.misses {
		t.Log(m)
	}
	t.Log(s.line("probe"))
}

var tuneVal = flag.String("faq.tuneval", "", "a knob and values (knob=v1,v2) to print the tuning and validation figures of")

// TestTuneVal prints the tuning half's and the validation set's figure
// lines for values of one knob; the test half is not run.
func TestTuneVal(t *testing.T) {
	if *tuneVal == "" {
		t.Skip("-faq.tuneval not set")
	}
	name, list, _ := strings.Cut(*tuneVal, "=")
	set, ok := knobs[name]
	if !ok {
		t.Fatalf("unknown knob %q", name)
	}
	cat := mustLoad(t)
	tune, val := loadReal(t, "realistic_tune.yaml"), loadReal(t, "realistic_val.yaml")
	old := loadEval(t)
	var probes []realItem // -faq.probe: one more set, printed beside
	if *probe != "" {
		b, err := os.ReadFile(*probe)
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(b, &probes); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range strings.Split(list, ",") {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		p := defaults
		set(&p, v)
		ix := build(cat, p)
		t.Logf("%s=%g %s", name, v, evaluateReal(ix, tune).line("tuning"))
		t.Logf("%s=%g %s", name, v, evaluateReal(ix, val).line("validation"))
		if probes != nil {
			t.Logf("%s=%g %s", name, v, evaluateReal(ix, probes).line("probe"))
		}
		o := evaluate(ix, old)
		t.Logf("%s=%g old: top1 %.1f%% top3 %.1f%% none precision %.1f%% answered %d/%d right %.1f%%", name, v,
			o.pct(o.top1), o.pct(o.top3), 100*o.nonePrecision(), o.answered, o.entryQuestions, 100*o.answerPrecision())
	}
}
