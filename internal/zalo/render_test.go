package zalo

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/zalo/msgtext"
)

func TestRenderButtons(t *testing.T) {
	replies := []flows.Reply{{
		Text: "Bạn muốn làm gì? Chọn một mục.",
		Buttons: [][]flows.Button{
			{{Label: "Cài ứng dụng", Payload: "f:install", Number: 1}},
			{{Label: "Tìm trên CH Play", URL: "https://play.google.com/store/search?q=VNeID"}},
			{{Label: "Gọi tổng đài 1900 0368", URL: "tel:1900 0368"}},
			{{Label: "Quay lại", Payload: "back", Number: 2}, {Label: "Về menu chính", Payload: "menu", Number: 3}},
		},
	}}
	got := jsonOf(t, Render(replies, testSay(t)))
	want := `[{"text":"Bạn muốn làm gì? Chọn một mục.","attachment":{"type":"template","payload":{"buttons":[` +
		`{"title":"Cài ứng dụng","type":"oa.query.hide","payload":"#f:install"},` +
		`{"title":"Tìm trên CH Play","type":"oa.open.url","payload":{"url":"https://play.google.com/store/search?q=VNeID"}},` +
		`{"title":"Gọi tổng đài 1900 0368","type":"oa.open.phone","payload":{"phone_code":"19000368"}},` +
		`{"title":"Quay lại","type":"oa.query.hide","payload":"#back"},` +
		`{"title":"Về menu chính","type":"oa.query.hide","payload":"#menu"}]}}}]`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// More than five buttons: the first five go under the text, the others in
// "more choices" messages of at most five.
func TestRenderSplitsButtons(t *testing.T) {
	var row []flows.Button
	for i := 1; i <= 12; i++ {
		row = append(row, flows.Button{Label: fmt.Sprintf("Mục %d", i), Payload: fmt.Sprintf("q:e%d", i), Number: i})
	}
	msgs := Render([]flows.Reply{{Text: "Chọn một mục trong danh sách dưới đây nhé.", Buttons: [][]flows.Button{row}}}, testSay(t))
	if len(msgs) != 3 {
		t.Fatalf("%d messages, want 3: %s", len(msgs), jsonOf(t, msgs))
	}
	counts := []int{5, 5, 2}
	for i, m := range msgs {
		if n := len(m.Attachment.Payload.Buttons); n != counts[i] {
			t.Errorf("message %d has %d buttons, want %d", i, n, counts[i])
		}
	}
	if msgs[1].Text != "Thêm lựa chọn:" || msgs[2].Attachment.Payload.Buttons[1].Payload != "#q:e12" {
		t.Errorf("continuations: %s", jsonOf(t, msgs[1:]))
	}
	en := Render([]flows.Reply{{Locale: "en", Text: "Choose one of the items below, or type your question.", Buttons: [][]flows.Button{row}}}, testSay(t))
	if en[1].Text != "More choices:" {
		t.Errorf("English continuation %q", en[1].Text)
	}
}

func TestRenderLongTextAndImage(t *testing.T) {
	para := strings.Repeat("Mở ứng dụng VNeID và làm theo hướng dẫn. ", 30) // ~1,250 characters
	text := para + "\n\n" + para + "\n\n" + para
	msgs := Render([]flows.Reply{{
		Text: text, Image: "https://vneid.gov.vn/guide.png",
		Buttons: [][]flows.Button{{{Label: "Xong", Payload: "c:install:a:done", Number: 1}}},
	}}, testSay(t))
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want image + 3 text pieces", len(msgs))
	}
	if img := msgs[0].Attachment; img == nil || img.Payload.TemplateType != "media" || img.Payload.Elements[0].URL != "https://vneid.gov.vn/guide.png" || msgs[0].Text != "" {
		t.Errorf("image message: %s", jsonOf(t, msgs[0]))
	}
	for i, m := range msgs[1:] {
		if msgtext.Len(m.Text) > MaxText || m.Text != strings.TrimSpace(para) {
			t.Errorf("piece %d: %d characters, not the paragraph", i, msgtext.Len(m.Text))
		}
		if (m.Attachment != nil) != (i == 2) {
			t.Errorf("piece %d: buttons belong under the last piece only", i)
		}
	}
}

func TestRenderClipsTitles(t *testing.T) {
	long := strings.Repeat("Tiêu đề rất dài ", 10)
	msgs := Render([]flows.Reply{{Text: "x", Buttons: [][]flows.Button{{{Label: long, Payload: "menu"}}}}}, testSay(t))
	title := msgs[0].Attachment.Payload.Buttons[0].Title
	if msgtext.Len(title) != MaxTitle || !strings.HasSuffix(title, "…") {
		t.Errorf("title %q is %d long", title, msgtext.Len(title))
	}
}

func TestRenderSkipsEmpty(t *testing.T) {
	if msgs := Render([]flows.Reply{{Text: "  "}, {}}, testSay(t)); len(msgs) != 0 {
		t.Errorf("blank replies rendered: %s", jsonOf(t, msgs))
	}
	msgs := Render([]flows.Reply{{Buttons: [][]flows.Button{{{Label: "Menu", Payload: "menu"}}}}}, testSay(t))
	if len(msgs) != 1 || msgs[0].Text == "" {
		t.Errorf("buttons without text need a text: %s", jsonOf(t, msgs))
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
