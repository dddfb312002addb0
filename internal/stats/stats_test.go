package stats_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
	"github.com/vneid-guide/vneidbot/internal/volunteer/inchat"
)

// world is the real engine with the Recorder and the volunteer features, on
// one store, under a fake clock.
type world struct {
	t   *testing.T
	st  *store.Store
	clk *clocktest.Clock
	eng *flows.Engine
	reg *volunteer.Registry
	rd  *stats.Reader
	vol *inchat.Service
	cat *content.Catalog
	seq atomic.Int64
}

func newWorld(t *testing.T, st *store.Store) *world {
	t.Helper()
	// 10:00 in Vietnam on 2 March 2026.
	clk := clocktest.New(time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC))
	w := &world{t: t, st: st, clk: clk, reg: volunteer.NewRegistry(st, clk.Now), rd: stats.NewReader(st, 0), cat: contenttest.Builtin(t)}
	w.vol = &inchat.Service{Registry: w.reg, Stats: w.rd, Now: clk.Now,
		Links: volunteer.Links{WebURL: "https://hotro.example.gov.vn", TelegramBot: "vneid_guide_bot", ZaloOA: "https://zalo.me/123"}}
	var err error
	w.eng, err = flows.New(w.cat, st, flows.Options{
		Now:        clk.Now,
		Recorder:   stats.NewRecorder(st, stats.Options{Now: clk.Now}),
		Volunteers: w.vol,
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// citizen is one simulated user of one channel.
type citizen struct {
	w    *world
	ch   string
	id   string
	last []flows.Reply
}

func (w *world) citizen(channel, id string) *citizen { return &citizen{w: w, ch: channel, id: id} }

func (c *citizen) send(in flows.Inbound) *citizen {
	c.w.t.Helper()
	in.Channel, in.ChatID, in.MessageID = flows.Channel(c.ch), c.id, fmt.Sprint("m", c.w.seq.Add(1))
	c.w.clk.Add(5 * time.Second)
	replies, err := c.w.eng.Handle(context.Background(), in)
	if err != nil {
		c.w.t.Fatalf("%s:%s: %v", c.ch, c.id, err)
	}
	c.last = replies
	return c
}

func (c *citizen) start(ref string) *citizen {
	return c.send(flows.Inbound{Kind: flows.KindStart, Ref: ref})
}
func (c *citizen) say(text string) *citizen {
	return c.send(flows.Inbound{Kind: flows.KindText, Text: text})
}

// press presses the button of the last replies whose label contains label.
func (c *citizen) press(label string) *citizen {
	c.w.t.Helper()
	for _, r := range c.last {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Payload != "" && strings.Contains(b.Label, label) {
					return c.send(flows.Inbound{Kind: flows.KindButton, Payload: b.Payload})
				}
			}
		}
	}
	c.w.t.Fatalf("%s:%s: no button %q in %+v", c.ch, c.id, label, c.last)
	return c
}

func (c *citizen) text() string {
	var s []string
	for _, r := range c.last {
		s = append(s, r.Text)
	}
	return strings.Join(s, "\n")
}

