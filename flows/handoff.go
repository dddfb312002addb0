package flows

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/faq"

	"github.com/vneid-guide/vneidbot/internal/redact"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Handoff hands a conversation to a person (issue 14): a commune officer
// of the citizen's area answers on the citizen's channel. The engine works
// without it. A turn may be routed twice (a concurrent update saved
// first), so Open and Message must be safe to repeat for one message id.
type Handoff interface {
	// Open opens the conversation's ticket, or returns its open one with
	// the text added.
	Open(ctx context.Context, r HandoffRequest) (HandoffOpened, error)
	// Message adds a citizen's message to their open ticket; it returns
	// ErrHandoffClosed when the ticket was closed (by an officer).
	Message(ctx context.Context, chat, msgID, text string) error
	// Leave closes the conversation's open ticket ("Hủy yêu cầu gặp cán bộ").
	Leave(ctx context.Context, chat string) error
	// AreaOf returns the commune or ward a referral (a volunteer's code)
	// belongs to, or "".
	AreaOf(ctx context.Context, ref string) string
	// MatchArea returns the officers' spelling of an area a citizen typed,
	// or the typed area itself when no officer's area matches.
	MatchArea(ctx context.Context, typed string) string
}

// ErrHandoffClosed is returned by Handoff.Message when the conversation has
// no open ticket any more.
var ErrHandoffClosed = errors.New("handoff: the ticket is closed")

// ErrHandoffBusy is returned by Handoff.Open when too many tickets were
// opened lately: the citizen is pointed to the hotline and the police.
var ErrHandoffBusy = errors.New("handoff: too many new tickets, try later")

// HandoffRequest is a citizen's request to talk to a person.
type HandoffRequest struct {
	Chat   string // "tg:123"
	Area   string
	Step   string // "flow/step" the citizen was on, or ""
	Locale string
	Text   string // what the citizen typed (the service redacts it)
	MsgID  string
	Client string // the network the citizen writes from, when known (Inbound.Client)
}

// HandoffOpened says what happens next, for the citizen.
type HandoffOpened struct {
	ID      string
	InHours bool   // an officer is at work now
	When    string // outside hours: when officers are back ("07:00 07/12/2026")
	Hours   string // office hours, "7-17"
	Minutes int    // the first-answer target
}

// maxAreaLen bounds a typed commune or ward name.
const maxAreaLen = 80

