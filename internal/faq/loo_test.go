package faq

import (
	"flag"
	"fmt"
	"sort"
	"testing"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
)

var loo = flag.Bool("faq.loo", false, "run the leave-one-out calibration over the content's own variants")

// TestLeaveOneOut asks every question variant of the real content against an
// index built without it, a second, independent check of the calibration
// (the evaluation set being the first). Run with -faq.loo -v.
func TestLeaveOneOut(t *testing.T) {
	if !*loo {
		t.Skip("-faq.loo not set")
	}
	cat := mustLoad(t)
	var n, top1, top3, conf, confRight int
	var misses []string
	for _, e := range cat.FAQ {
		for locale, qs := range e.Questions {
			for i, q := range qs {
				saved := e.Questions[locale]
				e.Questions[locale] = append(append([]string{}, qs[:i]...), qs[i+1:]...)
				ix := New(cat)
				e.Questions[locale] = saved
				r := ix.Search(q, locale)
				n++
				if len(r.Hits) > 0 && r.Hits[0].ID == e.ID {
					top1++
				}
				for _, h := range r.Hits {
					if h.ID == e.ID {
						top3++
					}
				}
				if r.Verdict == Confident {
					conf++
					if r.Hits[0].ID == e.ID {
						confRight++
					}
				}
				if r.Verdict != Confident || r.Hits[0].ID != e.ID {
					got := r.Verdict.String()
					if len(r.Hits) > 0 {
						got += fmt.Sprintf(" %s %.2f", r.Hits[0].ID, r.Hits[0].Score)
					}
					misses = append(misses, fmt.Sprintf("%-22s %-40q → %s", e.ID, q, got))
				}
			}
		}
	}
	sort.Strings(misses)
	for _, m := range misses {
		t.Log(m)
	}
	t.Logf("loo: n=%d first=%.1f%% top3=%.1f%% confident=%.1f%% confident-right=%.1f%%",
		n, pct(top1, n), pct(top3, n), pct(conf, n), pct(confRight, conf))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// mustLoad loads the built-in content anew: the leave-one-out and tuning
// tests change entries in place.
func mustLoad(tb testing.TB) *content.Catalog { return contenttest.Fresh(tb) }
