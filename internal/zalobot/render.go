package zalobot

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/zalo/msgtext"
)

// MaxText is the longest text of one message.
const MaxText = 2000

// Outgoing is one message to send: a text or a photo.
type Outgoing struct {
	Text  string
	Photo string // image URL, sent with sendPhoto
}

// hints are the line under a numbered list, by locale. The engine maps a
// typed number back to its choice, for every channel.
// TODO(content): move to messages.yaml ("choose_number_one",
// "choose_number_list", "choose_number_range") once those keys exist.
var hints = map[string]struct{ one, list, rng string }{
	"vi": {one: "Gõ %s để chọn.", list: "Gõ %s hoặc %s.", rng: "Gõ một số từ %s đến %s."},
	"en": {one: "Type %s to choose.", list: "Type %s or %s.", rng: "Type a number from %s to %s."},
}

// hint is the line that says which numbers to type: "Gõ 1, 2 hoặc 3.".
func hint(locale string, nums []int) string {
	h, ok := hints[locale]
	if !ok {
		h = hints["vi"]
	}
	s := make([]string, len(nums))
	for i, n := range nums {
		s[i] = strconv.Itoa(n)
	}
	switch {
	case len(s) == 1:
		return fmt.Sprintf(h.one, s[0])
	case len(s) > 5 && nums[len(nums)-1]-nums[0] == len(nums)-1:
		return fmt.Sprintf(h.rng, s[0], s[len(s)-1])
	}
	return fmt.Sprintf(h.list, strings.Join(s[:len(s)-1], ", "), s[len(s)-1])
}

// Render turns replies into Bot Platform messages. The platform has no
// buttons: choices become a numbered list under the text ("1. Android"),
// followed by a line saying which numbers to type; links become
// "Label: URL" lines (a "tel:" link shows the number). An image is sent
// first, as a photo. Text is cut into pieces of at most MaxText at paragraph
// or sentence boundaries.
func Render(replies []flows.Reply) []Outgoing {
	var out []Outgoing
	for _, r := range replies {
		if r.Image != "" {
			out = append(out, Outgoing{Photo: r.Image})
		}
		var lines []string
		var nums []int
		for _, row := range r.Buttons {
			for _, b := range row {
				label := strings.TrimSpace(b.Label)
				switch {
				case b.Payload != "" && b.Number > 0:
					lines = append(lines, fmt.Sprintf("%d. %s", b.Number, label))
					nums = append(nums, b.Number)
				case b.Payload != "":
					lines = append(lines, "• "+label)
				case strings.HasPrefix(b.URL, "tel:"):
					lines = append(lines, label+": "+strings.TrimPrefix(b.URL, "tel:"))
				case b.URL != "":
					lines = append(lines, label+": "+b.URL)
				}
			}
		}
		text := strings.TrimSpace(r.Text)
		if len(lines) > 0 {
			if text != "" {
				text += "\n\n"
			}
			text += strings.Join(lines, "\n")
			if len(nums) > 0 {
				text += "\n" + hint(msgtext.Locale(r.Text), nums)
			}
		}
		for _, p := range msgtext.Split(text, MaxText) {
			out = append(out, Outgoing{Text: p})
		}
	}
	return out
}
