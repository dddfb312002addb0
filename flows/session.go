package flows

import (
	"slices"
	"time"
)

// Session is what the bot remembers about one chat. It is stored as compact
// JSON under one Redis key per chat and never holds what the user typed.
type Session struct {
	Locale  string   `json:"l,omitempty"`
	Flow    string   `json:"f,omitempty"`  // current flow, "" at the menu
	Step    string   `json:"s,omitempty"`  // current step of Flow
	Back    []string `json:"b,omitempty"`  // previous positions "flow/step", newest last
	Options []string `json:"o,omitempty"`  // payloads of the numbered buttons last shown
	Ref     string   `json:"r,omitempty"`  // referral of the first contact
	LastFAQ string   `json:"q,omitempty"`  // the entry answered last, for "helpful?"
	Vote    string   `json:"hv,omitempty"` // the entry answered with 👍/👎 buttons and not voted on since: the one vote that counts (seventh probe, V4)
	Turns   int      `json:"t,omitempty"`  // updates handled
	Started int64    `json:"c,omitempty"`  // first contact, unix seconds
	Updated int64    `json:"u,omitempty"`  // last update, unix seconds
	RateWin int64    `json:"w,omitempty"`  // start of the current rate window, unix seconds
	RateN   int      `json:"n,omitempty"`  // updates in the current rate window
	Vol     bool     `json:"v,omitempty"`  // the chat owns or is linked to a volunteer code
	Sit     []string `json:"si,omitempty"` // situations the citizen described ("old_phone_lost"), for the rest of the conversation
	Picked  bool     `json:"lp,omitempty"` // the citizen chose the language; detection no longer switches it
	Misses  int      `json:"mi,omitempty"` // free-text messages in a row the bot did not understand
	Said    string   `json:"sd,omitempty"` // the FAQ entry whose full answer was shown last turn, to tell a repeated question
	Hand    string   `json:"ho,omitempty"` // the open ticket with an officer (issue 14): typed text goes to it
	Area    string   `json:"ar,omitempty"` // the citizen's commune or ward, as they gave it (or their volunteer's)
	AskArea bool     `json:"aa,omitempty"` // the bot asked for the commune or ward, to open a ticket
	Greet   bool     `json:"g,omitempty"`  // nothing but greetings so far: kept GreetingTTL, not in statistics (greeting.go)
	Addr    string   `json:"ad,omitempty"` // how the citizen is called in Vietnamese when not "bạn": "bác", "ông", "bà", "cô", "chú" (address.go)
	Key     string   `json:"k,omitempty"`  // digest of the key the conversation is bound to since its first ticket (Inbound.NewKey): updates without it are refused
	Pieces  int      `json:"dp,omitempty"` // how many digits the bare numbers sent in a row just before held, never the digits: an ID number sent a few digits a message (pieces.go)
}

// maxSituations bounds the situations a session keeps.
const maxSituations = 8

// remember adds situations to the session, newest kept when over the bound.
func (s *Session) remember(sits []string) {
	for _, id := range sits {
		if !slices.Contains(s.Sit, id) {
			s.Sit = append(s.Sit, id)
		}
	}
	if len(s.Sit) > maxSituations {
		s.Sit = s.Sit[len(s.Sit)-maxSituations:]
	}
}

// Inbound rate limit: more than rateMax updates within rateWindow get one
// "slow down" reply, then silence until the window passes.
const (
	rateWindow = 10 // seconds
	rateMax    = 20
)

// overRate counts an update and reports whether the chat is over the limit,
// and whether this is the first update over it.
func (s *Session) overRate(now int64) (over, first bool) {
	if now-s.RateWin >= rateWindow || now < s.RateWin {
		s.RateWin, s.RateN = now, 0
	}
	s.RateN++
	return s.RateN > rateMax, s.RateN == rateMax+1
}

// maxBack bounds the Back stack so a session stays small.
const maxBack = 20

func (s *Session) push(flow, step string) {
	if flow == "" {
		return
	}
	s.Back = append(s.Back, flow+"/"+step)
	if len(s.Back) > maxBack {
		s.Back = s.Back[len(s.Back)-maxBack:]
	}
}

func (s *Session) pop() (flow, step string, ok bool) {
	if len(s.Back) == 0 {
		return "", "", false
	}
	top := s.Back[len(s.Back)-1]
	s.Back = s.Back[:len(s.Back)-1]
	for i := 0; i < len(top); i++ {
		if top[i] == '/' {
			return top[:i], top[i+1:], true
		}
	}
	return "", "", false
}

func (s *Session) idleFor(now time.Time) time.Duration {
	if s.Updated == 0 {
		return 0
	}
	return now.Sub(time.Unix(s.Updated, 0))
}
