package web

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
)

// toJSON is the answer as Response's types describe it.
func toJSON(replies []flows.Reply) []ReplyJSON {
	out := make([]ReplyJSON, 0, len(replies))
	for _, r := range replies {
		rj := ReplyJSON{Text: r.Text, Image: r.Image}
		for _, row := range r.Buttons {
			var jr []ButtonJSON
			for _, b := range row {
				jr = append(jr, ButtonJSON{Label: b.Label, Payload: b.Payload, URL: b.URL, Number: b.Number})
			}
			rj.Buttons = append(rj.Buttons, jr)
		}
		out = append(out, rj)
	}
	return out
}

func encodingJSON(replies []flows.Reply) []byte {
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(Response{Replies: toJSON(replies)})
	return buf.Bytes()
}

// TestAppendResponseIsEncodingJSON: the hand-written answer is byte for
// byte what encoding/json writes, for answers with every kind of field and
// every kind of character.
func TestAppendResponseIsEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	texts := []string{"", "Xin chào! Bạn muốn làm gì?", "a \"quoted\" \\ path", "<b>&amp;</b>", "line\nbreak\ttab\r\b\f\x01\x1f\x7f",
		"\u2028\u2029", "bad \xff utf-8 \xe1\xbb", "tel:19000368", "https://vneid.gov.vn/?a=1&b=2", "😀 emoji"}
	text := func() string { return texts[r.IntN(len(texts))] }
	for range 3000 {
		var replies []flows.Reply
		for range r.IntN(4) {
			rep := flows.Reply{Text: text(), Locale: "vi"}
			if r.IntN(3) == 0 {
				rep.Image = text()
			}
			for range r.IntN(3) {
				var row []flows.Button
				for range r.IntN(3) {
					row = append(row, flows.Button{Label: text(), Payload: text(), URL: text(), Number: r.IntN(3) - 1})
				}
				rep.Buttons = append(rep.Buttons, row)
			}
			replies = append(replies, rep)
		}
		if got, want := appendResponse(nil, replies), encodingJSON(replies); !bytes.Equal(got, want) {
			t.Fatalf("answer %+v\ngot  %s\nwant %s", replies, got, want)
		}
	}
}

// TestWriteMsgAsEncodingJSON: the hand-written error answer is the bytes
// encoding/json writes for {"error": message}, for every message of the
// content (HTML-escaped characters and all).
func TestWriteMsgAsEncodingJSON(t *testing.T) {
	cat := contenttest.Fresh(t)
	h := New(nil, func() *content.Catalog { return cat }, Options{})
	for key := range cat.Messages {
		rec := httptest.NewRecorder()
		h.writeMsg(rec, http.StatusServiceUnavailable, key)
		var want bytes.Buffer
		json.NewEncoder(&want).Encode(map[string]string{"error": cat.Msg(cat.DefaultLocale(), key)})
		if got := rec.Body.String(); got != want.String() {
			t.Fatalf("%s: got %q, want %q", key, got, want.String())
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" || rec.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d, content type %q", key, rec.Code, ct)
		}
	}
}
