package content

import (
	"sort"
	"time"
)

// StaleItem is a FAQ entry, flow or flow step whose "checked" date is older
// than asked: a person should check it against its sources again.
type StaleItem struct {
	Kind    string   `json:"kind"` // "faq", "flow" or "step"
	ID      string   `json:"id"`   // entry or flow id; "flow/step" for a step
	Checked string   `json:"checked"`
	Days    int      `json:"days"` // days since it was checked
	File    string   `json:"file"`
	Line    int      `json:"line"`
	Sources []string `json:"sources"` // the source ids its note cites
}

// Stale lists the entries, flows and steps (those with their own date) checked
// more than days days before today, the oldest first.
func (c *Catalog) Stale(today time.Time, days int) []StaleItem {
	var out []StaleItem
	add := func(kind, id, checked, file string, line int, note string) {
		d, err := time.Parse(time.DateOnly, checked)
		if err != nil {
			return // the validator reports a bad date
		}
		age := int(today.Sub(d).Hours() / 24)
		if age > days {
			ids := CitedIDs(note)
			if ids == nil {
				ids = []string{}
			}
			out = append(out, StaleItem{Kind: kind, ID: id, Checked: checked, Days: age, File: file, Line: line, Sources: ids})
		}
	}
	for _, f := range c.Flows {
		add("flow", f.ID, f.Checked, f.File, f.Line, f.Source)
		for _, s := range f.Steps {
			if s.Checked != "" {
				add("step", f.ID+"/"+s.ID, s.Checked, f.File, s.Line, s.Source)
			}
		}
	}
	for _, e := range c.FAQ {
		add("faq", e.ID, e.Checked, e.File, e.Line, e.Source)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Checked != out[j].Checked {
			return out[i].Checked < out[j].Checked
		}
		return out[i].File < out[j].File || out[i].File == out[j].File && out[i].Line < out[j].Line
	})
	return out
}

// AnswersOver counts the FAQ answers whose default-locale text is longer than
// MaxAnswer characters and returns their ids.
func (c *Catalog) AnswersOver() []string {
	var ids []string
	def := c.DefaultLocale()
	for _, e := range c.FAQ {
		if runeLen(e.Answer[def]) > MaxAnswer {
			ids = append(ids, e.ID)
		}
	}
	return ids
}
