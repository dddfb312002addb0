package flows

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/internal/vntext"
	"github.com/vneid-guide/vneidbot/internal/volunteer/refcode"
)

// Volunteers backs the volunteer and operator features inside the chat:
// "Chia sẻ cho người thân" (a citizen's own link to forward), "/thongke" (a
// linked volunteer's numbers), referral codes typed on Zalo (whose OA links
// carry no payload) and "/tatnhacnho". The engine works without it. Every
// method must be safe to call twice for one update (a turn is routed again
// when a concurrent update of the chat saved first).
type Volunteers interface {
	// Share returns the links of chat's own code, creating the code on first
	// use with ref (the chat's first-touch referral) as its parent, so the
	// chain of who referred whom is kept.
	Share(ctx context.Context, chat, ref string) (ShareLinks, error)
	// Numbers returns the counts of the code chat owns or is linked to; ok
	// is false when it has none.
	Numbers(ctx context.Context, chat string) (n VolunteerNumbers, ok bool, err error)
	// Claim links chat to the volunteer whose private claim key is key; ok
	// is false for an unknown key.
	Claim(ctx context.Context, chat, key string) (n VolunteerNumbers, ok bool, err error)
	// Known reports whether code exists, and whether chat owns it.
	Known(ctx context.Context, chat, code string) (exists, own bool, err error)
	// StopReminders opts chat out of automatic reminders.
	StopReminders(ctx context.Context, chat string) error
	// CanShare reports whether any public link is configured, so that
	// "Chia sẻ cho người thân" has something to give.
	CanShare() bool
}

// ShareLinks are the links of one code; empty ones are not configured.
type ShareLinks struct {
	Code     string
	Telegram string
	Web      string
	Zalo     string // the OA's link: the code must be typed there
}

// VolunteerNumbers are the counts shown by "/thongke".
type VolunteerNumbers struct {
	Code      string
	Name      string
	Started   int64 // users who opened the bot through the code (first touch)
	Completed int64 // of those, users who completed a flow
	Network   int64 // users brought by those further down the code's chain
}

// Event kinds of the volunteer features (recorded like the engine's own).
const (
	EventReferred EventKind = "referred" // a chat without a referral typed a code
	EventShared   EventKind = "shared"   // a citizen asked for their link
)

// refWindow is how long after its first contact a chat may still be
// attributed by typing a code: a Zalo user follows the OA first, then types
// the code they were given.
const refWindow = 7 * 24 * time.Hour

// volunteerCommand reports whether a command belongs to the volunteer
// features, which volunteerTyped handles (only when they are enabled).
func volunteerCommand(name string) bool { return name == "reminders_off" || name == "volunteer_stats" }

// volunteerTyped handles typed text that belongs to the volunteer features,
// before anything else: "/tatnhacnho", "/thongke", "/thongke k_<key>" and a
// referral code ("v_k7m2p9xq", "mã v_k7m2p9xq", or a bare code that
// exists). It reports whether it answered.
func (t *turn) volunteerTyped(raw string, isNew bool) bool {
	if t.e.vol == nil || len(raw) > 80 {
		return false
	}
	switch t.b.commands[vntext.Fold(raw)] {
	case "reminders_off":
		t.outcome = "reminders_off"
		if err := t.e.vol.StopReminders(t.ctx, t.in.Chat()); err != nil {
			t.e.log.Error("stop reminders", "chat", t.in.Chat(), "err", err)
			t.say(Reply{Text: t.msg("error_internal")})
			return true
		}
		t.say(Reply{Text: t.msg("reminders_off")})
		t.hereUnlessNew(isNew)
		return true
	case "volunteer_stats":
		t.outcome = "volunteer_stats"
		t.volunteerStats()
		return true
	}
	if key, ok := refcode.ParseClaim(raw); ok {
		t.outcome = "volunteer_claim"
		n, ok, err := t.e.vol.Claim(t.ctx, t.in.Chat(), key)
		switch {
		case err != nil:
			t.e.log.Error("volunteer claim", "chat", t.in.Chat(), "err", err)
			t.say(Reply{Text: t.msg("error_internal")})
		case !ok:
			t.say(Reply{Text: t.msg("volunteer_claim_unknown")})
		default:
			t.s.Vol = true
			t.say(Reply{Text: t.msg("volunteer_linked", "code", n.Code, "name", n.Name)})
			t.sayNumbers(n)
		}
		return true
	}
	code, explicit, ok := refcode.ParseTyped(raw)
	if !ok {
		return false
	}
	exists, own, err := t.e.vol.Known(t.ctx, t.in.Chat(), code)
	if err != nil {
		t.e.log.Error("look up referral code", "chat", t.in.Chat(), "err", err)
		return false
	}
	ref := refcode.Prefix + code
	switch {
	case !exists && !explicit:
		return false // a word that looks like a code: not ours
	case !exists:
		t.outcome = "ref_unknown"
		t.say(Reply{Text: t.msg("ref_unknown", "code", ref)})
	case own:
		t.outcome = "ref_own"
		t.say(Reply{Text: t.msg("ref_own")})
	default:
		t.outcome = "ref"
		// First touch: only a chat without a referral, still young, takes one.
		if t.s.Ref == "" && (isNew || t.now.Sub(time.Unix(t.s.Started, 0)) < refWindow) {
			t.s.Ref = ref
			if !isNew { // a new chat's first_contact carries the referral already
				t.emit(Event{Kind: EventReferred})
			}
		}
		t.say(Reply{Text: t.msg("ref_thanks", "code", ref)})
	}
	if isNew {
		t.start(true)
		return true
	}
	t.here()
	return true
}

