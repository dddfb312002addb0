package web

import (
	"strconv"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/flows"
)

// appendResponse appends the answer's JSON, a Response, exactly as
// json.Encoder writes it, newline included. Encoding the answer
// by reflection was 4–5% of a web update's CPU (docs/benchmarks.md, issue
// 13); TestAppendResponseIsEncodingJSON holds the two to the same bytes.
func appendResponse(b []byte, replies []flows.Reply) []byte {
	b = append(b, `{"replies":[`...)
	for i, r := range replies {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"text":`...)
		b = appendString(b, r.Text)
		if len(r.Buttons) > 0 {
			b = append(b, `,"buttons":[`...)
			for j, row := range r.Buttons {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendRow(b, row)
			}
			b = append(b, ']')
		}
		if r.Image != "" {
			b = append(b, `,"image":`...)
			b = appendString(b, r.Image)
		}
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

func appendRow(b []byte, row []flows.Button) []byte {
	if len(row) == 0 {
		return append(b, "null"...) // toJSON leaves an empty row nil
	}
	b = append(b, '[')
	for k, bt := range row {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"label":`...)
		b = appendString(b, bt.Label)
		if bt.Payload != "" {
			b = append(b, `,"payload":`...)
			b = appendString(b, bt.Payload)
		}
		if bt.URL != "" {
			b = append(b, `,"url":`...)
			b = appendString(b, bt.URL)
		}
		if bt.Number != 0 {
			b = append(b, `,"number":`...)
			b = strconv.AppendInt(b, int64(bt.Number), 10)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as encoding/json writes a string with HTML
// escaping on: <, > and & as \u003c…, U+2028 and U+2029 escaped, invalid
// UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
