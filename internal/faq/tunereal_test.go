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
	sweeps := []struct {
		name string
		vals []float64
	}{
		{"topic", []float64{0, 0.05, 0.1, 0.15, 0.2, 0.3}},
		{"followupRest", []float64{0.3, 0.5, 0.8, 1, 1.5}},
		{"longMessage", []float64{10, 12, 15, 20}},
		{"shortWords", []float64{0, 2, 3, 4, 5}},
		{"unsureAt", []float64{0.2, 0.3, 0.4, 0.5}},
		{"answerAt", []float64{0.6, 0.7, 0.75, 0.8, 0.85, 0.9}},
		{"story", []float64{0.2, 0.35, 0.5, 0.7, 1}},
		{"fieldAlpha", []float64{0.1, 0.2, 0.3, 0.4, 0.5}},
		{"unknown", []float64{0.1, 0.2, 0.4, 0.6, 0.8}},
		{"blend", []float64{0.2, 0.4, 0.6, 0.8}},
		{"bigram", []float64{0.3, 0.6, 1.0}},
		{"sat", []float64{0.1, 0.25, 0.5, 1}},
	}
	for _, k := range sweeps {
		for _, v := range k.vals {
			p := defaults
			knobs[k.name](&p, v)
			s := evaluateReal(build(cat, p), items)
			t.Logf("%-12s %-5g top1 %5.1f top3 %5.1f conf-right %5.1f conf-wrong %4.1f refused %5.1f", k.name, v,
				s.pct(s.top1, s.entries), s.pct(s.top3, s.entries), s.pct(s.confidentRight, s.entries), s.pct(s.confWrong, s.all), s.pct(s.refused, s.none))
		}
	}
}

// knobs set one of the scorer's parameters by name, for the sweeps of
// TestTuneRealistic and TestTuneVal.
var knobs = map[string]func(*params, float64){
	"answerAt":     func(p *params, v float64) { p.answerAt = v },
	"unsureAt":     func(p *params, v float64) { p.unsureAt = v },
	"close":        func(p *params, v float64) { p.close = v },
	"floor":        func(p *params, v float64) { p.floor = v },
	"offTopicList": func(p *params, v float64) { p.offTopicList = v },
	"evidence":     func(p *params, v float64) { p.evidence = v },
	"twoLead":      func(p *params, v float64) { p.twoLead = int(v) },
	"clause":       func(p *params, v float64) { p.clause = v },
	"story":        func(p *params, v float64) { p.story = v },
	"blend":        func(p *params, v float64) { p.blend = v },
	"fieldAlpha":   func(p *params, v float64) { p.fieldAlpha = v },
	"unknown":      func(p *params, v float64) { p.unknown = v },
	"bigram":       func(p *params, v float64) { p.bigram = v },
	"sat":          func(p *params, v float64) { p.sat = v },
	"longMessage":  func(p *params, v float64) { p.longMessage = int(v) },
	"topic":        func(p *params, v float64) { p.topic = v },
	"followupRest": func(p *params, v float64) { p.followupRest = v },
	"shortWords":   func(p *params, v float64) { p.shortWords = int(v) },
	"leaveTopic":   func(p *params, v float64) { p.leaveTopic = v },
}