func (w *world) report(f stats.Filter) *stats.Report {
	w.t.Helper()
	vols, err := w.reg.All(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	rep, err := w.rd.Report(context.Background(), f, w.cat, vols)
	if err != nil {
		w.t.Fatal(err)
	}
	return rep
}

func today(w *world) stats.Filter { return stats.Filter{Since: w.clk.Now(), Until: w.clk.Now()} }

// TestFunnelFromConversations plays conversations through the real engine
// and checks every number of the report exactly.
func TestFunnelFromConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		vol, err := w.reg.Add(ctx, "Nguyễn Văn An", "Xã Tân Lập")
		if err != nil {
			t.Fatal(err)
		}
		// u1 comes through the volunteer, installs on Android, and shares.
		u1 := w.citizen("web", "u1").start(vol.Ref()).press("Cài ứng dụng").press("Android").say("xong rồi")
		u1.say("chia sẻ")
		if !strings.Contains(u1.text(), "https://hotro.example.gov.vn/?ref=v_") {
			t.Fatalf("share gave no link:\n%s", u1.text())
		}
		own, ok, _ := w.reg.OfChat(ctx, "web:u1")
		if !ok || own.Parent != vol.Code {
			t.Fatalf("u1's own code = %+v, %v; want parent %s", own, ok, vol.Code)
		}
		// u2 comes through the volunteer, picks iPhone and gets stuck.
		w.citizen("web", "u2").start(vol.Ref()).press("Cài ứng dụng").press("iPhone").press("Tôi bị kẹt")
		// u3 opens Telegram with no referral and leaves at the first step.
		w.citizen("tg", "3").start("").press("Cài ứng dụng")
		// u4 comes through u1's link (the chain), asks two questions.
		u4 := w.citizen("tg", "4").start(own.Ref()).say("không nhận được OTP")
		u4.say("qwerty zxcvb asdf")
		// A referral parameter that is no code is ignored.
		w.citizen("web", "u5").start("facebook_ad").say("thời tiết hôm nay thế nào")

		rep := w.report(today(w))
		if rep.Users != 5 || rep.NewUsers != 5 {
			t.Errorf("users %d, new %d; want 5, 5", rep.Users, rep.NewUsers)
		}
		if want := map[string]int64{"web": 3, "tg": 2}; !reflect.DeepEqual(rep.ByChannel, want) {
			t.Errorf("by_channel = %v, want %v", rep.ByChannel, want)
		}
		install := map[string]stats.FunnelStep{}
		for _, s := range rep.Funnel {
			if s.Left < 0 || s.Next > s.Users {
				t.Errorf("negative drop-off at %+v", s)
			}
			if s.Flow == "install" {
				install[s.Step] = s
			}
		}
		check := func(step string, users, next, left int64) {
			t.Helper()
			s := install[step]
			if s.Users != users || s.Next != next || s.Left != left {
				t.Errorf("install/%s = users %d next %d left %d; want %d %d %d", step, s.Users, s.Next, s.Left, users, next, left)
			}
		}
		check("choose_os", 3, 2, 1)
		check("android_store", 1, 1, 0)
		check("ios_store", 1, 0, 1)
		check("installed", 1, 0, 0)
		if rep.Funnel[0].Flow != "install" || rep.Funnel[0].Step != "choose_os" {
			t.Errorf("funnel starts at %s/%s, want the first menu flow's start", rep.Funnel[0].Flow, rep.Funnel[0].Step)
		}
		if want := map[string]int64{"install": 1}; !reflect.DeepEqual(rep.Completed, want) {
			t.Errorf("completed = %v, want %v", rep.Completed, want)
		}
		if len(rep.Flows) == 0 || rep.Flows[0] != (stats.FlowTotal{Flow: "install", Title: "Cài ứng dụng VNeID", Started: 3, Completed: 1}) {
			t.Errorf("flows = %+v", rep.Flows)
		}
		if want := []stats.StuckPoint{{Flow: "install", Step: "ios_store", Title: "Cài ứng dụng VNeID: Cài trên iPhone", Users: 1}}; !reflect.DeepEqual(rep.Stuck, want) {
			t.Errorf("stuck = %+v, want %+v", rep.Stuck, want)
		}
		if rep.FAQ.Answered != 1 || rep.FAQ.Missed != 1 || len(rep.FAQ.Top) != 1 || rep.FAQ.Top[0].Entry != "otp_not_received" || rep.FAQ.Top[0].Count != 1 {
			t.Errorf("faq = %+v", rep.FAQ)
		}
		if rep.Shared != 1 {
			t.Errorf("shared = %d", rep.Shared)
		}
		refs := map[string]stats.Referral{}
		for _, r := range rep.Referrals {
			refs[r.Code] = r
		}
		if r := refs[vol.Code]; r.Started != 2 || r.Completed != 1 || r.Network != 1 || r.Name != "Nguyễn Văn An" {
			t.Errorf("volunteer's referral = %+v; want started 2, completed 1, network 1", r)
		}
		if r := refs[own.Code]; r.Started != 1 || r.Via != vol.Code || r.Kind != volunteer.KindCitizen {
			t.Errorf("u1's referral = %+v; want started 1 via %s", r, vol.Code)
		}
		if len(refs) != 2 {
			t.Errorf("referrals = %+v (facebook_ad must not be one)", rep.Referrals)
		}
		if want := []stats.DayTotal{{Date: "2026-03-02", Users: 5, New: map[string]int64{"web": 3, "tg": 2}}}; !reflect.DeepEqual(rep.Daily, want) {
			t.Errorf("daily = %+v", rep.Daily)
		}

		// --ref: only the volunteer's users.
		f := today(w)
		f.Ref = vol.Code
		byRef := w.report(f)
		if byRef.Users != 2 || byRef.NewUsers != 2 || byRef.Completed["install"] != 1 || len(byRef.Stuck) != 1 || len(byRef.Referrals) != 1 {
			t.Errorf("--ref report = users %d new %d completed %v stuck %v referrals %v", byRef.Users, byRef.NewUsers, byRef.Completed, byRef.Stuck, byRef.Referrals)
		}

		// The unanswered question is kept, redacted, newest first.
		missed, err := w.rd.RecentMissed(ctx, 10)
		if err != nil || len(missed) != 1 || missed[0].Text != "qwerty zxcvb asdf" || missed[0].Channel != "tg" {
			t.Errorf("recent missed = %+v, %v", missed, err)
		}

		// /thongke for the volunteer's linked chat, through the engine.
		key, _ := w.reg.ClaimKey(ctx, vol.Code)
		if _, err := w.reg.Claim(ctx, "tg:99", key); err != nil {
			t.Fatal(err)
		}
		v := w.citizen("tg", "99").start("").say("chia sẻ")
		v.press("Số người")
		if got := v.text(); !strings.Contains(got, "qua đường link của bạn: 2") || !strings.Contains(got, "làm xong ít nhất một phần hướng dẫn: 1") || !strings.Contains(got, "mời tiếp: 1") {
			t.Errorf("/thongke says:\n%s", got)
		}
	})
}

