package stats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestMemoryPerDay measures, on a real Redis (MEMORY USAGE), what one day
// of statistics costs: 2,000 new users, a fifth of them referred by 50
// volunteers, each walking part of a flow, some stuck, some asking the FAQ.
// It logs the figure and fails beyond 4 MB (the day keys expire after the
// retention, so a year costs at most 365 times this).
func TestMemoryPerDay(t *testing.T) {
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Skip("MEMORY USAGE needs a real Redis: set REDIS_URL")
	}
	st := storetest.Open(t, storetest.Backend{Name: "redis", URL: url}, store.Options{})
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	rec := stats.NewRecorder(st, stats.Options{Now: func() time.Time { return day }})
	cat := contenttest.Builtin(t)
	rng := rand.New(rand.NewPCG(1, 2))
	const users, volunteers = 2000, 50
	for u := range users {
		chat := fmt.Sprintf("tg:%d", 100000+u)
		ref := ""
		if u%5 == 0 {
			ref = fmt.Sprintf("v_vxq%05d", u%volunteers) // shaped like a code ("0" and "1" are not in codes)
			ref = strings.NewReplacer("0", "a", "1", "b").Replace(ref)
		}
		f := cat.Flows[rng.IntN(len(cat.Flows))]
		evs := []flows.Event{{Kind: flows.EventFirstContact}}
		step := f.Step(f.Start)
		for n := 0; step != nil && n < 1+rng.IntN(6); n++ {
			evs = append(evs, flows.Event{Kind: flows.EventStep, Flow: f.ID, Step: step.ID})
			if step.End {
				evs = append(evs, flows.Event{Kind: flows.EventCompleted, Flow: f.ID, Step: step.ID})
				break
			}
			if rng.IntN(10) == 0 {
				evs = append(evs, flows.Event{Kind: flows.EventStuck, Flow: f.ID, Step: step.ID})
			}
			if len(step.Choices) == 0 {
				break
			}
			step = f.Step(step.Choices[rng.IntN(len(step.Choices))].Next)
		}
		if rng.IntN(3) == 0 {
			evs = append(evs, flows.Event{Kind: flows.EventFAQAnswered, Entry: cat.FAQ[rng.IntN(len(cat.FAQ))].ID})
		}
		if rng.IntN(8) == 0 {
			evs = append(evs, flows.Event{Kind: flows.EventFAQMissed, Text: fmt.Sprintf("câu hỏi lạ số %d về việc gì đó", u)})
		}
		for i := range evs {
			evs[i].Channel, evs[i].Chat, evs[i].Ref, evs[i].Time = "tg", chat, ref, day
		}
		if err := rec.Record(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	var dayBytes, other int64
	keys := storetest.Keys(t, st.Client(), st.Key("*"))
	n := 0
	for _, k := range keys {
		b, err := st.Client().MemoryUsage(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(k, ":2026-") {
			dayBytes += b
			n++
		} else {
			other += b
		}
	}
	t.Logf("one day, %d users: %d day keys, %.0f KB (%.0f bytes a user); outside the day keys (chat index, referral totals, unanswered list): %.0f KB",
		users, n, float64(dayBytes)/1024, float64(dayBytes)/users, float64(other)/1024)
	if dayBytes > 4<<20 {
		t.Errorf("a day of statistics takes %d bytes", dayBytes)
	}
}
