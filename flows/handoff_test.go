package flows_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// fakeHandoff records what the engine asks of the handoff.
type fakeHandoff struct {
	mu     sync.Mutex
	opened []flows.HandoffRequest
	msgs   []string
	open   bool
	left   int
	busy   bool // Open answers ErrHandoffBusy
}

func (f *fakeHandoff) Open(_ context.Context, r flows.HandoffRequest) (flows.HandoffOpened, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy {
		return flows.HandoffOpened{}, flows.ErrHandoffBusy
	}
	f.opened = append(f.opened, r)
	f.open = true
	return flows.HandoffOpened{ID: "7", InHours: true, Minutes: 30, Hours: "7-17"}, nil
}

func (f *fakeHandoff) Message(_ context.Context, chat, msgID, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.open {
		return flows.ErrHandoffClosed
	}
	f.msgs = append(f.msgs, text)
	return nil
}

func (f *fakeHandoff) Leave(context.Context, string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.open = false
	f.left++
	return nil
}

func (f *fakeHandoff) AreaOf(_ context.Context, ref string) string {
	if ref == "v_benghe" {
		return "Phường Bến Nghé"
	}
	return ""
}

func (f *fakeHandoff) MatchArea(_ context.Context, typed string) string {
	if strings.EqualFold(typed, "ben nghe") {
		return "Phường Bến Nghé"
	}
	return typed
}

func handoffEngine(t *testing.T, st *store.Store, h flows.Handoff) *flows.Engine {
	t.Helper()
	clk := clocktest.New(time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC))
	e, err := flows.New(contenttest.Builtin(t), st, flows.Options{Now: clk.Now, Handoff: h})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func texts(rs []flows.Reply) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Text + "\n")
	}
	return b.String()
}

func payloads(rs []flows.Reply) []string {
	var p []string
	for _, r := range rs {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Payload != "" {
					p = append(p, b.Payload)
				}
			}
		}
	}
	return p
}

// typer returns what types text into one conversation of e and returns
// the replies.
func typer(t *testing.T, e *flows.Engine, channel flows.Channel, chat string) func(text string) []flows.Reply {
	return func(text string) []flows.Reply {
		t.Helper()
		rs, err := e.Handle(context.Background(), flows.Inbound{Channel: channel, ChatID: chat, Kind: flows.KindText, Text: text})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
}

func TestHandoffTypedRequestAsksAreaThenRelays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := &fakeHandoff{}
		e := handoffEngine(t, st, h)
		say := typer(t, e, "web", "c1")
		say("/start")
		rs := say("cho tôi nói chuyện với cán bộ")
		if len(h.opened) != 0 || !strings.Contains(texts(rs), "xã/phường") {
			t.Fatalf("without an area the bot must ask for it first; said:\n%s", texts(rs))
		}
		rs = say("ben nghe")
		if len(h.opened) != 1 || h.opened[0].Area != "Phường Bến Nghé" || h.opened[0].Chat != "web:c1" {
			t.Fatalf("opened %+v", h.opened)
		}
		if !strings.Contains(texts(rs), "Phường Bến Nghé") || !strings.Contains(texts(rs), "30 phút") || !slices.Contains(payloads(rs), "handoff_leave") {
			t.Fatalf("the bot must say who answers, and when, with the way back; said:\n%s", texts(rs))
		}
		say("tôi bị sai số điện thoại")
		// while a ticket is open, typed text goes to the officer; the bot's
		// own commands stay the bot's (a persona typing "menu" was stuck)
		rs = say("menu")
		say("lâu vậy, tôi cần gấp")
		if !slices.Equal(h.msgs, []string{"tôi bị sai số điện thoại", "lâu vậy, tôi cần gấp"}) || !slices.Contains(payloads(rs), "f:install") {
			t.Fatalf("forwarded %q; menu said:\n%s", h.msgs, texts(rs))
		}
		rs = say("cccd của tôi 001203045680")
		if len(h.msgs) != 3 || strings.Contains(h.msgs[2], "001203045680") || !strings.Contains(texts(rs), "đã che") || strings.Contains(texts(rs), "không lưu") {
			t.Fatalf("an ID number must reach the officer removed, and the citizen be told the question went with it hidden; forwarded %q, said:\n%s", h.msgs, texts(rs))
		}
		rs = say("Quay lại trợ lý tự động")
		if h.left != 1 || strings.Contains(texts(rs), "cán bộ sẽ") {
			t.Fatalf("leave: left=%d, said:\n%s", h.left, texts(rs))
		}
		say("otp la gi")
		if len(h.msgs) != 3 {
			t.Fatal("text forwarded after leaving")
		}
	})
}