// TestFunnelAcrossDays: a user who starts on one day and goes on the next
// is counted once in a two-day period, and a period that holds only the
// second day never shows more users going on than arriving.
func TestFunnelAcrossDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		day1 := w.clk.Now()
		c := w.citizen("web", "slow").start("").press("Cài ứng dụng")
		w.clk.Add(24 * time.Hour)
		c.press("Android").say("xong rồi")
		both := w.report(stats.Filter{Since: day1, Until: w.clk.Now()})
		if both.Users != 1 || both.NewUsers != 1 || both.Completed["install"] != 1 {
			t.Errorf("two days: users %d new %d completed %v", both.Users, both.NewUsers, both.Completed)
		}
		second := w.report(today(w))
		for _, s := range second.Funnel {
			if s.Left < 0 || s.Next > s.Users {
				t.Errorf("negative drop-off at %+v", s)
			}
		}
		if second.NewUsers != 0 || second.Users != 1 {
			t.Errorf("second day: users %d new %d", second.Users, second.NewUsers)
		}
	})
}

// TestReportJSONShape pins the JSON field names the issue promises.
func TestReportJSONShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		vol, _ := w.reg.Add(context.Background(), "An", "")
		w.citizen("web", "a").start(vol.Ref()).press("Cài ứng dụng").press("iPhone").press("Tôi bị kẹt")
		b, err := json.Marshal(w.report(today(w)))
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"users", "by_channel", "funnel", "completed", "stuck", "faq", "referrals"} {
			if _, ok := m[k]; !ok {
				t.Errorf("no %q in %s", k, b)
			}
		}
		fields := func(v any) []string {
			var out []string
			for k := range v.(map[string]any) {
				out = append(out, k)
			}
			sort.Strings(out)
			return out
		}
		has := func(what string, got []string, want ...string) {
			t.Helper()
			for _, k := range want {
				if i := sort.SearchStrings(got, k); i == len(got) || got[i] != k {
					t.Errorf("%s has %v, missing %q", what, got, k)
				}
			}
		}
		has("funnel row", fields(m["funnel"].([]any)[0]), "flow", "step", "users")
		has("stuck row", fields(m["stuck"].([]any)[0]), "flow", "step", "users")
		has("faq", fields(m["faq"]), "answered", "missed", "top")
		has("referral", fields(m["referrals"].([]any)[0]), "code", "name", "started", "completed")
		if r := m["referrals"].([]any)[0].(map[string]any); r["code"] != vol.Code || r["started"] != 1.0 {
			t.Errorf("referral = %v", r)
		}
	})
}

// TestRecordIsOneRoundTrip: everything an update records goes to Redis in
// one pipelined round trip, whatever the events.
func TestRecordIsOneRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var calls atomic.Int64
		st.Client().AddHook(countHook{&calls})
		rec := stats.NewRecorder(st, stats.Options{})
		st.Ping(context.Background()) // connect first: the handshake is not the Recorder's
		calls.Store(0)
		now := time.Now()
		evs := []flows.Event{
			{Kind: flows.EventFirstContact}, {Kind: flows.EventStep, Flow: "install", Step: "choose_os"},
			{Kind: flows.EventStuck, Flow: "install", Step: "choose_os"}, {Kind: flows.EventCompleted, Flow: "install", Step: "installed"},
			{Kind: flows.EventFAQMissed, Text: "số của tôi là 0912345678"}, {Kind: flows.EventFAQAnswered, Entry: "otp_not_received"},
			{Kind: flows.EventHelpful, Entry: "otp_not_received"},
		}
		for i := range evs {
			evs[i].Channel, evs[i].Chat, evs[i].Ref, evs[i].Time = "tg", "tg:1", "v_k7m2p9xq", now
		}
		if err := rec.Record(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("Record made %d round trips, want 1", n)
		}
		// and the phone number never reached Redis
		missed, _ := stats.NewReader(st, 0).RecentMissed(context.Background(), 1)
		if len(missed) != 1 || strings.Contains(missed[0].Text, "0912345678") {
			t.Fatalf("missed = %+v", missed)
		}
	})
}

