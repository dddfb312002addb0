package handoff_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// monday10 is a Monday at 10:00 in Vietnam: office hours.
var monday10 = time.Date(2026, 12, 7, 10, 0, 0, 0, handoff.Vietnam)

// sent records what a channel's Sender was given.
type sent struct {
	mu   sync.Mutex
	msgs map[string][]string // chat id → texts
}

func (s *sent) Send(_ context.Context, chatID string, replies []flows.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.msgs == nil {
		s.msgs = map[string][]string{}
	}
	for _, r := range replies {
		s.msgs[chatID] = append(s.msgs[chatID], r.Text)
	}
	return nil
}

func (s *sent) to(chat string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.msgs[chat]...)
}

func newService(t *testing.T, st *store.Store, clk *clocktest.Clock) (*handoff.Service, *sent) {
	t.Helper()
	cat := contenttest.Builtin(t)
	svc := handoff.New(handoff.Options{Store: st, Content: func() *content.Catalog { return cat }, Now: clk.Now, SLA: 30 * time.Minute})
	out := &sent{}
	svc.RegisterSender("tg", out)
	svc.RegisterSender("zalo", out)
	svc.RegisterSender("zalobot", out)
	return svc, out
}

var (
	benNghe = handoff.Officer{ID: "o1", Name: "Lan", Area: "Phường Bến Nghé"}
	tanLap  = handoff.Officer{ID: "o2", Name: "Hùng", Area: "Xã Tân Lập"}
	admin   = handoff.Officer{ID: "admin", Name: "operator", All: true}
)

func TestTicketRedactedAndScopedToArea(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clocktest.New(monday10)
		svc, _ := newService(t, st, clk)
		o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:1", Area: "phuong ben nghe", Step: "level2_activate/otp", Text: "gặp người thật, số tôi 0912345678 cccd 001203045680"})
		if err != nil {
			t.Fatal(err)
		}
		if !o.InHours || o.Minutes != 30 {
			t.Errorf("opened = %+v, want in hours with a 30-minute target", o)
		}
		if err := svc.Message(ctx, "tg:1", "m2", "mã OTP là 123456, mật khẩu là Abc@12345"); err != nil {
			t.Fatal(err)
		}
		// one open ticket per conversation
		again, err := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:1", Area: "phuong ben nghe", Text: "alo"})
		if err != nil || again.ID != o.ID {
			t.Fatalf("second Open = %v, %v; want the same ticket %s", again.ID, err, o.ID)
		}
		dump := storetest.Dump(t, st.Client(), st.Key("*"))
		for _, secret := range []string{"0912345678", "001203045680", "123456", "Abc@12345"} {
			if strings.Contains(dump, secret) {
				t.Errorf("Redis holds %q:\n%s", secret, dump)
			}
		}
		mine, err := svc.Tickets().List(ctx, benNghe, false)
		if err != nil || len(mine) != 1 || mine[0].ID != o.ID || len(mine[0].Messages) != 3 {
			t.Fatalf("Bến Nghé officer sees %v (%v); want ticket %s with 3 messages", mine, err, o.ID)
		}
		if mine[0].Step != "level2_activate/otp" || mine[0].Channel != "tg" {
			t.Errorf("ticket = %+v", mine[0])
		}
		other, _ := svc.Tickets().List(ctx, tanLap, false)
		if len(other) != 0 {
			t.Errorf("Tân Lập officer sees %d tickets of Bến Nghé", len(other))
		}
		if _, err := svc.Claim(ctx, o.ID, tanLap); !errors.Is(err, handoff.ErrArea) {
			t.Errorf("claim from another area: %v, want ErrArea", err)
		}
		if _, err := svc.Reply(ctx, o.ID, tanLap, "Chào bạn"); !errors.Is(err, handoff.ErrArea) {
			t.Errorf("reply from another area: %v, want ErrArea", err)
		}
		all, _ := svc.Tickets().List(ctx, admin, false)
		if len(all) != 1 {
			t.Errorf("ADMIN_TOKEN operator sees %d tickets, want 1", len(all))
		}
	})
}