// TestVagueIsNoMiss: "tôi muốn làm vneid" gets the steps and the menu,
// an answer: a misread message after it is one miss, with no officer
// offered yet (a persona was offered one right after the steps).
func TestVagueIsNoMiss(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	say := typer(t, handoffEngine(t, st, &fakeHandoff{}), "tg", "10")
	for _, text := range []string{"/start", "tôi muốn làm vneid", "xyzzy plugh"} {
		if rs := say(text); slices.Contains(payloads(rs), "handoff") {
			t.Fatalf("%q: officer offered after a vague message and one miss:\n%s", text, texts(rs))
		}
	}
}

func TestHandoffOfferedAfterTwoMisses(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	e := handoffEngine(t, st, h)
	ctx := context.Background()
	var last []flows.Reply
	for _, text := range []string{"/start", "xyzzy plugh", "qwerty asdf zxcv"} {
		rs, err := e.Handle(ctx, flows.Inbound{Channel: "tg", ChatID: "9", Kind: flows.KindText, Text: text, Ref: "v_benghe"})
		if err != nil {
			t.Fatal(err)
		}
		if text == "xyzzy plugh" && slices.Contains(payloads(rs), "handoff") {
			t.Fatal("offered after one miss")
		}
		last = rs
	}
	if !slices.Contains(payloads(last), "handoff") {
		t.Fatalf("no officer offered after two misses:\n%s", texts(last))
	}
	rs, err := e.Handle(ctx, flows.Inbound{Channel: "tg", ChatID: "9", Kind: flows.KindButton, Payload: "handoff"})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.opened) != 1 {
		t.Fatalf("the button did not open a ticket:\n%s", texts(rs))
	}
}

// TestGoodbyeIsNoMiss: thanks with what comes next after one misread
// message is a goodbye, not a second miss that offers an officer under
// "Không có gì ạ!" (fifth persona round).
func TestGoodbyeIsNoMiss(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	say := typer(t, handoffEngine(t, st, &fakeHandoff{}), "web", "bye")
	say("/start")
	say("xyzzy plugh")
	if rs := say("cảm ơn, để tôi ra công an phường"); slices.Contains(payloads(rs), "handoff") {
		t.Errorf("a goodbye was answered with an officer offered:\n%s", texts(rs))
	}
}

