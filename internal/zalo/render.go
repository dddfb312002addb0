package zalo

import (
	"strings"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/zalo/msgtext"
)

// Limits of a customer-service message.
const (
	MaxText    = 2000 // characters of text
	MaxButtons = 5    // buttons under one message
	MaxTitle   = 100  // characters of a button title
)

// ButtonPrefix starts the text that a pressed payload button sends back, so
// that a press is told apart from typing: "#menu", "#c:install:choose_os:android".
const ButtonPrefix = "#"

// Say returns a UI message of the content (content.Catalog.Msg of the
// catalog being served): the few words the adapter adds itself.
type Say func(locale, key string, pairs ...string) string

// Render turns the engine's replies into OA messages, in order: an image
// first when a reply has one, then its text cut at paragraph or sentence
// boundaries into pieces of at most MaxText, the last piece carrying up to
// MaxButtons buttons, then as many "more choices" messages as the remaining
// buttons need ("more_choices"). Rows are flattened: Zalo shows buttons one
// under another.
func Render(replies []flows.Reply, say Say) []Message {
	var out []Message
	for _, r := range replies {
		if r.Image != "" {
			out = append(out, Message{Attachment: &Attachment{Type: "template", Payload: Payload{
				TemplateType: "media",
				Elements:     []Element{{MediaType: "image", URL: r.Image}},
			}}})
		}
		var buttons []Button
		for _, row := range r.Buttons {
			for _, b := range row {
				if zb, ok := button(b); ok {
					buttons = append(buttons, zb)
				}
			}
		}
		pieces := msgtext.Split(r.Text, MaxText)
		if len(pieces) == 0 && len(buttons) > 0 {
			pieces = []string{say(r.Locale, "more_choices")}
		}
		for i, p := range pieces {
			m := Message{Text: p}
			if i == len(pieces)-1 && len(buttons) > 0 {
				n := min(MaxButtons, len(buttons))
				m.Attachment = buttonTemplate(buttons[:n])
				buttons = buttons[n:]
			}
			out = append(out, m)
		}
		more := say(r.Locale, "more_choices")
		for len(buttons) > 0 {
			n := min(MaxButtons, len(buttons))
			out = append(out, Message{Text: more, Attachment: buttonTemplate(buttons[:n])})
			buttons = buttons[n:]
		}
	}
	return out
}

func buttonTemplate(b []Button) *Attachment {
	return &Attachment{Type: "template", Payload: Payload{Buttons: b}}
}

// button renders one engine button: a payload as oa.query.hide (the user
// sends "#payload" without seeing it), a "tel:" link as oa.open.phone, any
// other link as oa.open.url.
func button(b flows.Button) (Button, bool) {
	title := clip(strings.TrimSpace(b.Label), MaxTitle)
	switch {
	case b.Payload != "":
		if title == "" {
			title = b.Payload
		}
		return Button{Title: title, Type: "oa.query.hide", Payload: ButtonPrefix + b.Payload}, true
	case strings.HasPrefix(b.URL, "tel:"):
		phone := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == '+' {
				return r
			}
			return -1
		}, strings.TrimPrefix(b.URL, "tel:"))
		if phone == "" {
			return Button{}, false
		}
		if title == "" {
			title = phone
		}
		return Button{Title: title, Type: "oa.open.phone", Payload: map[string]string{"phone_code": phone}}, true
	case b.URL != "":
		if title == "" {
			title = b.URL
		}
		return Button{Title: clip(title, MaxTitle), Type: "oa.open.url", Payload: map[string]string{"url": b.URL}}, true
	}
	return Button{}, false
}

// clip shortens s to at most n characters (as Zalo counts them), ending
// with "…" when cut.
func clip(s string, n int) string {
	if msgtext.Len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && msgtext.Len(string(r))+1 > n {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
