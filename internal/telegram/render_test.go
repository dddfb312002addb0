package telegram

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vneid-guide/vneidbot/flows"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"a < b & c > d":              "a &lt; b &amp; c &gt; d",
		`<b>bold</b> "quoted" 'x'`:   `&lt;b&gt;bold&lt;/b&gt; "quoted" 'x'`,
		"&amp; stays literal":        "&amp;amp; stays literal",
		"Tiếng Việt có dấu: ắ ặ ữ 📞": "Tiếng Việt có dấu: ắ ặ ữ 📞",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplit(t *testing.T) {
	para := func(c string, n int) string { return strings.Repeat(c, n) }
	cases := []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"short", "hello", 10, []string{"hello"}},
		{"exactly the limit", para("a", 10), 10, []string{para("a", 10)}},
		{"paragraphs packed", "aaa\n\nbbb\n\nccc", 8, []string{"aaa\n\nbbb", "ccc"}},
		{"paragraph boundary first", "aaaa bbbb\n\ncccc", 12, []string{"aaaa bbbb", "cccc"}},
		{"long paragraph at lines", "aaaa\nbbbb\ncccc", 9, []string{"aaaa\nbbbb", "cccc"}},
		{"long line at words", "aaa bbb ccc ddd", 7, []string{"aaa bbb", "ccc ddd"}},
		{"one long word", para("x", 25), 10, []string{para("x", 10), para("x", 10), para("x", 5)}},
		// an emoji is two UTF-16 code units, as Telegram counts
		{"utf16", "📞📞📞", 4, []string{"📞📞", "📞"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := split(tc.in, tc.limit); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("split = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSplitLongReply: a reply over 4,096 characters becomes several
// messages cut at paragraphs, with the keyboard on the last one.
func TestSplitLongReply(t *testing.T) {
	p := strings.Repeat("Bước này rất dài. ", 100) // 1,800 characters
	text := p + "\n\n" + p + "\n\n" + p
	out := render(42, flows.Reply{Text: text, Buttons: [][]flows.Button{{{Label: "Xong", Payload: "menu"}}}})
	if len(out) != 2 {
		t.Fatalf("%d messages, want 2", len(out))
	}
	for i, m := range out {
		if n := utf16Len(m.params["text"]); n > maxText {
			t.Errorf("message %d has %d characters", i, n)
		}
		if _, has := m.params["reply_markup"]; has != (i == len(out)-1) {
			t.Errorf("message %d: keyboard %v", i, has)
		}
	}
	if out[0].params["text"] != strings.TrimSpace(p+"\n\n"+p) {
		t.Errorf("first message is not the first two paragraphs")
	}
}

func TestRenderButtons(t *testing.T) {
	r := flows.Reply{
		Text: "Chọn:",
		Buttons: [][]flows.Button{
			{{Label: "Android", Payload: "c:install:choose_os:android", Number: 1}, {Label: "iPhone", Payload: "c:install:choose_os:iphone", Number: 2}},
			{{Label: "Mở CH Play", URL: "https://play.google.com/store"}},
			{{Label: "Gọi tổng đài 1900 0368", URL: "tel:19000368"}},
			{{Label: "Hotline", URL: "tel:19000368"}},
			{{Label: "too long", Payload: strings.Repeat("x", 65)}},
			{{Label: "", Payload: "menu"}},
			{{Label: "javascript", URL: "javascript:alert(1)"}},
		},
	}
	out := render(-100123, r)
	if len(out) != 1 {
		t.Fatalf("%d messages", len(out))
	}
	p := out[0].params
	if p["chat_id"] != "-100123" || p["parse_mode"] != "HTML" {
		t.Errorf("params = %v", p)
	}
	wantText := "Chọn:\n\n📞 Gọi tổng đài 1900 0368\n\n📞 Hotline: 19000368"
	if p["text"] != wantText {
		t.Errorf("text = %q, want %q", p["text"], wantText)
	}
	var got tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(p["reply_markup"]), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.InlineKeyboard) != 2 || len(got.InlineKeyboard[0]) != 2 || *got.InlineKeyboard[1][0].URL != "https://play.google.com/store" {
		t.Errorf("keyboard = %s", p["reply_markup"])
	}
}

func TestRenderEmptyTextWithButtons(t *testing.T) {
	out := render(1, flows.Reply{Buttons: [][]flows.Button{{{Label: "Menu", Payload: "menu"}}}})
	if len(out) != 1 || out[0].params["text"] == "" {
		t.Fatalf("out = %+v", out)
	}
}

func TestRenderImage(t *testing.T) {
	short := render(1, flows.Reply{Text: "Bước <1>", Image: "https://vneid.gov.vn/a.png", Buttons: [][]flows.Button{{{Label: "Xong", Payload: "menu"}}}})
	if len(short) != 1 || short[0].method != "sendPhoto" || short[0].params["caption"] != "Bước &lt;1&gt;" || short[0].params["reply_markup"] == "" {
		t.Errorf("short caption: %+v", short)
	}
	if len(short[0].fallback) != 1 || short[0].fallback[0].method != "sendMessage" {
		t.Errorf("no text fallback for the photo: %+v", short[0].fallback)
	}
	long := render(1, flows.Reply{Text: strings.Repeat("a ", 600), Image: "https://vneid.gov.vn/a.png"})
	if len(long) != 2 || long[0].method != "sendPhoto" || long[0].params["caption"] != "" || long[1].method != "sendMessage" {
		t.Errorf("long caption: %+v", long)
	}
}

func TestKeepLinks(t *testing.T) {
	data, url := "menu", "https://vneid.gov.vn"
	only := &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{{Text: "Menu", CallbackData: &data}}}}
	if m, ok := keepLinks(only); !ok || m != removeKeyboard {
		t.Errorf("callback-only keyboard: %q %v", m, ok)
	}
	links := &tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{{Text: "Web", URL: &url}}}}
	if _, ok := keepLinks(links); ok {
		t.Error("a keyboard without callback buttons was edited")
	}
	if m, ok := keepLinks(nil); !ok || m != removeKeyboard {
		t.Error("an unknown keyboard is not removed")
	}
}

