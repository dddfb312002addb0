package broadcast

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// BenchmarkInteractiveDuringBroadcast measures what a broadcast to 50,000
// users costs the conversations going on meanwhile (issue 13): interactive
// updates arrive at 200/s (Poisson) for 6 s through the engine, once alone
// and once while a broadcast is created (its recipients chosen from the
// 50,000 sessions) and sent at Telegram's cap (30/s, against a fake sender).
// It reports the p99 latency of the interactive updates in both runs.
// Broadcasts have their own lane: their sends are paced per channel and go
// through the platform limiter's bulk lane (live replies first), and they
// take no admission slot. Run it on real Redis:
//
//	REDIS_URL=redis://127.0.0.1:6379/7 go test -run '^$' -bench InteractiveDuringBroadcast -benchtime 1x ./internal/broadcast/
func BenchmarkInteractiveDuringBroadcast(b *testing.B) {
	backend := storetest.Backend{Name: "miniredis"}
	if url := os.Getenv("REDIS_URL"); url != "" {
		backend = storetest.Backend{Name: "redis", URL: url}
	}
	st := storetest.Open(b, backend, store.Options{})
	cat := contenttest.Builtin(b)
	ctx := context.Background()
	const users = 50_000
	seedUsers(b, st, users)
	eng, err := flows.New(cat, st, flows.Options{Recorder: stats.NewRecorder(st, stats.Options{})})
	if err != nil {
		b.Fatal(err)
	}
	tg := newFakeSender()
	bc := New(Options{
		Store:    st,
		Content:  func() *content.Catalog { return cat },
		Channels: map[string]Channel{"tg": {Sender: tg, PerSecond: 30, Buttons: true}},
		Stats:    stats.NewReader(st, 0),
	})
	interactive(b, ctx, eng, "warm", 2*time.Second) // content and FAQ caches, connections
	for b.Loop() {
		alone := interactive(b, ctx, eng, "alone", 6*time.Second)

		bctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var created time.Duration
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			s, err := bc.Create(bctx, Message{Text: "Thông báo: hạn chót đăng ký mức 2"}, Segment{Kind: "all"})
			created = time.Since(t0)
			if err != nil {
				if bctx.Err() == nil {
					b.Error(err)
				}
				return
			}
			bc.Run(bctx, s.ID, RunOptions{})
		}()
		during := interactive(b, ctx, eng, "during", 6*time.Second)
		cancel()
		wg.Wait()
		b.ReportMetric(alone, "p99-alone-ms")
		b.ReportMetric(during, "p99-during-ms")
		b.ReportMetric(float64(tg.total()), "broadcast-sent")
		b.ReportMetric(created.Seconds(), "create-s")
	}
}

// seedUsers writes n Telegram users' sessions and the chat index directly,
// in pipelines, as the engine would have left them.
func seedUsers(b *testing.B, st *store.Store, n int) {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	sess, _ := json.Marshal(flows.Session{Locale: "vi", Flow: "level2_register", Step: "where", Turns: 4, Started: now.Add(-48 * time.Hour).Unix(), Updated: now.Add(-time.Hour).Unix()})
	for i := 0; i < n; i += 1000 {
		_, err := st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
			for j := i; j < min(i+1000, n); j++ {
				chat := "tg:" + strconv.Itoa(700_000_000+j)
				p.HSet(ctx, st.Key("{"+chat+"}", "s"), "v", 1, "d", sess)
				p.ZAdd(ctx, st.Key("chats"), redis.Z{Score: float64(now.Add(-time.Hour).Unix()), Member: chat})
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// interactive sends web updates at 200/s with Poisson gaps for d and
// returns their p99 latency in milliseconds.
func interactive(b *testing.B, ctx context.Context, eng *flows.Engine, run string, d time.Duration) float64 {
	b.Helper()
	const rate = 200.0
	var (
		mu   sync.Mutex
		lats []time.Duration
		wg   sync.WaitGroup
	)
	moves := []flows.Inbound{
		{Kind: flows.KindStart},
		{Kind: flows.KindButton, Payload: "f:install"},
		{Kind: flows.KindText, Text: "android"},
		{Kind: flows.KindText, Text: "ko nhan dc otp"},
		{Kind: flows.KindText, Text: "menu"},
	}
	start := time.Now()
	next := start
	for i := 0; ; i++ {
		next = next.Add(time.Duration(expGap(i) * float64(time.Second) / rate))
		if next.Sub(start) > d {
			break
		}
		time.Sleep(time.Until(next))
		in := moves[i%len(moves)]
		in.Channel, in.ChatID, in.MessageID = "web", run+"-"+strconv.Itoa(i/len(moves)), strconv.Itoa(i)
		wg.Add(1)
		go func(scheduled time.Time) {
			defer wg.Done()
			if _, err := eng.Handle(ctx, in); err != nil {
				b.Error(err)
			}
			l := time.Since(scheduled)
			mu.Lock()
			lats = append(lats, l)
			mu.Unlock()
		}(next)
	}
	wg.Wait()
	slices.Sort(lats)
	return float64(lats[int(math.Ceil(0.99*float64(len(lats))))-1]) / float64(time.Millisecond)
}

// expGap is a deterministic exponential gap with mean 1 (for Poisson arrivals).
func expGap(i int) float64 {
	u := (float64((i*2654435761)%1_000_003) + 0.5) / 1_000_003
	return -math.Log(u)
}
