package loadtest

import (
	"encoding/json"
	"slices"
	"testing"
)

// scanReplies must read what encoding/json would, from what the bot sends.
func TestScanRepliesMatchesJSON(t *testing.T) {
	type button struct {
		Label   string `json:"label"`
		Payload string `json:"payload,omitempty"`
		URL     string `json:"url,omitempty"`
		Number  int    `json:"number,omitempty"`
	}
	type reply struct {
		Text    string     `json:"text"`
		Buttons [][]button `json:"buttons,omitempty"`
	}
	answers := []struct {
		Replies []reply `json:"replies"`
	}{
		{Replies: []reply{}},
		{Replies: []reply{{Text: `say "payload":"x" and "number":9 and "text":`}}},
		{Replies: []reply{
			{Text: "Xin chào 👋", Buttons: [][]button{{{Label: "Cài đặt", Payload: "c:menu:root:install", Number: 1}}, {{Label: "Web", URL: "https://vneid.gov.vn"}}}},
			{Text: "Bước 2", Buttons: [][]button{{{Label: "Xong", Payload: "c:install:s2:done", Number: 2}, {Label: "Chưa", Payload: "c:install:s2:no", Number: 3}}}},
		}},
	}
	for i, a := range answers {
		data, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var wantPayloads []string
		wantNumbered := 0
		for _, r := range a.Replies {
			for _, row := range r.Buttons {
				for _, b := range row {
					if b.Payload != "" {
						wantPayloads = append(wantPayloads, b.Payload)
					}
					wantNumbered = max(wantNumbered, b.Number)
				}
			}
		}
		payloads, numbered, n, ok := scanReplies(append(data, '\n'), nil)
		if !ok || n != len(a.Replies) || numbered != wantNumbered || !slices.Equal(payloads, wantPayloads) {
			t.Errorf("answer %d %s: got %v %d %d %v, want %v %d %d", i, data, payloads, numbered, n, ok, wantPayloads, wantNumbered, len(a.Replies))
		}
	}
	for _, bad := range []string{``, `{"error":"x"}`, `<html>`, `{"replies":[{"text":"a","buttons":[[{"payload":"unterminated`} {
		if _, _, _, ok := scanReplies([]byte(bad), nil); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}
