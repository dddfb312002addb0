package content

import "strings"

// Payload is what a button sends back when pressed. Every channel carries it
// as an opaque string (Telegram callback_data, a Zalo query payload, web JSON),
// so it must stay short: Telegram allows 64 bytes.
//
// Forms:
//
//	c:<flow>:<step>:<choice>  a step's choice (the step is kept so a stale button is recognised)
//	f:<flow>                  start a flow
//	q:<entry>                 show a FAQ entry
//	m:<entry>                 the rest of a FAQ answer ("Xem thêm")
//	y:<entry>, n:<entry>      "this answer helped" / "did not help"
//	l:<locale>                switch language
//	menu, back, stuck, resume, help, share, stats, none ("Không phải các câu trên")
//	handoff ("Gặp cán bộ hỗ trợ"), handoff_leave ("Hủy yêu cầu gặp cán bộ")
type Payload struct {
	Kind   string // "c", "f", "q", "y", "n", "l", or a bare word such as "menu"
	Flow   string
	Step   string
	Choice string
	Arg    string // entry id, flow id or locale for the one-argument kinds
}

// MaxPayload is the longest payload every channel can carry (Telegram callback_data).
const MaxPayload = 64

// ChoicePayload is the payload of a step's choice button.
func ChoicePayload(flow, step, choice string) string {
	return "c:" + flow + ":" + step + ":" + choice
}

// ArgPayload is the payload of a one-argument button such as "f:install".
func ArgPayload(kind, arg string) string { return kind + ":" + arg }

// ParsePayload decodes a payload. ok is false for anything malformed; callers
// treat such input as typed text, never as a button.
func ParsePayload(s string) (p Payload, ok bool) {
	if len(s) == 0 || len(s) > MaxPayload {
		return Payload{}, false
	}
	parts := strings.Split(s, ":")
	for _, part := range parts {
		if !ValidID(part) {
			return Payload{}, false
		}
	}
	switch parts[0] {
	case "c":
		if len(parts) != 4 {
			return Payload{}, false
		}
		return Payload{Kind: "c", Flow: parts[1], Step: parts[2], Choice: parts[3]}, true
	case "f", "q", "m", "y", "n", "l":
		if len(parts) != 2 {
			return Payload{}, false
		}
		return Payload{Kind: parts[0], Arg: parts[1]}, true
	case "menu", "back", "stuck", "resume", "help", "unclear", "bot", "share", "stats", "none", "handoff", "handoff_leave":
		if len(parts) != 1 {
			return Payload{}, false
		}
		return Payload{Kind: parts[0]}, true
	}
	return Payload{}, false
}

// ValidID reports whether s is a usable id of a flow, step or entry: 1 to
// 40 lower-case letters, digits and "_". Such an id is safe in a payload, a
// Redis key and a statistics field.
func ValidID(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