func TestHandoffFromStuckAndNoneOfThese(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	e := handoffEngine(t, st, &fakeHandoff{})
	ctx := context.Background()
	press := func(p string) []flows.Reply {
		rs, err := e.Handle(ctx, flows.Inbound{Channel: "tg", ChatID: "3", Kind: flows.KindButton, Payload: p})
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	press("f:install")
	if !slices.Contains(payloads(press("stuck")), "handoff") {
		t.Error(`"Tôi bị kẹt" offers no officer`)
	}
	if !slices.Contains(payloads(press("none")), "handoff") {
		t.Error(`"Không phải các câu trên" offers no officer`)
	}
	if !slices.Contains(payloads(press("n:face_fails")), "handoff") {
		t.Error(`👎 on an answer offers no officer`)
	}
	// without a handoff service, no button
	e2 := handoffEngine(t, st, nil)
	rs, _ := e2.Handle(ctx, flows.Inbound{Channel: "tg", ChatID: "4", Kind: flows.KindButton, Payload: "none"})
	if slices.Contains(payloads(rs), "handoff") {
		t.Error("officer offered with no handoff configured")
	}
}

// TestHandoffBusyPointsToHotline: when the officers have had too many new
// tickets this minute, the citizen is pointed to the hotline and the
// police, and no ticket is held open.
func TestHandoffBusyPointsToHotline(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	e := handoffEngine(t, st, &fakeHandoff{busy: true})
	ctx := context.Background()
	var rs []flows.Reply
	for _, text := range []string{"/start", "cho tôi nói chuyện với cán bộ", "ben nghe"} {
		var err error
		if rs, err = e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "b1", Kind: flows.KindText, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(texts(rs), "1900 0368") || !strings.Contains(texts(rs), "Công an xã/phường") || slices.Contains(payloads(rs), "handoff_leave") {
		t.Fatalf("busy officers: said\n%s", texts(rs))
	}
}

// TestHandoffDoesNotSwallowQuestionsOrEmergencies: asked for the commune,
// a question is answered, not taken for a commune's name; with a ticket
// open, a scam victim gets the first steps at once beside the officer;
// "thoát" leaves.
func TestHandoffDoesNotSwallowQuestionsOrEmergencies(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	e := handoffEngine(t, st, h)
	say := typer(t, e, "web", "q1")
	say("/start")
	say("cho tôi nói chuyện với cán bộ")
	rs := say("toi khong nhan duoc otp")
	if len(h.opened) != 0 || !strings.Contains(texts(rs), "OTP") {
		t.Fatalf("a question taken for a commune: opened %+v, said\n%s", h.opened, texts(rs))
	}
	say("cho tôi nói chuyện với cán bộ")
	say("ben nghe")
	if len(h.opened) != 1 {
		t.Fatalf("opened %+v", h.opened)
	}
	rs = say("toi lo doc ma otp cho nguoi xung cong an roi")
	if len(h.msgs) != 1 || !strings.Contains(texts(rs), "Ngắt mạng") {
		t.Fatalf("a scam victim must reach the officer and get the first steps at once; forwarded %q, said\n%s", h.msgs, texts(rs))
	}
	say("thoát")
	if h.left != 1 {
		t.Fatalf("'thoát' did not leave the officer (left %d)", h.left)
	}
}

// TestYesTakesTheOffer: "có" typed after the officer is offered takes the
// offer, "ừ" or "không biết" typed for the commune is no commune, and the
// commune typed next opens the ticket (a persona's "có" got guesses, and
// "ừ" became the commune).
func TestYesTakesTheOffer(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	say := typer(t, handoffEngine(t, st, h), "tg", "11")
	for _, text := range []string{"/start", "xyzzy plugh", "qwerty asdf zxcv", "có ạ", "ừ", "không biết", "Phường Bến Nghé"} {
		rs := say(text)
		switch text {
		case "có ạ":
			if !strings.Contains(texts(rs), "xã/phường") {
				t.Fatalf("%q after the offer: %s; want the commune asked", text, texts(rs))
			}
		case "ừ", "không biết":
			if len(h.opened) != 0 || !strings.Contains(texts(rs), "xã/phường") {
				t.Fatalf("%q for the commune: opened %+v, %s; want it asked again", text, h.opened, texts(rs))
			}
		}
	}
	if len(h.opened) != 1 || h.opened[0].Area != "Phường Bến Nghé" {
		t.Fatalf("opened %+v, want one ticket for Phường Bến Nghé", h.opened)
	}
}

// TestQuestionAnsweredWhileOfficerAwaited: with a ticket open, a question
// the bot can answer outright goes to the officer and is answered at once
// (out of office hours the officer may be a night away).
func TestQuestionAnsweredWhileOfficerAwaited(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	say := typer(t, handoffEngine(t, st, h), "web", "c9")
	var rs []flows.Reply
	for _, text := range []string{"/start", "cho tôi nói chuyện với cán bộ", "ben nghe", "ko nhan dc otp"} {
		rs = say(text)
	}
	if !slices.Contains(h.msgs, "ko nhan dc otp") {
		t.Fatalf("the officer did not get the question: %v", h.msgs)
	}
	if !strings.Contains(texts(rs), "Trong lúc chờ cán bộ") || !strings.Contains(texts(rs), "OTP") {
		t.Fatalf("the question was not answered while the officer is awaited:\n%s", texts(rs))
	}
}

// TestHandoffWaitAsked: "bao giờ có người gọi lại" with a ticket open
// still reaches the officer, and the citizen is told how the answer comes
// (a persona got only "Đã chuyển" and kept waiting for a call); a plain
// message keeps the short receipt.
func TestHandoffWaitAsked(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	say := typer(t, handoffEngine(t, st, h), "web", "c10")
	for _, text := range []string{"/start", "cho tôi nói chuyện với cán bộ", "ben nghe"} {
		say(text)
	}
	for _, text := range []string{"bao giờ có người gọi lại", "sao lâu vậy", "co ai ko", "how long do I wait"} {
		rs := say(text)
		if !slices.Contains(h.msgs, text) || !strings.Contains(texts(rs), "không gọi điện") && !strings.Contains(texts(rs), "do not phone") {
			t.Errorf("%q: forwarded %q, said:\n%s", text, h.msgs, texts(rs))
		}
	}
	if rs := say("tôi ở phường Bến Nghé, sinh năm 1960"); strings.Contains(texts(rs), "không gọi điện") {
		t.Errorf("a plain message got the waiting answer:\n%s", texts(rs))
	}
}

// TestHandoffLeftInOwnWords: "thôi quay lại bot đi" leaves the officer as
// the button does; "tiếp" asked for a commune is no commune.
func TestHandoffLeftInOwnWords(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	say := typer(t, handoffEngine(t, st, h), "web", "c9")
	say("/start")
	say("cho tôi nói chuyện với cán bộ")
	say("tiếp")
	if len(h.opened) != 0 {
		t.Fatalf("'tiếp' opened a ticket for area %q", h.opened[0].Area)
	}
	say("cho tôi nói chuyện với cán bộ")
	say("ben nghe")
	say("hồ sơ của tôi tới đâu rồi") // for the officer, though "tới đâu rồi" resumes a guide
	say("thôi quay lại bot đi")
	if h.left != 1 || len(h.msgs) != 1 {
		t.Fatalf("left %d times, forwarded %q", h.left, h.msgs)
	}
}

// TestHandoffAreaAsTyped: the commune typed with "tôi ở" before it is the
// commune ("tôi ở xã Tân Phú"); a link is no commune (it would head the
// operators' group post, tappable: security review T6).
func TestHandoffAreaAsTyped(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	e := handoffEngine(t, st, h)
	say := typer(t, e, "web", "area1")
	say("/start")
	say("cho tôi nói chuyện với cán bộ")
	rs := say("Xã An Phú https://vneidhotro.top/a")
	if len(h.opened) != 0 {
		t.Fatalf("a link taken for a commune: opened %+v, said\n%s", h.opened, texts(rs))
	}
	say("toi o xa Tan Phu")
	if len(h.opened) != 1 || h.opened[0].Area != "xa Tan Phu" {
		t.Fatalf("opened %+v, want the area xa Tan Phu", h.opened)
	}
	// "phường" alone would find the place to register: still a ward
	say2 := typer(t, e, "web", "area2")
	say2("/start")
	say2("cho gap nguoi that")
	say2("phuong Thu Duc")
	if len(h.opened) != 2 || h.opened[1].Area != "phuong Thu Duc" {
		t.Fatalf("opened %+v, want the area phuong Thu Duc", h.opened)
	}
}

// TestTicketBindsTheWebConversation (security review T7): opening a ticket
// binds a conversation to the key its channel offered (Inbound.NewKey);
// then an update that does not hold the key is refused with ErrWrongKey
// and reaches nobody, while one holding it goes to the officer. A retry of
// the update that bound it is told so again. Channels that offer no key
// (Telegram, Zalo) are never bound.
func TestTicketBindsTheWebConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := &fakeHandoff{}
		e := handoffEngine(t, st, h)
		ctx := context.Background()
		web := func(id, text string, keys ...string) (flows.Outcome, error) {
			return e.Respond(ctx, flows.Inbound{Channel: flows.Web, ChatID: "w1", MessageID: id, Kind: flows.KindText, Text: text, Keys: keys, NewKey: func() string { return "new-" + id }})
		}
		for i, text := range []string{"xin chào", "cho tôi nói chuyện với cán bộ"} {
			if out, err := web(strconv.Itoa(i), text); err != nil || out.Bound {
				t.Fatalf("%q: bound=%v, %v; nothing binds before a ticket", text, out.Bound, err)
			}
		}
		out, err := web("2", "ben nghe")
		if err != nil || !out.Bound || len(h.opened) != 1 {
			t.Fatalf("the ticket's opening: bound=%v, opened %d, %v", out.Bound, len(h.opened), err)
		}
		if k, err := e.KeyOf(ctx, "web:w1"); k != "new-2" || err != nil {
			t.Fatalf("KeyOf = %q, %v; want new-2", k, err)
		}
		if again, err := web("2", "ben nghe"); err != nil || !again.Bound || !again.Duplicate {
			t.Fatalf("a retry of the opening: bound=%v duplicate=%v, %v", again.Bound, again.Duplicate, err)
		}
		for _, keys := range [][]string{nil, {"new-3"}, {"new-0"}} {
			if _, err := web("3", "tôi là người khác", keys...); !errors.Is(err, flows.ErrWrongKey) {
				t.Fatalf("keys %q: %v, want ErrWrongKey", keys, err)
			}
		}
		if len(h.msgs) != 0 || h.left != 0 {
			t.Fatalf("an update without the key reached the ticket: %q, left %d", h.msgs, h.left)
		}
		if out, err := web("4", "hồ sơ của tôi tới đâu rồi", "other", "new-2"); err != nil || out.Bound || len(h.msgs) != 1 {
			t.Fatalf("with the key: bound=%v, forwarded %q, %v", out.Bound, h.msgs, err)
		}

		tg := typer(t, e, flows.Telegram, "7")
		tg("cho tôi nói chuyện với cán bộ")
		tg("ben nghe")
		tg("tôi cần gấp")
		if k, err := e.KeyOf(ctx, "tg:7"); k != "" || err != nil || len(h.msgs) != 2 {
			t.Fatalf("Telegram: key %q, %v, forwarded %q", k, err, h.msgs)
		}
	})
}

