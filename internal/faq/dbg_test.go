package faq

import (
	"slices"
	"testing"
)

func TestDbgRightNotSure(t *testing.T) {
	items := loadReal(t, "realistic_tune.yaml")
	ix := New(mustLoad(t))
	for _, it := range items {
		var cx Context
		if it.Prev != "" {
			cx = Context{Last: it.PrevID, Situations: ix.Search(it.Prev, "vi").Situations}
		}
		res := ix.SearchIn(it.Q, "vi", cx)
		if res.Verdict != Confident && len(res.Hits) > 0 && slices.Contains(append([]string{it.ID}, it.Also...), res.Hits[0].ID) {
			s, _ := ix.verdictSample(it.Q, it.PrevID, append([]string{it.ID}, it.Also...))
			t.Logf("%-9s %-8s sure %.2f f=%.2f %v %.90q", it.Tag, res.Verdict, ix.p.verdict.sure(s.f), s.f[:3], res.Hits, it.Q)
		}
	}
}