func TestCommand(t *testing.T) {
	cases := []struct {
		in            string
		cmd, args, at string
		ok            bool
	}{
		{"/start", "start", "", "", true},
		{"/start v_ABC123", "start", "v_ABC123", "", true},
		{"/start@vneid_bot v_x", "start", "v_x", "vneid_bot", true},
		{"/help@Other_Bot", "help", "", "Other_Bot", true},
		{"/menu\nmore", "menu", "more", "", true},
		{"/", "", "", "", false},
		{"/ start", "", "", "", false},
		{"/cài", "", "", "", false},
		{"hello /start", "", "", "", false},
	}
	for _, tc := range cases {
		cmd, args, at, ok := command(tc.in)
		if cmd != tc.cmd || args != tc.args || at != tc.at || ok != tc.ok {
			t.Errorf("command(%q) = %q %q %q %v", tc.in, cmd, args, at, ok)
		}
	}
}

func TestStartRef(t *testing.T) {
	for in, want := range map[string]string{
		"v_ABC123": "v_ABC123", "": "", "a b": "", "x<script>": "", strings.Repeat("a", 65): "", "ref-2026_x": "ref-2026_x",
	} {
		if got := startRef(in); got != want {
			t.Errorf("startRef(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := bucket{every: time.Second, burst: 3}
	var at []time.Duration
	for range 5 {
		at = append(at, b.reserve(t0).Sub(t0))
	}
	want := []time.Duration{0, 0, 0, time.Second, 2 * time.Second}
	if !reflect.DeepEqual(at, want) {
		t.Errorf("burst of 3 then 1/s: %v, want %v", at, want)
	}
	// after a quiet spell the burst is available again
	if d := b.reserve(t0.Add(time.Minute)).Sub(t0.Add(time.Minute)); d != 0 {
		t.Errorf("after a minute: wait %v", d)
	}
}

// FuzzSplit: pieces fit the limit and together keep every non-blank character.
func FuzzSplit(f *testing.F) {
	f.Add("a\n\nb c", 3)
	f.Add("📞📞📞 x\n\ny", 2)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if !utf8.ValidString(s) || limit < 2 || limit > 5000 {
			return
		}
		parts := split(s, limit)
		for _, p := range parts {
			if utf16Len(p) > limit {
				t.Fatalf("piece of %d > %d", utf16Len(p), limit)
			}
		}
		strip := func(s string) string {
			return strings.Map(func(r rune) rune {
				if unicode.IsSpace(r) {
					return -1
				}
				return r
			}, s)
		}
		if strip(strings.Join(parts, "")) != strip(s) {
			t.Fatalf("split lost text: %q → %q", s, parts)
		}
	})
}