// TestHandoffInEnglishStaysEnglish (third persona round): an English
// speaker who gives the ward as "District 7, Ho Chi Minh City" gets the
// ticket's confirmation in English; the place names are not read as
// Vietnamese.
func TestHandoffInEnglishStaysEnglish(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := &fakeHandoff{}
		e := handoffEngine(t, st, h)
		say := typer(t, e, flows.Web, "en1")
		say("I want to talk to a real person")
		got := texts(say("District 7, Ho Chi Minh City"))
		if len(h.opened) != 1 || !strings.Contains(got, "officer") || strings.Contains(got, "cán bộ") {
			t.Fatalf("opened %d tickets; the confirmation: %s", len(h.opened), got)
		}
	})
}

// TestHandoffAreaUnknown (third and fourth persona rounds): a citizen who
// does not know the commune's new name gives the old one after "trước
// là", which is what the officers get; one who gives none is asked for an
// old name; a complaint is no commune.
func TestHandoffAreaUnknown(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	h := &fakeHandoff{}
	e := handoffEngine(t, st, h)
	say := typer(t, e, "web", "area3")
	say("/start")
	say("cho gap nguoi that di")
	rs := say("ko bik phuong moi ten gi")
	if len(h.opened) != 0 || !strings.Contains(texts(rs), "tên xã/phường cũ") {
		t.Fatalf("a name not known: opened %+v, said\n%s", h.opened, texts(rs))
	}
	if rs := say("tôi làm 3 lần rồi không được"); len(h.opened) != 0 {
		t.Fatalf("a complaint taken for a commune: opened %+v, said\n%s", h.opened, texts(rs))
	}
	say("ko bik phuong moi ten gi, truoc la quan 3")
	if len(h.opened) != 1 || h.opened[0].Area != "quan 3" {
		t.Fatalf("opened %+v, want the area quan 3", h.opened)
	}
	// The old name ends with its clause (fifth persona round).
	say = typer(t, e, "web", "area4")
	say("/start")
	say("cho gap nguoi that di")
	say("xã tui hồi trước là xã Phú Túc, giờ nhập rồi hổng biết tên gì")
	if len(h.opened) != 2 || h.opened[1].Area != "xã Phú Túc" {
		t.Fatalf("opened %+v, want the area xã Phú Túc", h.opened)
	}
	// "thôi hủy" after a complaint leaves the officer; "thôi" ending a
	// sentence does not.
	say("tôi chờ được, thôi")
	if h.left != 0 {
		t.Fatal("a sentence ending in \"thôi\" left the officer")
	}
	say("thứ 2 mới trả lời hả? tào lao. thôi hủy")
	if h.left != 1 {
		t.Fatal("\"thôi hủy\" after a complaint did not leave the officer")
	}
}

