package faq

import (
	"flag"
	"fmt"
	"strings"
	"testing"
)

var explainQ = flag.String("faq.explain", "", "print how the index scores this question")

// explain describes how q is read and scored, for tuning.
func (ix *Index) explain(q string) string {
	var b strings.Builder
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	sc.unknown = sc.unknown[:0]
	words := ix.an.rewrite(nil, ix.lookup(sc, q))
	qq := ix.query(sc, words)
	qq.index(nil)
	name := func(t int32) string {
		if int(t) < len(ix.lex.words) {
			return ix.lex.words[t]
		}
		name := "?"
		ix.pairs.each(func(k uint64, id int32) {
			if id == t {
				name = ix.lex.words[k>>32] + "_" + ix.lex.words[uint32(k)]
			}
		})
		return name
	}
	fmt.Fprintf(&b, "total %.2f maxIDF %.2f\n", qq.total, ix.maxIDF)
	for _, t := range qq.terms {
		fmt.Fprintf(&b, "  %-20s w=%.2f c=%.2f df=%d\n", name(t.id), t.w, t.c, ix.df(t.id))
	}
	best, _ := ix.scoreAll(sc, q, words)
	for i, s := range best {
		if i == 6 {
			break
		}
		fmt.Fprintf(&b, "  %-22s score=%.3f evidence=%.2f field=%.3f\n", ix.entries[s.entry].src.ID, s.score, s.evidence, ix.bestField(&qq, s.entry))
	}
	r := ix.Search(q, "vi")
	fmt.Fprintf(&b, "verdict %s\n", r.Verdict)
	return b.String()
}

func TestExplain(t *testing.T) {
	if *explainQ == "" {
		t.Skip("-faq.explain not set")
	}
	ix := New(mustLoad(t))
	for _, q := range strings.Split(*explainQ, "|") {
		t.Logf("%q\n%s", q, ix.explain(q))
	}
}