// handoffTurn routes an update of a conversation that has an open ticket
// or is being asked for its area. It reports whether it answered.
func (t *turn) handoffTurn(idle time.Duration) bool {
	h := t.e.handoff
	if h == nil || t.s.Hand == "" && !t.s.AskArea {
		return false
	}
	if t.in.Kind == KindButton {
		if t.in.Payload == "handoff_leave" {
			t.handoffLeave()
			return true
		}
		t.s.AskArea = false // a button leaves the question; an open ticket stays open
		return false
	}
	if (t.in.Kind == KindStart || t.in.Kind == KindFollow) && t.s.Hand != "" {
		t.outcome = "handoff_open"
		t.say(Reply{Text: t.msg("handoff_still_open"), Buttons: t.leaveRows()})
		return true
	}
	if t.in.Kind == KindMedia && t.s.Hand != "" {
		t.outcome = "handoff_media"
		t.say(Reply{Text: t.msg("handoff_media"), Buttons: t.leaveRows()})
		return true
	}
	if t.in.Kind != KindText {
		return false
	}
	raw := strings.TrimSpace(t.in.Text)
	folded := vntext.Fold(raw)
	if folded == vntext.Fold(t.msg("btn_handoff_leave")) || slices.Contains(leaveWords, folded) || containsAny(folded, leavePhrases) || leavesLast(raw) {
		t.handoffLeave()
		return true
	}
	if t.s.Hand != "" && !t.s.AskArea {
		// "menu", "2", "trợ giúp" with a ticket open: the bot's own words,
		// not a message for the officer, whose replies still come. Only
		// typed alone: "hồ sơ của tôi tới đâu rồi" is for the officer.
		if _, global := t.b.typedCommand(folded); global {
			return false
		}
		if n, err := strconv.Atoi(folded); err == nil && n >= 1 && n <= len(t.s.Options) {
			return false
		}
	}
	sensitive := t.pieced || redact.Sensitive(raw)
	if sensitive && t.s.Hand == "" {
		t.outcome = "sensitive"
		t.say(Reply{Text: t.msg("sensitive_warning"), Buttons: t.leaveRows()})
		return true
	}
	if t.s.AskArea {
		if _, global := t.b.command(folded); global {
			t.s.AskArea = false
			return false
		}
		if n, err := strconv.Atoi(folded); err == nil && n >= 1 && n <= len(t.s.Options) {
			t.s.AskArea = false
			return false
		}
		if t.notAnArea(raw, idle) {
			// A question or a greeting is answered as one; the officer
			// stays one button away.
			t.s.AskArea = false
			return false
		}
		if containsAny(folded, areaUnknown) {
			// "ko bik phuong moi ten gi, truoc la quan 3": the old name
			// reaches the officers; without one, the citizen is asked for it.
			old, ok := afterOldName(raw)
			if !ok {
				t.outcome = "handoff_area_unknown"
				t.say(Reply{Text: t.msg("handoff_area_unknown"), Buttons: t.leaveRows()})
				return true
			}
			raw, folded = old, vntext.Fold(old)
		}
		area := areaNamed(raw)
		// A link is no commune: the area heads the operators' group post,
		// where a link would be tappable (security review T6).
		if folded == "" || utf8.RuneCountInString(area) > maxAreaLen || redact.String(area) != area || t.b.onlyAnswerWords(folded) || len(content.LinksIn(area)) > 0 ||
			!placeLike(vntext.Fold(area)) {
			t.outcome = "handoff_area_unclear"
			t.say(Reply{Text: t.msg("handoff_area_unclear"), Buttons: t.leaveRows()})
			return true
		}
		t.s.AskArea = false
		t.s.Area = h.MatchArea(t.ctx, area)
		t.openTicket("")
		return true
	}
	// The officer gets the message without its numbers, codes or passwords;
	// a part of an ID number sent in pieces is hidden whole.
	text := redact.String(raw)
	if t.pieced {
		text = redact.Number
	}
	err := h.Message(t.ctx, t.in.Chat(), t.in.MessageID, text)
	switch {
	case errors.Is(err, ErrHandoffClosed):
		t.s.Hand = ""
		t.say(Reply{Text: t.msg("handoff_ended")})
		return false
	case err != nil:
		t.e.log.Error("handoff: forward a message", "chat", t.in.Chat(), "err", err)
		t.say(Reply{Text: t.msg("error_internal"), Buttons: t.leaveRows()})
	case sensitive:
		// The question went, its secrets hidden: say so, not "not kept".
		t.outcome = "sensitive"
		t.say(Reply{Text: t.msg("handoff_forwarded_hidden"), Buttons: t.leaveRows()})
	default:
		t.outcome = "handoff_message"
		forwarded := "handoff_forwarded"
		if containsAny(folded, waitPhrases) {
			forwarded = "handoff_forwarded_wait" // "bao giờ có người gọi lại": how the answer comes
		}
		t.say(Reply{Text: t.msg(forwarded), Buttons: t.leaveRows()})
		t.urgent(raw, idle)
	}
	return true
}

// areaKinds start the name of a commune or ward, folded.
var areaKinds = map[string]bool{"xa": true, "phuong": true, "thi": true, "dac": true, "p": true, "tt": true, "thon": true, "ap": true, "quan": true, "huyen": true}

// namesArea reports whether raw is the short name of a commune or ward,
// asking nothing: "phường Thủ Đức", "xã Tân Phú ạ", "tôi ở xã Tân Phú".
func namesArea(raw string) bool {
	f := strings.Fields(vntext.Fold(areaNamed(raw)))
	return len(f) >= 2 && len(f) <= 6 && areaKinds[strings.Trim(f[0], ".")] && !faq.Asks(raw)
}

// areaLead are the words a citizen may put before the commune's name
// ("tôi ở xã Tân Phú", "nhà em thuộc phường 5"), folded.
var areaLead = map[string]bool{"toi": true, "tui": true, "em": true, "minh": true, "chau": true, "con": true, "nha": true, "dang": true, "song": true}

