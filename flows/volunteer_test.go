package flows

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// fakeVolunteers is an in-memory Volunteers: codes and their owners' chats.
type fakeVolunteers struct {
	mu      sync.Mutex
	codes   map[string]string // code → owner chat ("" for a registered volunteer)
	claims  map[string]string // key → code
	linked  map[string]string // chat → code
	stopped map[string]bool
}

func newFakeVolunteers() *fakeVolunteers {
	return &fakeVolunteers{
		codes:   map[string]string{"k7m2p9xq": "", "c3c3c3c3": "zalo:owner"},
		claims:  map[string]string{"k_abcdefgh2345": "k7m2p9xq"},
		linked:  map[string]string{},
		stopped: map[string]bool{},
	}
}

func (f *fakeVolunteers) Share(ctx context.Context, chat, ref string) (ShareLinks, error) {
	return ShareLinks{Code: "s5s5s5s5", Web: "https://hotro.example.gov.vn/?ref=v_s5s5s5s5", Zalo: "https://zalo.me/1"}, nil
}

func (f *fakeVolunteers) Numbers(ctx context.Context, chat string) (VolunteerNumbers, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	code, ok := f.linked[chat]
	return VolunteerNumbers{Code: code, Name: "An", Started: 3, Completed: 2, Network: 1}, ok, nil
}

func (f *fakeVolunteers) Claim(ctx context.Context, chat, key string) (VolunteerNumbers, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	code, ok := f.claims[key]
	if !ok {
		return VolunteerNumbers{}, false, nil
	}
	f.linked[chat] = code
	return VolunteerNumbers{Code: code, Name: "An", Started: 3}, true, nil
}

func (f *fakeVolunteers) Known(ctx context.Context, chat, code string) (bool, bool, error) {
	owner, ok := f.codes[code]
	return ok, ok && owner == chat, nil
}

func (f *fakeVolunteers) StopReminders(ctx context.Context, chat string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopped[chat] = true
	return nil
}

func (f *fakeVolunteers) CanShare() bool { return true }

func volunteerEngine(t *testing.T, vol Volunteers) *Engine {
	t.Helper()
	cat := contenttest.Builtin(t)
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	e, err := New(cat, st, Options{Volunteers: vol})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// typedTurn runs the volunteer hook on text for a session, as typed() does
// before anything else.
func typedTurn(e *Engine, s *Session, chat, text string, now time.Time, isNew bool) (*turn, bool) {
	b := e.bundle.Load()
	if s.Locale == "" {
		s.Locale = b.cat.DefaultLocale()
	}
	ch, id, _ := strings.Cut(chat, ":")
	t := &turn{ctx: context.Background(), e: e, b: b, cat: b.cat, s: s, in: Inbound{Channel: Channel(ch), ChatID: id, Kind: KindText, Text: text}, now: now}
	return t, t.volunteerTyped(text, isNew)
}

func texts(rs []Reply) string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// TestZaloTypedCodeAttribution: Zalo OA links carry no payload, so a code
// typed in the chat attributes it, first touch only.
func TestZaloTypedCodeAttribution(t *testing.T) {
	vol := newFakeVolunteers()
	e := volunteerEngine(t, vol)
	now := time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC)
	thanks := e.Content().Msg("vi", "ref_thanks", "code", "v_k7m2p9xq")
	tests := []struct {
		name      string
		sess      Session
		isNew     bool
		text      string
		handled   bool
		wantRef   string
		wantEvent bool
		say       string
	}{
		{name: "NewChatTypesCode", isNew: true, text: "v_k7m2p9xq", handled: true, wantRef: "v_k7m2p9xq", say: thanks},
		{name: "FollowedThenTypesMa", sess: Session{Started: now.Add(-time.Hour).Unix(), Turns: 1}, text: "Mã: V_K7M2P9XQ", handled: true, wantRef: "v_k7m2p9xq", wantEvent: true, say: thanks},
		{name: "BareCodeThatExists", sess: Session{Started: now.Add(-time.Hour).Unix(), Turns: 1}, text: "k7m2p9xq", handled: true, wantRef: "v_k7m2p9xq", wantEvent: true, say: thanks},
		{name: "FirstTouchWins", sess: Session{Started: now.Add(-time.Hour).Unix(), Turns: 3, Ref: "v_c3c3c3c3"}, text: "v_k7m2p9xq", handled: true, wantRef: "v_c3c3c3c3", say: thanks},
		{name: "TooLateToAttribute", sess: Session{Started: now.Add(-8 * 24 * time.Hour).Unix(), Turns: 9}, text: "v_k7m2p9xq", handled: true, wantRef: "", say: thanks},
		{name: "UnknownBareCodeIsNotOurs", sess: Session{Started: now.Unix(), Turns: 1}, text: "zz2zz2zz", handled: false},
		{name: "UnknownExplicitCode", sess: Session{Started: now.Unix(), Turns: 1}, text: "ma v_zz2zz2zz", handled: true, say: "không tìm thấy mã giới thiệu v_zz2zz2zz"},
		{name: "OwnCode", sess: Session{Started: now.Unix(), Turns: 1}, text: "v_c3c3c3c3", handled: true, say: "mã giới thiệu của chính bạn"},
		{name: "OrdinaryQuestion", sess: Session{Started: now.Unix(), Turns: 1}, text: "quên mật khẩu", handled: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sess
			tr, handled := typedTurn(e, &s, "zalo:owner", tt.text, now, tt.isNew)
			if handled != tt.handled {
				t.Fatalf("handled = %v, want %v", handled, tt.handled)
			}
			if !handled {
				return
			}
			if s.Ref != tt.wantRef {
				t.Errorf("ref = %q, want %q", s.Ref, tt.wantRef)
			}
			got := false
			for _, ev := range tr.events {
				got = got || ev.Kind == EventReferred
			}
			if got != tt.wantEvent {
				t.Errorf("referred event = %v, want %v (events %+v)", got, tt.wantEvent, tr.events)
			}
			if out := texts(tr.out); !strings.Contains(strings.ToLower(out), strings.ToLower(tt.say)) {
				t.Errorf("says:\n%s\nwant %q", out, tt.say)
			}
		})
	}
}