// panickyHandoff breaks when a ticket is opened.
type panickyHandoff struct{ fakeHandoff }

func (*panickyHandoff) Open(context.Context, flows.HandoffRequest) (flows.HandoffOpened, error) {
	panic("broken handoff")
}

// TestTurnPanicAnswered: a turn that panics is answered with an apology
// and a way on, and the session stays as it was before the message.
func TestTurnPanicAnswered(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	say := typer(t, handoffEngine(t, st, &panickyHandoff{}), "web", "c11")
	say("/start")
	say("cho tôi nói chuyện với cán bộ")
	before := session(t, st, "web:c11")
	rs := say("ben nghe")
	if !strings.Contains(texts(rs), "trục trặc") && !strings.Contains(texts(rs), "lỗi") || !slices.Contains(payloads(rs), "menu") {
		t.Fatalf("a broken turn said:\n%s%v", texts(rs), payloads(rs))
	}
	after := session(t, st, "web:c11")
	if !after.AskArea || after.Step != before.Step || after.Hand != "" {
		t.Fatalf("the session changed with a broken turn: before %+v, after %+v", before, after)
	}
}

// TestComplaintGetsPeople: a fed-up message that asks nothing the bot can
// answer gets an apology with the officer, the hotline and the police at
// once; a question said angrily is still answered (fifth persona round).
func TestComplaintGetsPeople(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	say := typer(t, handoffEngine(t, st, &fakeHandoff{}), "web", "angry")
	say("/start")
	rs := say("thử 3 ngày rồi vẫn vậy, tổng đài gọi không ai bắt máy. mấy ông làm ăn tào lao")
	if !strings.Contains(texts(rs), "rất tiếc") || !slices.Contains(payloads(rs), "handoff") {
		t.Errorf("a complaint said\n%s%v", texts(rs), payloads(rs))
	}
	rs = say("bực mình quá, không nhận được mã otp")
	if strings.Contains(texts(rs), "rất tiếc") || !strings.Contains(texts(rs), "OTP") {
		t.Errorf("an angry question was not answered:\n%s", texts(rs))
	}
}