// areaPlace are the words that end that lead: "ở", "tại", "thuộc".
var areaPlace = map[string]bool{"o": true, "tai": true, "thuoc": true}

// areaNamed returns the commune a citizen typed, without the words before
// its name ("tôi ở xã Tân Phú" is "xã Tân Phú"). A name that only looks
// like such words ("Con Cuông", "Ô Môn") is kept whole: the lead must end
// in "ở", "tại" or "thuộc" and leave two words or more.
func areaNamed(raw string) string {
	f := strings.Fields(raw)
	for i, w := range f {
		fw := vntext.Fold(strings.Trim(w, ",.:"))
		if areaPlace[fw] && len(f)-i-1 >= 2 {
			return strings.TrimRight(strings.Join(f[i+1:], " "), " .!")
		}
		if !areaLead[fw] {
			break
		}
	}
	return raw
}

// placeWords name a kind of place, folded: a longer answer to "which
// commune?" holds one ("Phường 7, Quận 3", "District 7, Ho Chi Minh City").
var placeWords = map[string]bool{"xa": true, "phuong": true, "thi": true, "tran": true, "dac": true, "khu": true, "p": true, "tt": true,
	"tx": true, "tp": true, "thon": true, "ap": true, "ban": true, "quan": true, "huyen": true, "q": true, "h": true, "tinh": true,
	"thanh": true, "pho": true, "xom": true, "to": true, "ward": true, "commune": true, "district": true, "city": true,
	"province": true, "town": true, "village": true}

// maxBareArea is the most words a commune's name is typed in without a
// word for a kind of place ("Bến Nghé", "Tân Phú Trung").
const maxBareArea = 4

// placeLike reports whether a folded answer to "which commune?" reads as a
// place: short, or naming a kind of place. "tôi làm 3 lần rồi không được"
// is no commune (fourth persona round).
func placeLike(folded string) bool {
	words := strings.Fields(folded)
	return len(words) <= maxBareArea || slices.ContainsFunc(words, func(w string) bool { return placeWords[w] })
}

// areaUnknown says, folded, that the citizen does not know the commune's
// name, most often its new name since the 2025 merging.
var areaUnknown = []string{"khong biet", "ko biet", "k biet", "ko bik", "k bik", "khong bik", "hong biet", "hok biet", "chua biet",
	"khong nho", "ko nho", "k nho", "dont know", "do not know", "not sure", "no idea"}

// oldNameMarks come before an old name the citizen does know ("trước là
// quận 3"), folded.
var oldNameMarks = [][]string{{"truoc", "la"}, {"truoc", "day", "la"}, {"cu", "la"}, {"ten", "cu"}, {"used", "to", "be"}, {"formerly"}, {"before", "it", "was"}}

// afterOldName returns the words of raw after an old-name mark, as typed,
// and whether there were any.
func afterOldName(raw string) (string, bool) {
	f := strings.Fields(raw)
	folded := make([]string, len(f))
	for i, w := range f {
		folded[i] = vntext.Fold(strings.Trim(w, ",.:;!?"))
	}
	for i := range folded {
		for _, m := range oldNameMarks {
			if i+len(m) < len(folded) && slices.Equal(folded[i:i+len(m)], m) {
				// The name ends with its clause: "trước là xã Phú Túc,
				// giờ nhập rồi hổng biết tên gì" is "xã Phú Túc".
				name := f[i+len(m):]
				for j, w := range name {
					if strings.ContainsAny(w, ",;.!?") {
						name = name[:j+1]
						break
					}
				}
				return strings.TrimRight(strings.Join(name, " "), " ,;.!?"), true
			}
		}
	}
	return "", false
}

// leaveWords, typed alone (folded) while a ticket is open or an area asked
// for, leave the officer for the automatic assistant.
var leaveWords = []string{"quay lai tro ly tu dong", "huy yeu cau", "huy yeu cau gap can bo", "thoi", "thoat", "huy", "thoi khong can", "khong can nua", "exit", "cancel", "quit",
	"thoi huy", "huy di", "thoi huy di", "huy yeu cau di", "thoi khong can nua"}

