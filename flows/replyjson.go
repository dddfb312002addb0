package flows

import (
	"strconv"

	"github.com/vneid-guide/vneidbot/internal/jsontext"
)

// appendReplies appends replies as json.Marshal writes them (the outbox
// and the kept answers hold this form). Encoding them by reflection was
// 3–4% of a web update's CPU (docs/benchmarks.md, issue 13);
// TestAppendRepliesIsMarshal holds the two to the same bytes.
func appendReplies(b []byte, replies []Reply) []byte {
	if replies == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, r := range replies {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		n := len(b)
		comma := func() {
			if len(b) > n {
				b = append(b, ',')
			}
		}
		if r.Text != "" {
			b = append(b, `"t":`...)
			b = jsontext.AppendString(b, r.Text)
		}
		if len(r.Buttons) > 0 {
			comma()
			b = append(b, `"b":[`...)
			for j, row := range r.Buttons {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendButtons(b, row)
			}
			b = append(b, ']')
		}
		if r.Image != "" {
			comma()
			b = append(b, `"i":`...)
			b = jsontext.AppendString(b, r.Image)
		}
		if r.Locale != "" {
			comma()
			b = append(b, `"l":`...)
			b = jsontext.AppendString(b, r.Locale)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendButtons(b []byte, row []Button) []byte {
	if row == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for k, bt := range row {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"l":`...)
		b = jsontext.AppendString(b, bt.Label)
		if bt.Payload != "" {
			b = append(b, `,"p":`...)
			b = jsontext.AppendString(b, bt.Payload)
		}
		if bt.URL != "" {
			b = append(b, `,"u":`...)
			b = jsontext.AppendString(b, bt.URL)
		}
		if bt.Number != 0 {
			b = append(b, `,"n":`...)
			b = strconv.AppendInt(b, int64(bt.Number), 10)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