type countHook struct{ n *atomic.Int64 }

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if !handshake(cmds[0]) {
			h.n.Add(1)
		}
		return next(ctx, cmds)
	}
}

// handshake reports the commands go-redis sends when it opens a connection.
func handshake(cmd redis.Cmder) bool {
	n := cmd.Name()
	return n == "hello" || n == "client" || n == "auth" || n == "select"
}

// TestMemoryIsBounded: every day key expires, the unanswered list is capped,
// and the chat index drops chats idle longer than IndexFor.
func TestMemoryIsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
		rec := stats.NewRecorder(st, stats.Options{Retention: 30 * 24 * time.Hour, IndexFor: 10 * 24 * time.Hour, Now: func() time.Time { return now }})
		for i := range stats.MissedCap + 50 {
			chat := fmt.Sprint("web:m", i)
			at := now.Add(-time.Duration(stats.MissedCap+50-i) * time.Hour) // spread over 14 days, oldest first
			rec.Record(ctx, []flows.Event{
				{Kind: flows.EventFirstContact, Channel: "web", Chat: chat, Time: at},
				{Kind: flows.EventStep, Channel: "web", Chat: chat, Flow: "install", Step: "choose_os", Time: at},
				{Kind: flows.EventFAQMissed, Channel: "web", Chat: chat, Text: "câu hỏi lạ", Time: at},
			})
		}
		rdb := st.Client()
		keys := storetest.Keys(t, rdb, st.Key("*"))
		for _, k := range keys {
			ttl, _ := rdb.TTL(ctx, k).Result()
			switch {
			case strings.Contains(k, ":{stats}:2026-"):
				if ttl <= 0 || ttl > 33*24*time.Hour {
					t.Errorf("%s has TTL %v, want the retention", k, ttl)
				}
			case strings.HasSuffix(k, ":{stats}:missed"):
				if n, _ := rdb.LLen(ctx, k).Result(); n != stats.MissedCap {
					t.Errorf("unanswered list holds %d, want the cap %d", n, stats.MissedCap)
				}
			case strings.HasSuffix(k, ":chats"):
				oldest, _ := rdb.ZRangeWithScores(ctx, k, 0, 0).Result()
				if age := now.Sub(time.Unix(int64(oldest[0].Score), 0)); age > 10*24*time.Hour {
					t.Errorf("chat index keeps a chat idle %v", age)
				}
			case strings.Contains(k, ":faq:{misses}:"):
				// the unanswered log (package faq) is capped by count, not by time
				if n := keySize(ctx, rdb, k); n > 5000 {
					t.Errorf("%s holds %d items, over the faq cap", k, n)
				}
			default:
				t.Errorf("unexpected key %s (TTL %v)", k, ttl)
			}
		}
	})
}

// keySize is the number of items in a list, hash or sorted set.
func keySize(ctx context.Context, rdb redis.UniversalClient, k string) int64 {
	switch rdb.Type(ctx, k).Val() {
	case "list":
		return rdb.LLen(ctx, k).Val()
	case "hash":
		return rdb.HLen(ctx, k).Val()
	case "zset":
		return rdb.ZCard(ctx, k).Val()
	}
	return 0
}