// leavesLast reports whether the last clause of raw, after something else,
// is a leave word ("thứ 2 mới trả lời hả? tào lao. thôi hủy"); "thôi" alone
// ends many a sentence and does not count there.
func leavesLast(raw string) bool {
	parts := clauseSplit.Split(strings.TrimRight(raw, " .!?"), -1)
	if len(parts) < 2 {
		return false
	}
	last := vntext.Fold(parts[len(parts)-1])
	return last != "thoi" && slices.Contains(leaveWords, last)
}

// waitPhrases, with a ticket open, ask when or how the officer will answer
// ("bao giờ có người gọi lại", "sao lâu vậy", "có ai không"), folded.
var waitPhrases = []string{"goi lai", "goi cho toi", "goi dien", "co ai", "co nguoi", "bao lau", "lau qua", "lau vay", "lau the",
	"lau z", "lau ghe", "sao chua", "khi nao", "bao gio", "chung nao", "can bo dau", "ai tra loi", "dang cho", "cho mai", "doi mai",
	"call me", "call back", "how long", "anyone", "when will", "still waiting"}

// leavePhrases, inside a message, ask to leave the officer too ("thôi
// quay lại bot đi").
var leavePhrases = []string{"quay lai bot", "quay lai tro ly", "noi chuyen voi bot", "tro lai bot", "back to the bot", "back to bot"}

// notAnArea reports whether a message typed when the bot asked for the
// commune is something else: a greeting, a question the bot can answer,
// or one that tells a situation to warn about ("có người đòi mã OTP").
func (t *turn) notAnArea(raw string, idle time.Duration) bool {
	if namesArea(raw) {
		return false // "phường Thủ Đức": the FAQ finds the place to register in "phường"
	}
	r := t.search(raw, idle)
	switch r.Verdict {
	case faq.Confident, faq.Greeting, faq.Thanks:
		return true
	}
	return t.warnSituation(r) != nil
}

// urgent answers, beside the officer, what need not wait for them: a
// message that tells a situation to warn about gets the warning, and one
// the bot can answer outright ("ko nhan dc otp", "tôi lỡ đọc mã OTP cho
// người ta rồi") gets the answer, while the officer has the message too.
func (t *turn) urgent(raw string, idle time.Duration) {
	r := t.search(raw, idle)
	if s := t.warnSituation(r); s != nil {
		t.say(Reply{Text: t.msg(s.Warn)})
		return
	}
	if r.Verdict != faq.Confident || r.Followup {
		return
	}
	// A question the bot can answer is answered while the officer is
	// awaited: out of office hours that is until the next morning (a
	// persona got only "Đã chuyển tin nhắn cho cán bộ" for "ko nhan dc otp").
	if e := t.cat.Entry(r.Hits[0].ID); e != nil {
		t.say(Reply{Text: t.msg("handoff_meanwhile") + "\n\n" + t.text(e.Answer)})
	}
}

// wantsPerson reports whether folded text asks to talk to a person.
func (t *turn) wantsPerson(folded string) bool {
	if t.e.handoff == nil {
		return false
	}
	for _, f := range handoffPhrases(t.cat) {
		if folded == f || strings.Contains(" "+folded+" ", " "+f+" ") {
			return true
		}
	}
	return false
}

// foldedPhrases are a catalog's handoff phrases, folded once per content
// version rather than on every message.
type foldedPhrases struct {
	cat    *content.Catalog
	folded []string
}

var phrases atomic.Pointer[foldedPhrases]

func handoffPhrases(cat *content.Catalog) []string {
	if p := phrases.Load(); p != nil && p.cat == cat {
		return p.folded
	}
	p := &foldedPhrases{cat: cat}
	for _, s := range cat.Vocab.Handoff {
		if f := vntext.Fold(s); f != "" {
			p.folded = append(p.folded, f)
		}
	}
	phrases.Store(p)
	return p.folded
}

