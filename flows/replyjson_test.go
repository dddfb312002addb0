package flows

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestAppendRepliesIsMarshal: the hand-written replies are byte for byte
// what json.Marshal writes, for every kind of field and character.
func TestAppendRepliesIsMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	texts := []string{"", "Xin chào!", "a \"b\" \\ <c> & d", "dòng\nmới\t\x01", "\u2028", "\xff", "vi", "tel:19000368"}
	text := func() string { return texts[r.IntN(len(texts))] }
	for range 3000 {
		var replies []Reply
		if r.IntN(5) > 0 {
			replies = []Reply{}
		}
		for range r.IntN(4) {
			rep := Reply{Text: text(), Image: text(), Locale: text()}
			for range r.IntN(3) {
				var row []Button
				if r.IntN(4) > 0 {
					row = []Button{}
				}
				for range r.IntN(3) {
					row = append(row, Button{Label: text(), Payload: text(), URL: text(), Number: r.IntN(3) - 1})
				}
				rep.Buttons = append(rep.Buttons, row)
			}
			replies = append(replies, rep)
		}
		want, err := json.Marshal(replies)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendReplies(nil, replies); !bytes.Equal(got, want) {
			t.Fatalf("replies %+v\ngot  %s\nwant %s", replies, got, want)
		}
	}
}
