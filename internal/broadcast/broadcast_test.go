package broadcast

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// fakeSender records what each chat received. fail, when set, decides an
// error for a chat (before anything is delivered).
type fakeSender struct {
	mu   sync.Mutex
	got  map[string][]flows.Reply
	sent int
	fail func(chat string) error
	hook func(n int) // called after each delivery, with the count so far
}

func newFakeSender() *fakeSender { return &fakeSender{got: map[string][]flows.Reply{}} }

func (f *fakeSender) Send(ctx context.Context, chat string, replies []flows.Reply) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.fail != nil {
		if err := f.fail(chat); err != nil {
			return err
		}
	}
	f.mu.Lock()
	f.got[chat] = append(f.got[chat], replies...)
	f.sent++
	n := f.sent
	hook := f.hook
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	return nil
}

func (f *fakeSender) count(chat string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.got[chat])
}
func (f *fakeSender) total() int { f.mu.Lock(); defer f.mu.Unlock(); return f.sent }

var errBlocked = errors.New("fake: blocked")

// town is users of several channels with real sessions and a real chat index,
// made by the engine, under a fake clock.
type town struct {
	st    *store.Store
	clk   *clocktest.Clock
	cat   *content.Catalog
	eng   *flows.Engine
	tg    *fakeSender
	zalo  *fakeSender
	zbot  *fakeSender
	chans map[string]Channel
	n     int
}

func newTown(t *testing.T, st *store.Store) *town {
	t.Helper()
	cat := contenttest.Builtin(t)
	// 09:00 in Vietnam.
	clk := clocktest.New(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC))
	eng, err := flows.New(cat, st, flows.Options{Now: clk.Now, Recorder: stats.NewRecorder(st, stats.Options{Now: clk.Now})})
	if err != nil {
		t.Fatal(err)
	}
	tw := &town{st: st, clk: clk, cat: cat, eng: eng, tg: newFakeSender(), zalo: newFakeSender(), zbot: newFakeSender()}
	blocked := func(err error) bool { return errors.Is(err, errBlocked) }
	tw.chans = map[string]Channel{
		"tg":      {Sender: tw.tg, PerSecond: 1000, Buttons: true, Unreachable: blocked},
		"zalo":    {Sender: tw.zalo, PerSecond: 1000, Window: 7 * 24 * time.Hour, Buttons: true, Unreachable: blocked},
		"zalobot": {Sender: tw.zbot, PerSecond: 1000},
	}
	return tw
}

