// Package flows is the conversation engine. It is channel-agnostic: adapters
// turn platform updates into an Inbound, call Engine.Handle, and render the
// returned Replies natively. Platform types never reach this package.
package flows

import (
	"strings"
	"time"
)

// Kind says what sort of update an Inbound is.
type Kind string

// The kinds of update the engine understands.
const (
	KindText   Kind = "text"   // the user typed text
	KindButton Kind = "button" // the user pressed a button; Payload is set
	KindStart  Kind = "start"  // the user opened the bot (/start, a deep link, a web page load); Ref may be set
	KindMedia  Kind = "media"  // a photo, sticker, voice, file, location...: the bot can only read text
	KindFollow Kind = "follow" // the user followed the bot's account (Zalo OA)
)

// Channel names where a conversation happens. Its value is part of every
// stored key of a chat ("tg:123"), so the values never change.
type Channel string

// The channels of the bot.
const (
	Web      Channel = "web"     // the web chat (internal/web)
	Telegram Channel = "tg"      // Telegram (internal/telegram)
	Zalo     Channel = "zalo"    // the Zalo Official Account (internal/zalo)
	ZaloBot  Channel = "zalobot" // the Zalo Bot Platform (internal/zalobot)
	Terminal Channel = "term"    // "vneidbot chat"
	Preview  Channel = "preview" // the content editor's preview (internal/admin)
)

// Inbound is one update from a citizen, in channel-neutral form.
type Inbound struct {
	Channel   Channel
	ChatID    string // the conversation, unique within the channel
	MessageID string // the platform's id for this update, for deduplication; empty disables it
	Kind      Kind
	Text      string // typed text (KindText)
	Payload   string // button payload (KindButton)
	Ref       string // start or referral parameter (KindStart), e.g. "v_ab12cd"
	Time      time.Time
	// NewChat says the channel has just made ChatID up (the web chat issued
	// it with this request), so no session or handled message can exist
	// yet, and the engine skips reading them: a first contact costs one
	// Redis round trip instead of two. Leave it false when unsure.
	NewChat bool
	// Client is the network the update came from when the channel knows
	// it (the web chat: an address, or an IPv6 /64), for what is limited
	// per client, such as new handoff tickets. It is never stored as such.
	Client string
	// Keys are digests of the keys the citizen's client holds for this
	// conversation (the web chat's key cookie). A conversation bound to a
	// key (Session.Key) takes only updates that hold it: its chat id alone
	// may be known to whoever planted the cookie that carries it (security
	// review T7). Handle returns ErrWrongKey otherwise.
	Keys []string
	// NewKey makes the digest of a fresh key the channel gives the citizen
	// when the update binds the conversation to it, which opening a ticket
	// with an officer does (Outcome.Bound). Only the web chat sets it; it
	// is called only then, or for a retry of such an update, so that
	// ordinary updates pay nothing for it.
	NewKey func() string
}

// Chat is the key that identifies the conversation across the system.
func (in Inbound) Chat() string { return ChatKey(in.Channel, in.ChatID) }

// ChatKey is the key of chat id on channel across the system: "tg:123".
func ChatKey(ch Channel, id string) string { return string(ch) + ":" + id }

// SplitChat undoes ChatKey.
func SplitChat(chat string) (Channel, string) {
	ch, id, _ := strings.Cut(chat, ":")
	return Channel(ch), id
}

// Reply is one message the bot sends back.
//
// The short JSON names keep replies small in the outbox.
type Reply struct {
	Text    string     `json:"t,omitempty"`
	Buttons [][]Button `json:"b,omitempty"` // rows of buttons
	Image   string     `json:"i,omitempty"` // optional https image URL
	Locale  string     `json:"l,omitempty"` // the language of Text, for words an adapter adds itself
}

// Button is a button under a reply: either a Payload (sent back as KindButton
// when pressed) or a URL to open ("tel:" URLs call a number).
type Button struct {
	Label   string `json:"l"`
	Payload string `json:"p,omitempty"`
	URL     string `json:"u,omitempty"`
	// Number is what a user may type instead of pressing (payload buttons
	// only, 1-based, unique within one turn). Channels without buttons render
	// it as "1. Label".
	Number int `json:"n,omitempty"`
}
