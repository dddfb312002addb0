package faq

import (
	"flag"
	"fmt"
	"testing"

	"github.com/vneid-guide/vneidbot/content"
)

var tune = flag.Bool("faq.tune", false, "sweep the scorer's parameters over the evaluation set and leave-one-out")

// looScores asks every step-th variant against an index built without it.
func looScores(cat *content.Catalog, p params, step int) (first, confident, confidentRight, n int) {
	k := 0
	for _, e := range cat.FAQ {
		for _, locale := range sortedKeys(e.Questions) {
			qs := e.Questions[locale]
			for i, q := range qs {
				if k++; k%step != 0 {
					continue
				}
				e.Questions[locale] = append(append([]string{}, qs[:i]...), qs[i+1:]...)
				ix := build(cat, p)
				e.Questions[locale] = qs
				r := ix.Search(q, locale)
				n++
				if len(r.Hits) > 0 && r.Hits[0].ID == e.ID && r.Verdict != NoMatch {
					first++
				}
				if r.Verdict == Confident {
					confident++
					if r.Hits[0].ID == e.ID {
						confidentRight++
					}
				}
			}
		}
	}
	return first, confident, confidentRight, n
}

func TestTune(t *testing.T) {
	if !*tune {
		t.Skip("-faq.tune not set")
	}
	cat := mustLoad(t)
	items := loadEval(t)
	type knob struct {
		name string
		set  func(*params, float64)
		vals []float64
	}
	knobs := []knob{
		{"bigram", func(p *params, v float64) { p.bigram = v }, []float64{0.3, 0.45, 0.6, 0.8}},
		{"blend", func(p *params, v float64) { p.blend = v }, []float64{0.4, 0.5, 0.6, 0.7, 0.8}},
		{"unknown", func(p *params, v float64) { p.unknown = v }, []float64{0.4, 0.6, 0.8, 1.0}},
		{"sat", func(p *params, v float64) { p.sat = v }, []float64{0.1, 0.25, 0.5, 1}},
		{"confident", func(p *params, v float64) { p.confident = v }, []float64{0.4, 0.45, 0.5, 0.55, 0.6}},
		{"lead", func(p *params, v float64) { p.lead = v }, []float64{0.02, 0.05, 0.08, 0.12}},
		{"sure", func(p *params, v float64) { p.sure = v }, []float64{0.65, 0.75, 0.85, 1.1}},
		{"unsure", func(p *params, v float64) { p.unsure = v }, []float64{0.15, 0.2, 0.25, 0.3}},
		{"typo", func(p *params, v float64) { p.typo = v }, []float64{0.5, 0.75, 0.9}},
	}
	report := func(label string, p params) {
		s := evaluate(build(cat, p), items)
		first, conf, confRight, n := looScores(cat, p, 4)
		t.Logf("%-16s eval top1=%.1f top3=%.1f none=%.1f answered=%.1f answerOK=%.1f | loo first=%.1f conf=%.1f confOK=%.1f",
			label, s.pct(s.top1), s.pct(s.top3), 100*s.nonePrecision(),
			100*float64(s.answered)/float64(s.entryQuestions), 100*s.answerPrecision(),
			pct(first, n), pct(conf, n), pct(confRight, conf))
	}
	report("defaults", defaults)
	for _, lead := range []float64{0.08, 0.1, 0.12, 0.15} {
		for _, sure := range []float64{0.75, 0.8, 0.85} {
			p := defaults
			p.lead, p.sure = lead, sure
			report(fmt.Sprintf("lead=%g,sure=%g", lead, sure), p)
		}
	}
	if testing.Short() {
		return
	}
	for _, k := range knobs {
		for _, v := range k.vals {
			p := defaults
			k.set(&p, v)
			report(fmt.Sprintf("%s=%g", k.name, v), p)
		}
	}
}
