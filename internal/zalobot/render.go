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

// Say returns a UI message of the content (content.Catalog.Msg of the
// catalog being served): the few words the adapter adds itself.
type Say func(locale, key string, pairs ...string) string

// hint is the line that says which numbers to type: "Gõ 1, 2 hoặc 3."
// (message keys choose_number_one, choose_number_list, choose_number_range).
// The engine maps a typed number back to its choice, for every channel.
func hint(say Say, locale string, nums []int) string {
	s := make([]string, len(nums))
	for i, n := range nums {
		s[i] = strconv.Itoa(n)
	}
	switch {
	case len(s) == 1:
		return say(locale, "choose_number_one", "n", s[0])
	case len(s) > 5 && nums[len(nums)-1]-nums[0] == len(nums)-1:
		return say(locale, "choose_number_range", "first", s[0], "last", s[len(s)-1])
	}
	return say(locale, "choose_number_list", "list", strings.Join(s[:len(s)-1], ", "), "last", s[len(s)-1])
}

// Render turns replies into Bot Platform messages. The platform has no
// buttons: choices become a numbered list under the text ("1. Android"),
// followed by a line saying which numbers to type; links become
// "Label: URL" lines (a "tel:" link shows the number). An image is sent
// first, as a photo. Text is cut into pieces of at most MaxText at paragraph
// or sentence boundaries.
func Render(replies []flows.Reply, say Say) []Outgoing {
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
				text += "\n" + hint(say, r.Locale, nums)
			}
		}
		for _, p := range msgtext.Split(text, MaxText) {
			out = append(out, Outgoing{Text: p})
		}
	}
	return out
}
