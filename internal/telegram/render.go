package telegram

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
)

// Telegram's limits on one message, counted in UTF-16 code units of the text
// after entity parsing (so "&amp;" counts as one).
const (
	maxText    = 4096
	maxCaption = 1024
)

// outgoing is one Bot API call that delivers (part of) a reply.
type outgoing struct {
	method string // sendMessage or sendPhoto
	params tgbotapi.Params
	// fallback is sent instead when a sendPhoto fails for good (a broken
	// image URL must not swallow the step's text).
	fallback []outgoing
}

// render turns one engine reply into Bot API calls: text in HTML parse mode
// with everything escaped, split at paragraph boundaries when it is too long;
// payload buttons as callback_data and web links as url buttons on the last
// message; "tel:" links (which inline buttons cannot open) as a line of text.
func render(chatID int64, r flows.Reply) []outgoing {
	text, markup := keyboard(r)
	chat := strconv.FormatInt(chatID, 10)
	message := func(s string, withMarkup bool) outgoing {
		p := tgbotapi.Params{"chat_id": chat, "text": escape(s), "parse_mode": "HTML", "disable_web_page_preview": "true"}
		if withMarkup && markup != "" {
			p["reply_markup"] = markup
		}
		return outgoing{method: "sendMessage", params: p}
	}
	var texts []outgoing
	if text = strings.TrimSpace(text); text == "" && markup != "" {
		text = "👇" // Telegram refuses an empty message, and buttons need one
	}
	chunks := split(text, maxText)
	for i, c := range chunks {
		texts = append(texts, message(c, i == len(chunks)-1))
	}
	if r.Image == "" {
		return texts
	}
	photo := tgbotapi.Params{"chat_id": chat, "photo": r.Image}
	if len(chunks) == 1 && utf16Len(chunks[0]) <= maxCaption {
		photo["caption"] = escape(chunks[0])
		photo["parse_mode"] = "HTML"
		if markup != "" {
			photo["reply_markup"] = markup
		}
		return []outgoing{{method: "sendPhoto", params: photo, fallback: texts}}
	}
	return append([]outgoing{{method: "sendPhoto", params: photo}}, texts...)
}

// keyboard builds the inline keyboard of r as JSON ("" when it has none) and
// returns r's text with a line for each button Telegram cannot show.
func keyboard(r flows.Reply) (text, markup string) {
	text = r.Text
	var rows [][]tgbotapi.InlineKeyboardButton
	for _, row := range r.Buttons {
		var out []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			label := strings.TrimSpace(b.Label)
			switch {
			case label == "":
			case b.Payload != "":
				if len(b.Payload) > content.MaxPayload {
					continue // content validation prevents this; never send what Telegram rejects
				}
				out = append(out, tgbotapi.NewInlineKeyboardButtonData(label, b.Payload))
			case strings.HasPrefix(b.URL, "https://"), strings.HasPrefix(b.URL, "http://"), strings.HasPrefix(b.URL, "tg://"):
				out = append(out, tgbotapi.NewInlineKeyboardButtonURL(label, b.URL))
			case strings.HasPrefix(b.URL, "tel:"):
				text += "\n\n" + phoneLine(label, strings.TrimPrefix(b.URL, "tel:"))
			}
		}
		if len(out) > 0 {
			rows = append(rows, out)
		}
	}
	if len(rows) == 0 {
		return text, ""
	}
	js, _ := json.Marshal(tgbotapi.NewInlineKeyboardMarkup(rows...))
	return text, string(js)
}

// phoneLine shows a "tel:" button as text; Telegram apps make the number tappable.
func phoneLine(label, number string) string {
	if digits(label) != "" && strings.Contains(digits(label), digits(number)) {
		return "📞 " + label
	}
	return "📞 " + label + ": " + number
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// escape makes plain text safe for parse_mode HTML. Telegram knows only
// &lt; &gt; &amp; and &quot;, and quotes need no escaping outside tags.
func escape(s string) string { return htmlEscaper.Replace(s) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// removeKeyboard is the reply_markup that takes a message's buttons away.
const removeKeyboard = `{"inline_keyboard":[]}`

// keepLinks returns the markup of m without its callback buttons: after a
// press the choices go away, links stay usable. ok is false when m had no
// callback buttons (nothing to edit). An unknown keyboard (nil: Telegram
// always reports it, emulators may not) is removed whole.
func keepLinks(m *tgbotapi.InlineKeyboardMarkup) (markup string, ok bool) {
	if m == nil {
		return removeKeyboard, true
	}
	var rows [][]tgbotapi.InlineKeyboardButton
	removed := false
	for _, row := range m.InlineKeyboard {
		var keep []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			if b.CallbackData != nil {
				removed = true
				continue
			}
			keep = append(keep, b)
		}
		if len(keep) > 0 {
			rows = append(rows, keep)
		}
	}
	if !removed {
		return "", false
	}
	if len(rows) == 0 {
		return removeKeyboard, true
	}
	js, _ := json.Marshal(tgbotapi.NewInlineKeyboardMarkup(rows...))
	return string(js), true
}

// split cuts s into pieces of at most limit UTF-16 code units, at paragraph
// boundaries ("\n\n") when it can, else at line breaks, else between words,
// else anywhere between two characters. Pieces are trimmed of the blank
// space they were cut at; nothing else is lost.
func split(s string, limit int) []string {
	if utf16Len(s) <= limit {
		return []string{s}
	}
	var out []string
	for _, sep := range []string{"\n\n", "\n", " "} {
		if !strings.Contains(s, sep) {
			continue
		}
		var cur string
		for _, part := range strings.Split(s, sep) {
			switch {
			case cur == "":
				cur = part
			case utf16Len(cur)+utf16Len(sep)+utf16Len(part) <= limit:
				cur += sep + part
			default:
				out = append(out, split(cur, limit)...)
				cur = part
			}
		}
		out = append(out, split(cur, limit)...)
		return nonEmpty(out)
	}
	// one long word: cut between runes
	var cur []rune
	n := 0
	for _, r := range s {
		w := utf16.RuneLen(r)
		if w < 0 {
			w = 1
		}
		if n+w > limit {
			out = append(out, string(cur))
			cur, n = nil, 0
		}
		cur = append(cur, r)
		n += w
	}
	return append(out, string(cur))
}

func nonEmpty(ss []string) []string {
	out := ss[:0]
	for _, s := range ss {
		if s = strings.TrimFunc(s, unicode.IsSpace); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// utf16Len is the length of s as Telegram counts it.
func utf16Len(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if w := utf16.RuneLen(r); w > 0 {
			n += w
		} else {
			n++
		}
	}
	return n
}
