package faq

import (
	"flag"
	"testing"
)

var tuneReal = flag.Bool("faq.tunereal", false, "sweep the scorer's parameters over the realistic tuning half")

// TestTuneRealistic sweeps one knob at a time over the tuning half only;
// the test half is never looked at while tuning.
func TestTuneRealistic(t *testing.T) {
	if !*tuneReal {
		t.Skip("-faq.tunereal not set")
	}
	cat := mustLoad(t)
	items := loadReal(t, "realistic_tune.yaml")
	type knob struct {
		name string
		set  func(*params, float64)
		vals []float64
	}
	knobs := []knob{
		{"topic", func(p *params, v float64) { p.topic = v }, []float64{0, 0.05, 0.1, 0.15, 0.2, 0.3}},
		{"followupRest", func(p *params, v float64) { p.followupRest = v }, []float64{0.3, 0.5, 0.8, 1, 1.5}},
		{"longMessage", func(p *params, v float64) { p.longMessage = int(v) }, []float64{10, 12, 15, 20}},
		{"shortWords", func(p *params, v float64) { p.shortWords = int(v) }, []float64{0, 2, 3, 4, 5}},
		{"unsureAt", func(p *params, v float64) { p.unsureAt = v }, []float64{0.2, 0.3, 0.4, 0.5}},
		{"answerAt", func(p *params, v float64) { p.answerAt = v }, []float64{0.6, 0.7, 0.75, 0.8, 0.85, 0.9}},
		{"story", func(p *params, v float64) { p.story = v }, []float64{0.2, 0.35, 0.5, 0.7, 1}},
		{"fieldAlpha", func(p *params, v float64) { p.fieldAlpha = v }, []float64{0.1, 0.2, 0.3, 0.4, 0.5}},
		{"unknown", func(p *params, v float64) { p.unknown = v }, []float64{0.1, 0.2, 0.4, 0.6, 0.8}},
		{"blend", func(p *params, v float64) { p.blend = v }, []float64{0.2, 0.4, 0.6, 0.8}},
		{"bigram", func(p *params, v float64) { p.bigram = v }, []float64{0.3, 0.6, 1.0}},
		{"sat", func(p *params, v float64) { p.sat = v }, []float64{0.1, 0.25, 0.5, 1}},
	}
	for _, k := range knobs {
		for _, v := range k.vals {
			p := defaults
			k.set(&p, v)
			s := evaluateReal(build(cat, p), items)
			t.Logf("%-12s %-5g top1 %5.1f top3 %5.1f conf-right %5.1f conf-wrong %4.1f refused %5.1f", k.name, v,
				s.pct(s.top1, s.entries), s.pct(s.top3, s.entries), s.pct(s.confidentRight, s.entries), s.pct(s.confWrong, s.all), s.pct(s.refused, s.none))
		}
	}
}