// user plays a short conversation: open the bot, then press each label.
func (tw *town) user(t *testing.T, chat, ref string, presses ...string) {
	t.Helper()
	ch, id, _ := strings.Cut(chat, ":")
	in := func(in flows.Inbound) []flows.Reply {
		tw.n++
		in.Channel, in.ChatID, in.MessageID = flows.Channel(ch), id, fmt.Sprint(tw.n)
		r, err := tw.eng.Handle(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	last := in(flows.Inbound{Kind: flows.KindStart, Ref: ref})
	for _, label := range presses {
		payload := ""
		for _, r := range last {
			for _, row := range r.Buttons {
				for _, b := range row {
					if payload == "" && b.Payload != "" && strings.Contains(b.Label, label) {
						payload = b.Payload
					}
				}
			}
		}
		if payload == "" {
			t.Fatalf("%s: no button %q", chat, label)
		}
		last = in(flows.Inbound{Kind: flows.KindButton, Payload: payload})
	}
}

func (tw *town) broadcaster(o Options) *Broadcaster {
	o.Store, o.Content, o.Stats, o.Now = tw.st, func() *content.Catalog { return tw.cat }, stats.NewReader(tw.st, 0), tw.clk.Now
	if o.Channels == nil {
		o.Channels = tw.chans
	}
	return New(o)
}

// TestBroadcastResumesAfterACrash: a broadcast stopped halfway, then one
// whose process dies right after a send, then restarted, reaches every
// user exactly once; users outside Zalo's window are skipped and counted.
func TestBroadcastResumesAfterACrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tw := newTown(t, st)
		ctx := context.Background()
		// Two Zalo users wrote 10 days ago: outside the 7-day window.
		for i := range 2 {
			tw.user(t, fmt.Sprint("zalo:old", i), "")
		}
		tw.clk.Add(10 * 24 * time.Hour)
		for i := range 60 {
			tw.user(t, fmt.Sprint("tg:", 1000+i), "")
		}
		for i := range 20 {
			tw.user(t, fmt.Sprint("zalo:z", i), "")
		}
		for i := range 5 {
			tw.user(t, fmt.Sprint("web:w", i), "", "Cài ứng dụng") // the web chat cannot be written to first (and a page load alone is no user)
		}
		b := tw.broadcaster(Options{Workers: 3})

		plan, err := b.Plan(ctx, Segment{Kind: "all"})
		if err != nil {
			t.Fatal(err)
		}
		if plan["tg"].Pending != 60 || plan["zalo"].Pending != 20 || plan["zalo"].OutsideWindow != 2 || !plan["web"].NoSender || plan["web"].Recipients != 5 {
			t.Fatalf("dry run = %+v", plan)
		}
		if tw.tg.total()+tw.zalo.total() != 0 {
			t.Fatal("the dry run sent something")
		}

		job, err := b.Create(ctx, Message{Text: "Từ 1/7, thủ tục X cần tài khoản VNeID mức 2."}, Segment{Kind: "all"})
		if err != nil {
			t.Fatal(err)
		}

		// Run 1 is stopped (Ctrl-C) after 25 sends.
		runCtx, stop := context.WithCancel(ctx)
		tw.tg.hook = func(n int) {
			if n == 25 {
				stop()
			}
		}
		s, err := b.Run(runCtx, job.ID, RunOptions{})
		if !errors.Is(err, context.Canceled) || s.Done {
			t.Fatalf("stopped run: %v, done %v", err, s.Done)
		}
		tw.tg.hook = nil
		if sent := tw.tg.total(); sent < 25 || sent >= 60 {
			t.Fatalf("stopped run sent %d on Telegram", sent)
		}

		// Run 2 dies right after delivering its 5th message (the process is
		// killed before it can note the send).
		var mu sync.Mutex // channels run in parallel
		crashes := 0
		crashed := ""
		b2 := tw.broadcaster(Options{Workers: 1, crash: func(point, chat string) error {
			mu.Lock()
			defer mu.Unlock()
			if point == "after_send" {
				crashes++
				if crashes == 5 {
					crashed = chat
					return errCrash
				}
			}
			return nil
		}})
		if _, err := b2.Run(ctx, job.ID, RunOptions{}); !errors.Is(err, errCrash) {
			t.Fatalf("crashing run: %v", err)
		}

		// A third process restarts it and finishes.
		s, err = tw.broadcaster(Options{Workers: 4}).Run(ctx, job.ID, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 60 {
			if n := tw.tg.count(fmt.Sprint(1000 + i)); n != 1 {
				t.Errorf("tg:%d got the message %d times", 1000+i, n)
			}
		}
		for i := range 20 {
			if n := tw.zalo.count(fmt.Sprint("z", i)); n != 1 {
				t.Errorf("zalo:z%d got the message %d times", i, n)
			}
		}
		for i := range 2 {
			if n := tw.zalo.count(fmt.Sprint("old", i)); n != 0 {
				t.Errorf("zalo:old%d is outside the window but got %d", i, n)
			}
		}
		tg, za, web := s.Channels["tg"], s.Channels["zalo"], s.Channels["web"]
		if !s.Done || tg.Sent+tg.Uncertain != 60 || za.Sent+za.Uncertain != 20 || tg.Uncertain+za.Uncertain != 1 || za.OutsideWindow != 2 || web.Pending != 5 || !web.NoSender {
			t.Fatalf("status = %+v", s)
		}
		if crashed == "" {
			t.Fatal("the crash hook never fired")
		}
		// The reply carries the text and a menu button.
		r := tw.tg.got["1000"]
		if len(r) != 1 || !strings.Contains(r[0].Text, "thủ tục X") || len(r[0].Buttons) != 1 || r[0].Buttons[0][0].Payload != "menu" {
			t.Fatalf("reply = %+v", r)
		}
	})
}

func TestBroadcastSegmentsAndBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		tw := newTown(t, st)
		ctx := context.Background()
		tw.user(t, "tg:1", "v_k7m2p9xq", "Cài ứng dụng", "iPhone", "Tôi bị kẹt")  // stuck, unfinished, referred
		tw.user(t, "tg:2", "", "Cài ứng dụng", "Android")                         // unfinished
		tw.user(t, "tg:3", "v_k7m2p9xq", "Cài ứng dụng", "Android", "Tôi đã cài") // completed
		tw.user(t, "zalobot:4", "", "Cài ứng dụng")                               // unfinished, no buttons
		tw.user(t, "tg:5", "")                                                    // at the menu
		b := tw.broadcaster(Options{})
		who := func(seg string) string {
			t.Helper()
			sg, err := ParseSegment(seg)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			err = b.choose(ctx, sg, func(r recipient) error { out = append(out, r.chat); return nil })
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(out)
			return strings.Join(out, " ")
		}
		for seg, want := range map[string]string{
			"all":           "tg:1 tg:2 tg:3 tg:5 zalobot:4",
			"unfinished":    "tg:1 tg:2 zalobot:4",
			"stuck:install": "tg:1",
			"ref:k7m2p9xq":  "tg:1 tg:3",
			"ref:zz2zz2zz":  "",
		} {
			if got := who(seg); got != want {
				t.Errorf("segment %s = %q, want %q", seg, got, want)
			}
		}
		for _, bad := range []string{"stuck:", "ref:nope", "everyone", "stuck:Bad-Flow"} {
			if _, err := ParseSegment(bad); err == nil {
				t.Errorf("segment %q accepted", bad)
			}
		}

		// An entry, sent to the unfinished; tg:2 has blocked the bot.
		tw.tg.fail = func(chat string) error {
			if chat == "2" {
				return errBlocked
			}
			return nil
		}
		job, err := b.Create(ctx, Message{Entry: "otp_not_received"}, Segment{Kind: "unfinished"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := b.Run(ctx, job.ID, RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if c := s.Channels["tg"]; c.Sent != 1 || c.Blocked != 1 || c.Recipients != 2 {
			t.Errorf("tg = %+v", c)
		}
		answer := tw.cat.Entry("otp_not_received").Answer["vi"]
		if r := tw.tg.got["1"]; len(r) != 1 || r[0].Text != answer {
			t.Errorf("tg:1 got %+v", r)
		}
		if r := tw.zbot.got["4"]; len(r) != 1 || r[0].Text != answer || hasPayload(r[0]) {
			t.Errorf("zalobot:4 got %+v: the answer, and no payload buttons", r)
		}
		// Running a finished job again sends nothing.
		before := tw.tg.total() + tw.zbot.total()
		if _, err := b.Run(ctx, job.ID, RunOptions{}); err != nil || tw.tg.total()+tw.zbot.total() != before {
			t.Errorf("a second run sent more (%v)", err)
		}
		// Another run holding the lease keeps a second one out.
		st.Client().Set(ctx, b.key(job.ID, "lease"), "other", time.Minute)
		if _, err := b.Run(ctx, job.ID, RunOptions{}); !errors.Is(err, ErrBusy) {
			t.Errorf("concurrent run: %v, want ErrBusy", err)
		}
		if _, err := b.Create(ctx, Message{Text: "a", Entry: "b"}, Segment{Kind: "all"}); err == nil {
			t.Error("a message with both a text and an entry was accepted")
		}
	})
}

func hasPayload(r flows.Reply) bool {
	for _, row := range r.Buttons {
		for _, b := range row {
			if b.Payload != "" {
				return true
			}
		}
	}
	return false
}
