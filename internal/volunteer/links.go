package volunteer

import (
	"net/url"
	"strings"
)

// Links knows the bot's public addresses, from which each code's links are
// made. An empty field leaves that channel's link out.
type Links struct {
	TelegramBot string // the bot's username, without "@" (TELEGRAM_BOT_USERNAME)
	WebURL      string // the web chat's public base URL (PUBLIC_URL)
	ZaloOA      string // the Official Account's link, e.g. https://zalo.me/<oa id> (ZALO_OA_URL)
}

// Set are the links of one code: JSON {"telegram","web","zalo"}, plus the
// text a Zalo user types, since Zalo OA links carry no payload.
type Set struct {
	Telegram string `json:"telegram"`
	Web      string `json:"web"`
	Zalo     string `json:"zalo"`
	ZaloCode string `json:"zalo_code"` // what to type in the OA chat: "v_<code>"
}

// For returns the links that attribute a visit to code.
func (l Links) For(code string) Set {
	ref := RefPrefix + code
	var s Set
	if l.TelegramBot != "" {
		s.Telegram = "https://t.me/" + url.PathEscape(strings.TrimPrefix(l.TelegramBot, "@")) + "?start=" + ref
	}
	if l.WebURL != "" {
		s.Web = strings.TrimRight(l.WebURL, "/") + "/?ref=" + ref
	}
	if l.ZaloOA != "" {
		s.Zalo = l.ZaloOA
		s.ZaloCode = ref
	}
	return s
}

// Any reports whether at least one link is set.
func (s Set) Any() bool { return s.Telegram != "" || s.Web != "" || s.Zalo != "" }

// Best is the link a printed QR code should carry: the web chat (it opens
// in any phone's browser), else Telegram.
func (s Set) Best() string {
	if s.Web != "" {
		return s.Web
	}
	return s.Telegram
}