// handoff answers "Gặp cán bộ hỗ trợ": open a ticket, asking for the
// citizen's commune or ward first when the bot does not know it.
func (t *turn) handoff(text string) {
	if t.e.handoff == nil {
		t.say(Reply{Text: t.msg("stuck_none"), Buttons: t.withNav([][]Button{{t.hotlineButton()}}, false)})
		return
	}
	if t.s.Area == "" && t.s.Ref != "" {
		t.s.Area = t.e.handoff.AreaOf(t.ctx, t.s.Ref)
	}
	if t.s.Area == "" {
		t.outcome = "handoff_ask_area"
		t.s.AskArea = true
		t.say(Reply{Text: t.msg("handoff_ask_area"), Buttons: t.leaveRows()})
		return
	}
	t.openTicket(text)
}

// openTicket opens (or rejoins) the conversation's ticket and says what
// happens next, and when.
func (t *turn) openTicket(text string) {
	step := ""
	if t.step() != nil {
		step = t.s.Flow + "/" + t.s.Step
	}
	o, err := t.e.handoff.Open(t.ctx, HandoffRequest{Chat: t.in.Chat(), Area: t.s.Area, Step: step, Locale: t.locale(), Text: text, MsgID: t.in.MessageID, Client: t.in.Client})
	if errors.Is(err, ErrHandoffBusy) {
		t.outcome = "handoff_busy"
		t.say(Reply{Text: t.msg("handoff_busy"), Buttons: t.withNav([][]Button{{t.hotlineButton()}}, false)})
		return
	}
	if err != nil {
		t.e.log.Error("handoff: open a ticket", "chat", t.in.Chat(), "err", err)
		t.say(Reply{Text: t.msg("error_internal"), Buttons: t.withNav([][]Button{{t.hotlineButton()}}, false)})
		return
	}
	t.outcome = "handoff_open"
	t.s.Hand = o.ID
	if t.in.NewKey != nil && t.s.Key == "" {
		// From its first ticket on, the conversation is the browser's
		// that opened it: an officer's replies are for its eyes only, and
		// a planted chat cookie no longer names it (security review T7).
		t.s.Key, t.bound = t.in.NewKey(), true
	}
	t.emit(Event{Kind: EventHandoff, Flow: t.s.Flow, Step: t.s.Step})
	if o.InHours {
		t.say(Reply{Text: t.msg("handoff_opened", "area", t.s.Area, "minutes", strconv.Itoa(o.Minutes)), Buttons: t.leaveRows()})
		return
	}
	t.say(Reply{Text: t.msg("handoff_opened_after_hours", "area", t.s.Area, "hours", o.Hours, "when", o.When), Buttons: t.leaveRows()})
}

// handoffLeave closes the open ticket: back to the automatic assistant.
func (t *turn) handoffLeave() {
	t.outcome = "handoff_leave"
	t.s.AskArea = false
	if t.s.Hand != "" {
		if err := t.e.handoff.Leave(t.ctx, t.in.Chat()); err != nil {
			t.e.log.Error("handoff: leave the ticket", "chat", t.in.Chat(), "err", err)
		}
		t.s.Hand = ""
	}
	t.say(Reply{Text: t.msg("handoff_left")})
	t.here()
}

// leaveRows is the "Hủy yêu cầu gặp cán bộ" button.
func (t *turn) leaveRows() [][]Button {
	return [][]Button{{{Label: t.msg("btn_handoff_leave"), Payload: "handoff_leave"}}}
}

// handoffButton is "Gặp cán bộ hỗ trợ", when officers can be reached.
func (t *turn) handoffRows() [][]Button {
	if t.e.handoff == nil {
		return nil
	}
	return [][]Button{{{Label: t.msg("btn_handoff"), Payload: "handoff"}}}
}

// EventHandoff is recorded when a conversation is handed to an officer.
const EventHandoff EventKind = "handoff"

// offerPerson offers a commune officer after two misunderstood messages in
// a row.
func (t *turn) offerPerson() {
	t.say(Reply{Text: t.msg("handoff_offer"), Buttons: t.handoffRows()})
	t.s.Said = personOffered
}

// personOffered marks, in Session.Said, that the last turn offered an
// officer: a "có" or "ừ" typed next takes the offer.
const personOffered = "offer:person"