// twoReplicas opens two stores with one prefix on one Redis: two replicas.
func twoReplicas(t *testing.T) (*store.Store, *store.Store) {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		m := miniredis.RunT(t)
		url = "redis://" + m.Addr() + "/0"
	}
	prefix := "test" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "")
	open := func() *store.Store {
		st, err := store.Open(context.Background(), store.Options{URL: url, Prefix: prefix})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := open(), open()
	t.Cleanup(func() {
		ctx := context.Background()
		iter := a.Client().Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			a.Client().Del(ctx, iter.Val())
		}
		a.Close()
		b.Close()
	})
	return a, b
}

func TestClaimIsExclusiveAcrossReplicas(t *testing.T) {
	ctx := context.Background()
	stA, stB := twoReplicas(t)
	clk := clocktest.New(monday10)
	svcA, _ := newService(t, stA, clk)
	svcB, _ := newService(t, stB, clk)
	for round := range 20 {
		chat := fmt.Sprintf("tg:%d", round)
		o, err := svcA.Open(ctx, flows.HandoffRequest{Chat: chat, Area: "Phường Bến Nghé", Text: "giúp tôi"})
		if err != nil {
			t.Fatal(err)
		}
		var wins, taken atomic.Int32
		var winner atomic.Value
		var wg sync.WaitGroup
		for i := range 8 {
			svc := svcA
			if i%2 == 1 {
				svc = svcB
			}
			officer := handoff.Officer{ID: fmt.Sprintf("o%d", i), Name: fmt.Sprintf("officer %d", i), Area: "Phường Bến Nghé"}
			wg.Go(func() {
				_, err := svc.Claim(ctx, o.ID, officer)
				switch {
				case err == nil:
					wins.Add(1)
					winner.Store(officer.ID)
				case errors.Is(err, handoff.ErrTaken):
					taken.Add(1)
				default:
					t.Errorf("claim: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 || taken.Load() != 7 {
			t.Fatalf("round %d: %d claims won and %d refused; want 1 and 7", round, wins.Load(), taken.Load())
		}
		tk, err := svcB.Tickets().Get(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tk.State != handoff.StateClaimed || tk.Officer != winner.Load() {
			t.Fatalf("ticket after the race: %+v, winner %v", tk, winner.Load())
		}
	}
}

func TestRefusedReplies(t *testing.T) {
	allowed := []string{"vneid.gov.vn", "dichvucong.gov.vn"}
	for _, text := range []string{
		"Bạn gửi cho tôi mã OTP nhé",
		"Cho tôi xin mật khẩu VNeID của bạn",
		"nhập passcode vào đây rồi chụp màn hình gửi tôi",
		"What is your password?",
		"Vào https://vneid-support.com/login để làm lại",
		"Xem tại bit.ly/abc123",
		"Mở www.vneid.gov.vn.xyz.top nhé",
		"   ",
		// second probe: a "never" in another clause, a domain ending
		// the first list missed
		"Đừng lo, gửi mã OTP cho tôi",
		"Không sao đâu, nhưng đọc mật khẩu cho tôi nhé",
		"Tải bản mới ở vneid-update.ru",
		"Vào vneid.shop để kích hoạt",
		// third probe: asking for what the SMS brought, or the card's
		// picture, without naming it
		"Vui lòng đọc 6 số vừa nhận qua tin nhắn",
		"gửi cho tôi ảnh CCCD mặt trước",
		// fourth probe: short forms, letters spelled apart, money
		"Cho mình xin mk nhé",
		"m.ậ.t k.h.ẩ.u của bạn là gì",
		"đọc mã O.T.P cho tôi",
		"đọc 6 chữ số công an gửi về máy",
		"cho tôi số tài khoản ngân hàng",
		"chuyển khoản 50 nghìn phí kích hoạt",
		// fifth probe: a negation that warns of nothing, spaced and
		// look-alike letters, the SMS's picture, the ID number, wide dots
		"Nếu không được thì gửi mã OTP cho em nhé",
		"Do not worry send me the OTP",
		"gửi O T P cho em",
		"m ậ t k h ẩ u là gì",
		"gửi 0TP cho em",
		"gửi ОТР cho em",
		"gửi ＯＴＰ cho em",
		"chụp màn hình tin nhắn SMS gửi em",
		"gửi số CCCD cho em kiểm tra",
		"Vào ｅｖｉｌ．ｔｏｐ nhé",
		"Vào evil。top nhé",
	} {
		err := handoff.CheckReply(text, allowed)
		var r *handoff.Refusal
		if !errors.As(err, &r) || !errors.Is(err, handoff.ErrRefused) || r.Reason == "" {
			t.Errorf("CheckReply(%q) = %v, want a refusal with a reason", text, err)
		}
	}
	for _, text := range []string{
		"Bạn ra Công an phường mang theo CCCD để cập nhật số điện thoại nhé.",
		"Tuyệt đối không cung cấp mã OTP cho ai, kể cả cán bộ.",
		"Đừng gửi mật khẩu cho bất kỳ ai.",
		"Xem hướng dẫn tại https://vneid.gov.vn/huong-dan hoặc dichvucong.gov.vn.",
		"Gọi tổng đài 1900 0368 nếu cần.",
		"Never share your passcode with anyone.",
		"Mã OTP thì đừng đưa cho ai nhé.",
		"Bạn ở TP.HCM thì gọi 0693187111, đừng đọc mật khẩu cho ai.",
		"Đừng đọc số vừa nhận cho ai, kể cả cán bộ.",
		"Đừng chuyển tiền cho ai gọi điện xưng công an.",
		"Bạn mang CCCD ra Công an P.Tân Định, số 12-14 Trần Quang Khải.",
		"Nếu không được thì bạn ra Công an xã nhé, đừng đưa mã OTP cho ai.",
		"Bạn nhập số định danh 12 số in trên thẻ vào ứng dụng.",
		"Gọi 1900 0368, bấm phím 0.",
	} {
		if err := handoff.CheckReply(text, allowed); err != nil {
			t.Errorf("CheckReply(%q) = %v, want it allowed", text, err)
		}
	}
}

func TestBlockedReplyIsNotSent(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	clk := clocktest.New(monday10)
	svc, out := newService(t, st, clk)
	o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:7", Area: "Xã Tân Lập", Text: "tài khoản bị khóa"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.Reply(ctx, o.ID, tanLap, "Bạn đọc cho tôi mã OTP vừa nhận nhé")
	if !errors.Is(err, handoff.ErrRefused) || !strings.Contains(err.Error(), "OTP") {
		t.Fatalf("reply asking for an OTP: %v, want a refusal naming the OTP", err)
	}
	if got := out.to("7"); len(got) != 0 {
		t.Fatalf("the citizen received %q", got)
	}
	tk, _ := svc.Tickets().Get(ctx, o.ID)
	if tk.State != handoff.StateOpen || len(tk.Messages) != 1 {
		t.Fatalf("a refused reply changed the ticket: %+v", tk)
	}
	if _, err := svc.Reply(ctx, o.ID, tanLap, "Bạn ra Công an xã để mở khóa nhé."); err != nil {
		t.Fatal(err)
	}
	if got := out.to("7"); len(got) != 1 || !strings.Contains(got[0], "Công an xã") || !strings.Contains(got[0], "Hùng") {
		t.Fatalf("the citizen received %q", got)
	}
}

func TestFirstAnswerTarget(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	clk := clocktest.New(monday10)
	svc, out := newService(t, st, clk)
	a, _ := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:1", Area: "Xã Tân Lập", Text: "giúp"})
	b, _ := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:2", Area: "Xã Tân Lập", Text: "giúp"})
	clk.Add(10 * time.Minute)
	if _, err := svc.Reply(ctx, b.ID, tanLap, "Chào bạn, tôi xem ngay."); err != nil {
		t.Fatal(err)
	}
	clk.Add(19 * time.Minute)
	if err := svc.CheckLate(ctx); err != nil {
		t.Fatal(err)
	}
	if tk, _ := svc.Tickets().Get(ctx, a.ID); tk.Late {
		t.Fatal("flagged before the target")
	}
	clk.Add(2 * time.Minute)
	for range 2 { // twice: the citizen is told once
		if err := svc.CheckLate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	tk, _ := svc.Tickets().Get(ctx, a.ID)
	if !tk.Late {
		t.Fatal("not flagged 31 minutes after opening")
	}
	if got := out.to("1"); len(got) != 1 || !strings.Contains(got[0], "1900 0368") {
		t.Fatalf("the citizen of the late ticket got %q, want one message with the hotline", got)
	}
	if tk, _ := svc.Tickets().Get(ctx, b.ID); tk.Late {
		t.Fatal("an answered ticket was flagged")
	}
	nums, err := svc.Tickets().Numbers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nums) != 1 || nums[0].Opened != 2 || nums[0].Answered != 1 || nums[0].Late != 1 || nums[0].MedianFirstAnswer != 600 {
		t.Fatalf("numbers = %+v", nums)
	}
}

func TestOutsideHours(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	friday18 := time.Date(2026, 12, 11, 18, 0, 0, 0, handoff.Vietnam)
	clk := clocktest.New(friday18)
	svc, out := newService(t, st, clk)
	o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:1", Area: "Xã Tân Lập"})
	if err != nil {
		t.Fatal(err)
	}
	if o.InHours || o.When != "07:00 14/12/2026" {
		t.Fatalf("opened on Friday 18:00 = %+v, want officers back Monday 07:00 14/12/2026", o)
	}
	clk.Add(48 * time.Hour) // Sunday evening: the target counts from Monday 07:00
	svc.CheckLate(ctx)
	if got := out.to("1"); len(got) != 0 {
		t.Fatalf("told %q before office hours began", got)
	}
	clk.Add(14*time.Hour + 31*time.Minute) // Monday 08:31
	svc.CheckLate(ctx)
	if got := out.to("1"); len(got) != 1 {
		t.Fatalf("got %q, want the late notice", got)
	}
}

func TestZaloWindow(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	clk := clocktest.New(monday10)
	svc, out := newService(t, st, clk)
	o, _ := svc.Open(ctx, flows.HandoffRequest{Chat: "zalo:u1", Area: "Xã Tân Lập", Text: "giúp"})
	clk.Add(8 * 24 * time.Hour)
	_, err := svc.Reply(ctx, o.ID, tanLap, "Chào bạn")
	var u *handoff.Undeliverable
	if !errors.As(err, &u) || !strings.Contains(u.Reason, "7 days") {
		t.Fatalf("reply 8 days after the citizen's last message: %v, want undeliverable (7 days)", err)
	}
	if len(out.to("u1")) != 0 {
		t.Fatal("sent outside the window")
	}
	if err := svc.Message(ctx, "zalo:u1", "m9", "tôi đây"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Reply(ctx, o.ID, tanLap, "Chào bạn"); err != nil {
		t.Fatalf("reply after the citizen wrote again: %v", err)
	}
}

func TestRestartWithOpenTicket(t *testing.T) {
	ctx := context.Background()
	stA, stB := twoReplicas(t)
	clk := clocktest.New(monday10)
	before, _ := newService(t, stA, clk)
	o, err := before.Open(ctx, flows.HandoffRequest{Chat: "tg:5", Area: "Xã Tân Lập", Text: "sai số điện thoại"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := before.Claim(ctx, o.ID, tanLap); err != nil {
		t.Fatal(err)
	}
	stA.Close() // the process stops
	after, out := newService(t, stB, clk)
	list, err := after.Tickets().List(ctx, tanLap, false)
	if err != nil || len(list) != 1 || list[0].ID != o.ID || list[0].State != handoff.StateClaimed {
		t.Fatalf("after the restart: %+v, %v", list, err)
	}
	if _, err := after.Reply(ctx, o.ID, tanLap, "Bạn mang CCCD ra Công an xã nhé."); err != nil {
		t.Fatal(err)
	}
	if len(out.to("5")) != 1 {
		t.Fatal("reply not delivered after the restart")
	}
	if _, err := after.Close(ctx, o.ID, tanLap); err != nil {
		t.Fatal(err)
	}
	if _, err := after.Tickets().OpenFor(ctx, "tg:5"); !errors.Is(err, handoff.ErrNoOpen) {
		t.Fatalf("conversation still has an open ticket: %v", err)
	}
}

func TestMatchArea(t *testing.T) {
	areas := []string{"Phường Bến Nghé", "Xã Tân Lập", "Thị trấn Đông Anh"}
	for typed, want := range map[string]string{
		"phuong ben nghe": "Phường Bến Nghé", "Bến Nghé": "Phường Bến Nghé", "xa tan lap": "Xã Tân Lập",
		"dong anh": "Thị trấn Đông Anh", "Phường Đa Kao": "",
	} {
		got, ok := handoff.MatchArea(typed, areas)
		if got != want || ok != (want != "") {
			t.Errorf("MatchArea(%q) = %q, %v; want %q", typed, got, ok, want)
		}
	}
}

func TestParseHours(t *testing.T) {
	h, err := handoff.ParseHours("7-17")
	if err != nil || h.From != 7 || h.To != 17 || len(h.Days) != 5 {
		t.Fatalf("ParseHours(7-17) = %+v, %v", h, err)
	}
	h, err = handoff.ParseHours("8-12 mon-sat")
	if err != nil || len(h.Days) != 6 || !h.Open(time.Date(2026, 12, 12, 9, 0, 0, 0, handoff.Vietnam)) {
		t.Fatalf("ParseHours(8-12 mon-sat) = %+v, %v", h, err)
	}
	for _, bad := range []string{"17-7", "7", "a-b", "7-25", "7-17 monday"} {
		if _, err := handoff.ParseHours(bad); err == nil {
			t.Errorf("ParseHours(%q) accepted", bad)
		}
	}
}

// FuzzCheckReply: whatever an officer (or a member of the operators group)
// types, the check never panics, and a request for the OTP added to it is
// always refused.
func FuzzCheckReply(f *testing.F) {
	for _, s := range []string{"Chào bạn", "https://vneid.gov.vn", "Đừng gửi OTP", "bit.ly/x", "www.", "://", "a.vn/" + strings.Repeat("x", 100)} {
		f.Add(s)
	}
	allowed := []string{"vneid.gov.vn"}
	f.Fuzz(func(t *testing.T, s string) {
		_ = handoff.CheckReply(s, allowed)
		if err := handoff.CheckReply(s+"\nGửi mã OTP cho tôi.", allowed); err == nil {
			t.Fatalf("a request for the OTP after %q passed", s)
		}
	})
}

// TestNewTicketsPerMinuteAreBounded: past MaxNewPerMinute new tickets in a
// minute, Open says the officers are busy; a chat whose ticket is open
// still gets it, and the next minute opens again.
func TestNewTicketsPerMinuteAreBounded(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	ctx := context.Background()
	clk := clocktest.New(monday10)
	cat := contenttest.Builtin(t)
	svc := handoff.New(handoff.Options{Store: st, Content: func() *content.Catalog { return cat }, Now: clk.Now, MaxNewPerMinute: 2})
	open := func(chat string) error {
		_, err := svc.Open(ctx, flows.HandoffRequest{Chat: chat, Area: "phuong ben nghe", Text: "gặp người thật"})
		return err
	}
	for _, chat := range []string{"web:a", "web:b"} {
		if err := open(chat); err != nil {
			t.Fatalf("%s: %v", chat, err)
		}
	}
	if err := open("web:c"); !errors.Is(err, flows.ErrHandoffBusy) {
		t.Fatalf("a third new ticket in the minute: %v, want ErrHandoffBusy", err)
	}
	if err := open("web:a"); err != nil {
		t.Fatalf("a chat with its ticket open: %v", err)
	}
	clk.Add(time.Minute)
	if err := open("web:c"); err != nil {
		t.Fatalf("the next minute: %v", err)
	}
}

// TestBearerTokenScheme: the scheme's name is case-insensitive; a lower
// case "bearer" was counted as a wrong token (probe, third round).
func TestBearerTokenScheme(t *testing.T) {
	for auth, want := range map[string]string{"Bearer abc": "abc", "bearer abc": "abc", "BEARER abc": "abc"} {
		if got, ok := handoff.BearerToken(auth); !ok || got != want {
			t.Errorf("BearerToken(%q) = %q, %v; want %q", auth, got, ok, want)
		}
	}
	for _, auth := range []string{"", "Basic abc", "Bearer", "Bearerabc"} {
		if got, ok := handoff.BearerToken(auth); ok {
			t.Errorf("BearerToken(%q) = %q, want none", auth, got)
		}
	}
}

func TestStaleTicketsClose(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	clk := clocktest.New(monday10)
	svc, _ := newService(t, st, clk)
	quiet, _ := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:1", Area: "Xã Tân Lập", Text: "giúp"})
	talking, _ := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:2", Area: "Xã Tân Lập", Text: "giúp"})
	clk.Add(6 * 24 * time.Hour)
	if err := svc.Message(ctx, "tg:2", "m2", "còn đó không ạ"); err != nil {
		t.Fatal(err)
	}
	if err := svc.CloseStale(ctx); err != nil {
		t.Fatal(err)
	}
	if tk, _ := svc.Tickets().Get(ctx, quiet.ID); !tk.Active() {
		t.Fatal("closed after 6 days")
	}
	clk.Add(24 * time.Hour)
	if err := svc.CloseStale(ctx); err != nil {
		t.Fatal(err)
	}
	tk, _ := svc.Tickets().Get(ctx, quiet.ID)
	if tk.Active() || tk.ClosedBy != handoff.ClosedStale {
		t.Fatalf("a week without a message: state %s, closed by %q; want closed as stale", tk.State, tk.ClosedBy)
	}
	if err := svc.Message(ctx, "tg:1", "m3", "alo"); !errors.Is(err, flows.ErrHandoffClosed) {
		t.Fatalf("the citizen's next message: %v, want ErrHandoffClosed (back to the assistant)", err)
	}
	if tk, _ := svc.Tickets().Get(ctx, talking.ID); !tk.Active() {
		t.Fatal("a ticket the citizen wrote in a day ago was closed")
	}
	open, err := svc.Tickets().List(ctx, admin, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].ID != talking.ID {
		t.Fatalf("open tickets: %d, want only the one still talking", len(open))
	}
}

// TestTicketTextIsBoundedAndVisible: what a stranger types is kept
// redacted, bounded, and with its direction overrides made visible, in the
// messages and in the area (probe S4, S6, S8).
func TestTicketTextIsBoundedAndVisible(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	svc, _ := newService(t, st, clocktest.New(monday10))
	o, err := svc.Open(ctx, flows.HandoffRequest{Chat: "tg:9", Area: "xã Hòa An mk Hoamai@2024 " + strings.Repeat("rất dài ", 40), Text: "xem tệp \u202egnp.exe " + strings.Repeat("a", 5000)})
	if err != nil {
		t.Fatal(err)
	}
	tk, err := svc.Tickets().Get(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	text := tk.Messages[0].Text
	if strings.ContainsRune(text, '\u202e') || !strings.ContainsRune(text, '\ufffd') || len([]rune(text)) > handoff.MaxMessageRunes {
		t.Errorf("message kept as %d runes, override hidden: %v", len([]rune(text)), !strings.ContainsRune(text, '\u202e'))
	}
	if strings.Contains(tk.Area, "Hoamai") || len([]rune(tk.Area)) > handoff.MaxAreaRunes {
		t.Errorf("area kept as %q", tk.Area)
	}
}
