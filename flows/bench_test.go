package flows_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// BenchmarkHandle measures one update through the engine, Redis included,
// and reports the Redis round trips it took. The update is a typed menu
// command for one of 1,000 chats, so sessions exist and are rewritten.
func BenchmarkHandle(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			st := storetest.Open(b, be, store.Options{})
			rt := storetest.CountRoundTrips(st)
			e := newEngine(b, st, newClock(), nil)
			ctx := context.Background()
			for i := range 1000 {
				if _, err := e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: fmt.Sprint(i), Kind: flows.KindStart}); err != nil {
					b.Fatal(err)
				}
			}
			rt.Reset()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				in := flows.Inbound{Channel: "web", ChatID: fmt.Sprint(i % 1000), MessageID: fmt.Sprint("b", i), Kind: flows.KindText, Text: "menu"}
				if _, err := e.Handle(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rt.N())/float64(b.N), "redis-rt/op")
		})
	}
}

// BenchmarkHandleLongText (seventh probe, V3) measures a 4,000-character
// message the FAQ does not answer: ordinary letters and words, and U+FDFA, which
// NFKC expands ×18. With the text bounded after normalisation
// (MaxNormalText) the two cost about the same.
func BenchmarkHandleLongText(b *testing.B) {
	st := storetest.Open(b, storetest.Backends()[0], store.Options{})
	e := newEngine(b, st, newClock(), nil)
	ctx := context.Background()
	for _, tc := range []struct{ name, text string }{
		{"plain", strings.Repeat("a", 4000)},
		{"words", strings.Repeat("xin chào cho tôi hỏi về việc này ", 125)},
		{"fdfa", strings.Repeat("\uFDFA", 4000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				// a new chat each time: the per-chat rate limit stays out of it
				in := flows.Inbound{Channel: "web", ChatID: fmt.Sprint(tc.name, i), MessageID: "m", Kind: flows.KindText, Text: tc.text}
				if _, err := e.Handle(ctx, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
