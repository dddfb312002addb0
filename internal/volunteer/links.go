package volunteer

import (
	"net/url"
	"strings"
	"unicode"

	"github.com/vneid-guide/vneidbot/internal/vntext"
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

// leadWords may come before a typed code: "mã v_k7m2p9xq", "ma gioi thieu:
// k7m2p9xq". They are compared folded (no accents, lower case).
var leadWords = [][]string{{"ma", "gioi", "thieu"}, {"ma", "moi"}, {"ma", "code"}, {"gioi", "thieu"}, {"ma"}, {"code"}, {"ref"}, {"referral"}}

// words splits text into lower-case words of letters, digits and "_". Codes
// are read from these, not from folded text: folding shortens stretched
// letters ("zzz"), which a random code may well contain.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
	})
}

// cutLead removes a leading lead phrase from w.
func cutLead(w []string) ([]string, bool) {
	for _, lead := range leadWords {
		if len(w) <= len(lead) {
			continue
		}
		match := true
		for i, l := range lead {
			if vntext.Fold(w[i]) != l {
				match = false
				break
			}
		}
		if match {
			return w[len(lead):], true
		}
	}
	return w, false
}

// ParseTyped recognises a referral code typed in a chat (the only way a Zalo
// OA user can bring one): "v_k7m2p9xq", "Mã: V_K7M2P9XQ", "ma gioi thieu
// k7m2p9xq" or the bare code. explicit is false for the bare code, which
// only counts when it exists (an ordinary word could look like one).
func ParseTyped(text string) (code string, explicit, ok bool) {
	w, explicit := cutLead(words(text))
	switch {
	case len(w) == 2 && w[0] == "v":
		code, explicit = w[1], true
	case len(w) == 1 && strings.HasPrefix(w[0], RefPrefix):
		code, explicit = w[0][len(RefPrefix):], true
	case len(w) == 1 && explicit && len(w[0]) == CodeLen+1 && w[0][0] == 'v':
		code = w[0][1:] // "ma vk7m2p9xq" without the underscore
	case len(w) == 1:
		code = w[0]
	default:
		return "", false, false
	}
	if !ValidCode(code) {
		return "", false, false
	}
	return code, explicit, true
}

// ParseClaim recognises "/thongke k_<key>" (how a volunteer links their own
// chat) and returns the key.
func ParseClaim(text string) (key string, ok bool) {
	w := words(text)
	switch {
	case len(w) >= 2 && w[0] == "thongke":
		w = w[1:]
	case len(w) >= 3 && vntext.Fold(w[0]) == "thong" && vntext.Fold(w[1]) == "ke":
		w = w[2:]
	default:
		return "", false
	}
	if len(w) != 1 {
		return "", false
	}
	k := w[0]
	if !strings.HasPrefix(k, "k_") {
		k = "k_" + k
	}
	if len(k) != 2+claimLen || !inAlphabet(k[2:]) {
		return "", false
	}
	return k, true
}