func TestVolunteerCommands(t *testing.T) {
	vol := newFakeVolunteers()
	e := volunteerEngine(t, vol)
	now := time.Now()
	s := &Session{Started: now.Unix(), Turns: 1}

	tr, ok := typedTurn(e, s, "tg:7", "/thongke", now, false)
	if !ok || !strings.Contains(texts(tr.out), "chưa có mã giới thiệu") {
		t.Fatalf("/thongke before linking: %v\n%s", ok, texts(tr.out))
	}
	tr, ok = typedTurn(e, s, "tg:7", "/thongke k_zzzzzzzzzzzz", now, false)
	if !ok || !strings.Contains(texts(tr.out), "Mã liên kết không đúng") {
		t.Fatalf("wrong key: %v\n%s", ok, texts(tr.out))
	}
	tr, ok = typedTurn(e, s, "tg:7", "/thongke k_abcdefgh2345", now, false)
	if !ok || !strings.Contains(texts(tr.out), "Đã liên kết") || vol.linked["tg:7"] != "k7m2p9xq" {
		t.Fatalf("claim: %v\n%s", ok, texts(tr.out))
	}
	tr, ok = typedTurn(e, s, "tg:7", "/thongke", now, false)
	if !ok || !strings.Contains(texts(tr.out), "qua đường link của bạn: 3") {
		t.Fatalf("/thongke after linking:\n%s", texts(tr.out))
	}
	tr, ok = typedTurn(e, s, "tg:7", "/tatnhacnho", now, false)
	if !ok || !vol.stopped["tg:7"] || !strings.Contains(texts(tr.out), "Đã tắt tin nhắc nhở") {
		t.Fatalf("/tatnhacnho: %v %v\n%s", ok, vol.stopped, texts(tr.out))
	}
	// Without Volunteers the hook stays out of the way.
	plain := volunteerEngine(t, nil)
	if _, ok := typedTurn(plain, &Session{}, "tg:7", "v_k7m2p9xq", now, false); ok {
		t.Fatal("hook answered without Volunteers")
	}
}

func TestShareGivesOwnLinks(t *testing.T) {
	e := volunteerEngine(t, newFakeVolunteers())
	b := e.bundle.Load()
	tr := &turn{ctx: context.Background(), e: e, b: b, cat: b.cat, s: &Session{Locale: "vi"}, in: Inbound{Channel: "web", ChatID: "u"}, now: time.Now()}
	tr.share()
	out := texts(tr.out)
	for _, want := range []string{"https://hotro.example.gov.vn/?ref=v_s5s5s5s5", "https://zalo.me/1", "v_s5s5s5s5"} {
		if !strings.Contains(out, want) {
			t.Errorf("share message lacks %q:\n%s", want, out)
		}
	}
	if len(tr.events) != 1 || tr.events[0].Kind != EventShared {
		t.Errorf("events = %+v", tr.events)
	}
	// The forwardable message stands alone: it names no other text.
	if msg := tr.out[1].Text; strings.Contains(msg, "Cảm ơn bạn!") {
		t.Errorf("the message to forward mixes in the thanks: %q", msg)
	}
}

// TestTypedCodeThroughTheEngine goes through Engine.Handle: typed() calls
// volunteerTyped first, so a typed code is taken and kept in the session.
func TestTypedCodeThroughTheEngine(t *testing.T) {
	e := volunteerEngine(t, newFakeVolunteers())
	ctx := context.Background()
	if _, err := e.Handle(ctx, Inbound{Channel: "zalo", ChatID: "z1", MessageID: "1", Kind: KindFollow}); err != nil {
		t.Fatal(err)
	}
	replies, err := e.Handle(ctx, Inbound{Channel: "zalo", ChatID: "z1", MessageID: "2", Kind: KindText, Text: "mã v_k7m2p9xq"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(texts(replies), "đã ghi nhận mã giới thiệu") {
		t.Fatalf("a typed referral code was not taken (typed() must call volunteerTyped first); replies:\n%s", texts(replies))
	}
	snap, err := e.store.LoadSession(ctx, "zalo:z1", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(snap.Data), `"r":"v_k7m2p9xq"`) {
		t.Fatalf("session does not hold the referral: %s", snap.Data)
	}
}