// hereUnlessNew shows where the user is; a new chat gets the greeting.
func (t *turn) hereUnlessNew(isNew bool) {
	if isNew {
		t.start(true)
		return
	}
	t.here()
}

// share gives the citizen a ready-to-forward message with their own link.
func (t *turn) share() {
	if t.e.vol == nil {
		t.say(Reply{Text: t.msg("share_unavailable")})
		t.menu()
		return
	}
	l, err := t.e.vol.Share(t.ctx, t.in.Chat(), t.s.Ref)
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			t.e.log.Error("share link", "chat", t.in.Chat(), "err", err)
		}
		t.say(Reply{Text: t.msg("share_unavailable")})
		t.menu()
		return
	}
	lines := []string{t.msg("share_message")}
	if l.Web != "" {
		lines = append(lines, t.msg("share_web", "url", l.Web))
	}
	if l.Telegram != "" {
		lines = append(lines, t.msg("share_telegram", "url", l.Telegram))
	}
	if l.Zalo != "" {
		lines = append(lines, t.msg("share_zalo", "url", l.Zalo, "code", refcode.Prefix+l.Code))
	}
	if len(lines) == 1 {
		t.say(Reply{Text: t.msg("share_unavailable")})
		t.menu()
		return
	}
	t.s.Vol = true
	t.emit(Event{Kind: EventShared})
	t.say(Reply{Text: t.msg("share_intro")})
	// The message to forward stands alone, so forwarding it sends nothing else.
	t.say(Reply{Text: strings.Join(lines, "\n")})
	t.say(Reply{Text: t.msg("share_after"), Buttons: append([][]Button{{t.statsButton()}}, t.continueOrMenu()...)})
}

// volunteerStats answers "/thongke" with a volunteer's own numbers.
func (t *turn) volunteerStats() {
	if t.e.vol == nil {
		t.say(Reply{Text: t.msg("share_unavailable")})
		t.menu()
		return
	}
	n, ok, err := t.e.vol.Numbers(t.ctx, t.in.Chat())
	if err != nil {
		t.e.log.Error("volunteer numbers", "chat", t.in.Chat(), "err", err)
		t.say(Reply{Text: t.msg("error_internal")})
		t.here()
		return
	}
	if !ok {
		t.say(Reply{Text: t.msg("volunteer_stats_none"), Buttons: append([][]Button{{t.shareButton()}}, t.continueOrMenu()...)})
		return
	}
	t.sayNumbers(n)
}

func (t *turn) sayNumbers(n VolunteerNumbers) {
	name := n.Name
	if name == "" {
		name = t.msg("volunteer_you")
	}
	t.say(Reply{
		Text: t.msg("volunteer_stats", "code", refcode.Prefix+n.Code, "name", name,
			"started", strconv.FormatInt(n.Started, 10), "completed", strconv.FormatInt(n.Completed, 10),
			"network", strconv.FormatInt(n.Network, 10)),
		Buttons: append([][]Button{{t.shareButton()}}, t.continueOrMenu()...),
	})
}

func (t *turn) shareButton() Button { return Button{Label: t.msg("btn_share"), Payload: "share"} }
func (t *turn) statsButton() Button { return Button{Label: t.msg("btn_my_stats"), Payload: "stats"} }

// volunteerRows are the menu rows of the volunteer features: "Chia sẻ cho
// người thân" whenever Volunteers is set, and "/thongke" for a chat that
// owns or is linked to a code.
func (t *turn) volunteerRows() [][]Button {
	if t.e.vol == nil {
		return nil
	}
	var row []Button
	if t.e.vol.CanShare() {
		row = append(row, t.shareButton())
	}
	if t.s.Vol {
		row = append(row, t.statsButton())
	}
	if len(row) == 0 {
		return nil
	}
	return [][]Button{row}
}
