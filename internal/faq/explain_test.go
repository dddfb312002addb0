package faq

import (
	"flag"
	"strings"
	"testing"
)

var explainQ = flag.String("faq.explain", "", "print how the index scores these questions (separated by |)")

// TestExplain prints Explain for -faq.explain questions, for tuning.
func TestExplain(t *testing.T) {
	if *explainQ == "" {
		t.Skip("-faq.explain not set")
	}
	ix := New(mustLoad(t))
	for _, q := range strings.Split(*explainQ, "|") {
		x := ix.Explain(q, "vi", Context{})
		t.Logf("%q read as %q", q, x.Read)
		for _, tm := range x.Terms {
			t.Logf("  %-20s w=%.2f df=%d", tm.Text, tm.Weight, tm.Entries)
		}
		for _, c := range x.Candidates {
			t.Logf("  %-22s score=%.3f evidence=%.2f pairs=%d", c.ID, c.Score, c.Evidence, c.Pairs)
		}
		t.Logf("verdict %s (sure %.2f)", x.Result.Verdict, x.Sure)
	}
}

// TestExplainAgreesWithSearch checks that what operators are shown is the
// judgement the bot makes.
func TestExplainAgreesWithSearch(t *testing.T) {
	ix := New(mustLoad(t))
	for _, q := range []string{"quen mat khau vneid", "Cho tôi hỏi, tuần trước tôi bị mất điện thoại cũ. Giờ đăng nhập VNeID trên máy mới thế nào?", "gia vang hom nay"} {
		x, r := ix.Explain(q, "vi", Context{}), ix.Search(q, "vi")
		if x.Result.Verdict != r.Verdict || len(x.Result.Hits) != len(r.Hits) || len(r.Hits) > 0 && x.Result.Hits[0].ID != r.Hits[0].ID {
			t.Errorf("%q: explain says %s %v, search %s %v", q, x.Result.Verdict, x.Result.Hits, r.Verdict, r.Hits)
		}
		if x.Read == "" {
			t.Errorf("%q: explain reads nothing", q)
		}
	}
}
