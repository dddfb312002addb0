package web

import (
	"strconv"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/jsontext"
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
		b = jsontext.AppendString(b, r.Text)
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
			b = jsontext.AppendString(b, r.Image)
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
		b = jsontext.AppendString(b, bt.Label)
		if bt.Payload != "" {
			b = append(b, `,"payload":`...)
			b = jsontext.AppendString(b, bt.Payload)
		}
		if bt.URL != "" {
			b = append(b, `,"url":`...)
			b = jsontext.AppendString(b, bt.URL)
		}
		if bt.Number != 0 {
			b = append(b, `,"number":`...)
			b = strconv.AppendInt(b, int64(bt.Number), 10)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