// TestShareCodesThatBroughtNobodyExpire: a citizen's share code that started
// no chat in volunteer.ShareCodeLife is deleted (security review R9); one
// that brought someone stays, with its numbers.
func TestShareCodesThatBroughtNobodyExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		w.citizen("web", "a").start("").say("chia sẻ")
		w.citizen("web", "b").start("").say("chia sẻ")
		a, _, _ := w.reg.OfChat(ctx, "web:a")
		b, _, _ := w.reg.OfChat(ctx, "web:b")
		w.citizen("tg", "9").start(a.Ref())
		if n, err := w.vol.ExpireShareCodes(ctx, w.clk.Now()); err != nil || n != 0 {
			t.Fatalf("young codes: expired %d, %v", n, err)
		}
		w.clk.Add(volunteer.ShareCodeLife + time.Minute)
		if n, err := w.vol.ExpireShareCodes(ctx, w.clk.Now()); err != nil || n != 1 {
			t.Fatalf("expired %d, %v; want 1", n, err)
		}
		if _, err := w.reg.Get(ctx, b.Code); !errors.Is(err, volunteer.ErrNotFound) {
			t.Errorf("b's unused code stayed: %v", err)
		}
		if n, ok, err := w.vol.Numbers(ctx, "web:a"); err != nil || !ok || n.Started != 1 {
			t.Errorf("a's numbers = %+v %v %v; want 1 started", n, ok, err)
		}
	})
}

// TestNetworkNumbersReadEveryFewMinutes: a volunteer's network (the people
// brought by those they brought) is read from every code at most once per
// few minutes, so that "/thongke" typed by many cannot stall Redis when
// there are many codes (security review T1); their own numbers stay exact.
func TestNetworkNumbersReadEveryFewMinutes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		w.citizen("web", "a").start("").say("chia sẻ")
		a, _, _ := w.reg.OfChat(ctx, "web:a")
		w.citizen("web", "b").start(a.Ref()).say("chia sẻ")
		b, _, _ := w.reg.OfChat(ctx, "web:b")
		w.citizen("tg", "c").start(b.Ref())
		numbers := func() (started, network int64) {
			t.Helper()
			n, ok, err := w.vol.Numbers(ctx, "web:a")
			if err != nil || !ok {
				t.Fatalf("numbers: %v %v", ok, err)
			}
			return n.Started, n.Network
		}
		if s, n := numbers(); s != 1 || n != 1 {
			t.Fatalf("started %d, network %d; want 1, 1", s, n)
		}
		w.citizen("tg", "d").start(b.Ref())
		w.citizen("tg", "e").start(a.Ref())
		if s, n := numbers(); s != 2 || n != 1 {
			t.Fatalf("a minute later: started %d, network %d; want 2 (exact), 1 (as read)", s, n)
		}
		w.clk.Add(6 * time.Minute)
		if s, n := numbers(); s != 2 || n != 2 {
			t.Fatalf("six minutes later: started %d, network %d; want 2, 2", s, n)
		}
	})
}

// TestVotesOnlyForEntries: a 👍/👎 payload naming no entry counts nowhere
// (security review T3: every made-up id was a new field kept for ever).
func TestVotesOnlyForEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		u := w.citizen("web", "v").start("")
		u.send(flows.Inbound{Kind: flows.KindButton, Payload: "q:fees"})
		u.send(flows.Inbound{Kind: flows.KindButton, Payload: "n:any_entry_id_i_like_0001"})
		u.send(flows.Inbound{Kind: flows.KindButton, Payload: "y:fees"})
		tally, err := feedback.NewVotes(st).Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tally["any_entry_id_i_like_0001"]; ok || tally["fees"].Helpful != 1 || len(tally) != 1 {
			t.Fatalf("votes = %+v; want only fees 👍", tally)
		}
	})
}

// TestVotesOnlyForTheLastAnswerOnce (seventh probe, V4): a 👍/👎 counts
// only for the entry the conversation was last answered with, and once
// per answer; votes for other entries, repeated taps and votes from a
// conversation never shown the entry are thanked but not counted.
func TestVotesOnlyForTheLastAnswerOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		btn := func(c *citizen, p string) string {
			return c.send(flows.Inbound{Kind: flows.KindButton, Payload: p}).text()
		}
		u := w.citizen("web", "v").start("")
		btn(u, "q:forgot_password")
		for range 6 {
			if got := btn(u, "n:forgot_password"); got == "" {
				t.Fatal("a repeated 👎 got no answer")
			}
		}
		stranger := w.citizen("web", "s").start("")
		for range 3 {
			btn(stranger, "n:forgot_password") // never shown it
		}
		btn(u, "q:fees")
		btn(u, "n:forgot_password") // not the last answer
		btn(u, "y:fees")
		btn(u, "y:fees")
		btn(u, "q:forgot_password") // answered again: one more vote
		btn(u, "n:forgot_password")
		tally, err := feedback.NewVotes(st).Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if fp, fees := tally["forgot_password"], tally["fees"]; fp.NotHelpful != 2 || fp.Helpful != 0 || fees.Helpful != 1 || fees.NotHelpful != 0 {
			t.Fatalf("votes = %+v; want forgot_password 👎 2, fees 👍 1", tally)
		}
	})
}
