package zalobot

import (
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/zalo/msgtext"
)

func TestRenderNumberedChoices(t *testing.T) {
	out := Render([]flows.Reply{{
		Text:  "Điện thoại của bạn là loại nào?",
		Image: "https://vneid.gov.vn/a.png",
		Buttons: [][]flows.Button{
			{{Label: "Android", Payload: "c:install:choose_os:android", Number: 1}},
			{{Label: "iPhone", Payload: "c:install:choose_os:iphone", Number: 2}},
			{{Label: "Tìm trên CH Play", URL: "https://play.google.com/store/search?q=VNeID"}},
			{{Label: "Gọi tổng đài", URL: "tel:19000368"}},
			{{Label: "Tôi bị kẹt", Payload: "stuck", Number: 3}, {Label: "Về menu chính", Payload: "menu", Number: 4}},
		},
	}}, testSay(t))
	want := "Điện thoại của bạn là loại nào?\n\n1. Android\n2. iPhone\nTìm trên CH Play: https://play.google.com/store/search?q=VNeID\nGọi tổng đài: 19000368\n3. Tôi bị kẹt\n4. Về menu chính\nGõ 1, 2, 3 hoặc 4."
	if len(out) != 2 || out[0].Photo != "https://vneid.gov.vn/a.png" || out[1].Text != want {
		t.Fatalf("got %q\nwant photo, then %q", out, want)
	}
}

func TestHint(t *testing.T) {
	tests := []struct {
		locale string
		nums   []int
		want   string
	}{
		{"vi", []int{1}, "Gõ 1 để chọn."},
		{"vi", []int{1, 2}, "Gõ 1 hoặc 2."},
		{"vi", []int{1, 2, 3}, "Gõ 1, 2 hoặc 3."},
		{"en", []int{4, 5, 6}, "Type 4, 5 or 6."},
		{"vi", []int{1, 2, 3, 4, 5, 6, 7}, "Gõ một số từ 1 đến 7."},
		{"en", []int{1, 2, 3, 4, 5, 6}, "Type a number from 1 to 6."},
		{"xx", []int{2}, "Gõ 2 để chọn."},
	}
	for _, tt := range tests {
		if got := hint(testSay(t), tt.locale, tt.nums); got != tt.want {
			t.Errorf("hint(testSay(t), %s, %v) = %q, want %q", tt.locale, tt.nums, got, tt.want)
		}
	}
}

func TestRenderEnglishAndLong(t *testing.T) {
	out := Render([]flows.Reply{{Locale: "en", Text: "Which phone do you have?", Buttons: [][]flows.Button{{{Label: "Android", Payload: "menu", Number: 1}, {Label: "iPhone", Payload: "back", Number: 2}}}}}, testSay(t))
	if !strings.HasSuffix(out[0].Text, "\nType 1 or 2.") {
		t.Errorf("English hint missing: %q", out[0].Text)
	}
	long := strings.Repeat("Bước này cần làm cẩn thận. ", 120) // ~3,200 characters
	out = Render([]flows.Reply{{Text: long, Buttons: [][]flows.Button{{{Label: "Xong", Payload: "menu", Number: 1}}}}}, testSay(t))
	if len(out) != 2 {
		t.Fatalf("%d messages", len(out))
	}
	for _, m := range out {
		if msgtext.Len(m.Text) > MaxText {
			t.Errorf("message of %d characters", msgtext.Len(m.Text))
		}
	}
	if !strings.HasSuffix(out[1].Text, "1. Xong\nGõ 1 để chọn.") {
		t.Errorf("the list must end the last message: %q", out[1].Text[len(out[1].Text)-40:])
	}
}
