package faq_test

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/faq"
)

// testCatalog is a small FAQ in the shape of the real one, fixed here so
// that the behaviour tests do not move when the content is edited.
func testCatalog() *content.Catalog {
	entry := func(id, title string, keywords []string, vi ...string) *content.Entry {
		return &content.Entry{ID: id, Title: content.Text{"vi": title, "en": "EN " + title}, Keywords: keywords,
			Questions: map[string][]string{"vi": vi}}
	}
	return &content.Catalog{
		Meta: content.Meta{Locales: []string{"vi", "en"}},
		Vocab: content.Vocab{
			Abbreviations: map[string]string{"ko": "không", "dc": "được", "mk": "mật khẩu", "dt": "điện thoại", "otp": "otp"},
			Synonyms:      [][]string{{"mật khẩu", "password", "pass"}, {"kích hoạt", "active"}},
			Stopwords:     []string{"ạ", "ơi", "nhé", "tôi", "em", "cho hỏi", "thế nào", "như thế nào"},
			OutOfScope:    []string{"vssid", "giá vàng"},
			Greetings:     []string{"alo", "xin chào", "chào"},
			Thanks:        []string{"cảm ơn", "thanks"},
		},
		FAQ: []*content.Entry{
			entry("forgot_password", "Quên mật khẩu", []string{"quên mật khẩu", "lấy lại mật khẩu"},
				"Quên mật khẩu đăng nhập thì làm sao?", "quen mat khau vneid", "lấy lại mật khẩu như thế nào",
				"không nhớ mật khẩu đăng nhập"),
			entry("otp_not_received", "Không nhận được mã OTP", []string{"mã otp", "tin nhắn"},
				"Không nhận được mã OTP", "đợi mãi không thấy tin nhắn OTP", "mã xác thực không gửi về"),
			entry("activate", "Kích hoạt tài khoản mức 2", []string{"kích hoạt", "mức 2"},
				"Kích hoạt tài khoản định danh mức 2 thế nào?", "các bước kích hoạt tài khoản", "kích hoạt trên điện thoại"),
			entry("no_nfc", "Điện thoại không có NFC", []string{"nfc", "quét chip"},
				"Điện thoại không có NFC thì sao?", "máy không hỗ trợ NFC", "không quét được chip vì máy không có NFC"),
			entry("fees", "Có mất phí không?", []string{"phí", "miễn phí"},
				"Làm tài khoản có mất phí không?", "kích hoạt có tốn tiền không", "miễn phí hay mất tiền"),
		},
	}
}

func TestSearch(t *testing.T) {
	ix := faq.New(testCatalog())
	tests := []struct {
		name, q string
		verdict faq.Verdict
		id      string // the first hit, when there is one to check
	}{
		{"Accented", "Quên mật khẩu thì làm sao", faq.Confident, "forgot_password"},
		{"Unaccented", "quen mat khau thi lam sao", faq.Confident, "forgot_password"},
		{"Decomposed", "Que\u0302n ma\u0323\u0302t kha\u0302\u0309u", faq.Confident, "forgot_password"},
		{"Abbreviation", "ko nhan dc ma otp", faq.Confident, "otp_not_received"},
		{"Synonym", "quen pass roi", faq.Confident, "forgot_password"},
		{"SynonymPhrase", "active tai khoan muc 2", faq.Confident, "activate"},
		{"Typo", "quen mat khua", faq.Confident, "forgot_password"},
		{"RunTogether", "quen matkhau", faq.Confident, "forgot_password"},
		{"RepeatedLetters", "ko nhan dcccc otpppp", faq.Confident, "otp_not_received"},
		{"Rambling", "em chào anh chị ạ, cho em hỏi là điện thoại của em không có NFC thì em làm thế nào ạ", faq.Confident, "no_nfc"},
		{"TwoQuestions", "kích hoạt có tốn tiền không? Với lại quên mật khẩu thì sao?", faq.Confident, ""},
		{"Greeting", "alo", faq.Greeting, ""},
		{"GreetingPolite", "xin chào ạ", faq.Greeting, ""},
		{"Thanks", "cảm ơn em nhé", faq.Thanks, ""},
		{"GreetingThenQuestion", "chào em, quên mật khẩu thì sao", faq.Confident, "forgot_password"},
		{"OutOfScope", "giá vàng hôm nay", faq.OutOfScope, ""},
		{"OutOfScopeDespiteWords", "vssid quên mật khẩu", faq.OutOfScope, ""},
		{"Nothing", "thời tiết ngày mai", faq.NoMatch, ""},
		{"Empty", "  ?! 👍 ", faq.NoMatch, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ix.Search(tt.q, "vi")
			if r.Verdict != tt.verdict {
				t.Errorf("Search(%q) verdict = %s, want %s (hits %v)", tt.q, r.Verdict, tt.verdict, r.Hits)
			}
			if tt.id != "" && (len(r.Hits) == 0 || r.Hits[0].ID != tt.id) {
				t.Errorf("Search(%q) hits = %v, want %s first", tt.q, r.Hits, tt.id)
			}
			checkResult(t, r)
		})
	}
}

func TestSearchTwoQuestionsFindsBoth(t *testing.T) {
	ix := faq.New(testCatalog())
	r := ix.Search("kích hoạt có tốn tiền không? Với lại quên mật khẩu thì sao?", "vi")
	got := map[string]bool{}
	for _, h := range r.Hits {
		got[h.ID] = true
	}
	if !got["fees"] || !got["forgot_password"] {
		t.Errorf("hits = %v, want fees and forgot_password among them", r.Hits)
	}
}

func TestSearchQuestionInLocale(t *testing.T) {
	ix := faq.New(testCatalog())
	if r := ix.Search("quen mat khau", "en"); len(r.Hits) == 0 || r.Hits[0].Question != "EN Quên mật khẩu" {
		t.Errorf("hits = %v, want the English title", r.Hits)
	}
	if r := ix.Search("quen mat khau", "fr"); len(r.Hits) == 0 || r.Hits[0].Question != "Quên mật khẩu" {
		t.Errorf("hits = %v, want the default locale's title", r.Hits)
	}
}

func TestSearchConcurrent(t *testing.T) {
	ix := faq.New(testCatalog())
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				q := []string{"quen mat khau", "ko nhan dc otp", "chào", "máy không có nfc", "giá vàng"}[(i+j)%5]
				checkResult(t, ix.Search(q, "vi"))
			}
		})
	}
	wg.Wait()
}

func TestSearchLongMessage(t *testing.T) {
	ix := faq.New(testCatalog())
	long := strings.Repeat("ôi trời ơi sao mà khó thế này. ", 2000) + "quên mật khẩu"
	checkResult(t, ix.Search(long, "vi"))
	checkResult(t, ix.Search("quên mật khẩu. "+long, "vi"))
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[faq.Verdict]string{faq.NoMatch: "none", faq.Confident: "confident", faq.Unsure: "unsure",
		faq.OutOfScope: "out_of_scope", faq.Greeting: "greeting", faq.Thanks: "thanks", faq.Verdict(42): "unknown"} {
		if got := v.String(); got != want {
			t.Errorf("Verdict(%d).String() = %q, want %q", v, got, want)
		}
	}
}

// checkResult checks what every result promises: scores in [0, 1], best
// first, at most MaxHits, a hit to answer when Confident.
func checkResult(t testing.TB, r faq.Result) {
	t.Helper()
	if len(r.Hits) > faq.MaxHits {
		t.Errorf("%d hits, want at most %d", len(r.Hits), faq.MaxHits)
	}
	for i, h := range r.Hits {
		if h.Score < 0 || h.Score > 1 || math.IsNaN(h.Score) {
			t.Errorf("hit %v: score out of [0, 1]", h)
		}
		if i > 0 && h.Score > r.Hits[i-1].Score {
			t.Errorf("hits not best first: %v", r.Hits)
		}
		if h.ID == "" || h.Question == "" {
			t.Errorf("hit %v lacks an id or a question", h)
		}
	}
	if r.Verdict == faq.Confident && len(r.Hits) == 0 {
		t.Error("confident without a hit")
	}
	if (r.Verdict == faq.Greeting || r.Verdict == faq.Thanks || r.Verdict == faq.OutOfScope) && len(r.Hits) > 0 {
		t.Errorf("%s with hits %v", r.Verdict, r.Hits)
	}
}

func FuzzSearch(f *testing.F) {
	ix := faq.New(testCatalog())
	for _, s := range []string{"quen mat khau", "ko nhan dc otp", "alo", "", "\xff\xfe", "matkhau. otp? nfc!", "a a a a a a a a a a a a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkResult(t, ix.Search(s, "vi"))
	})
}

// FuzzSearchIn searches in a conversation's context: a last topic and a
// situation told before, picked by the fuzzer (a situation that keeps the
// only hit once emptied the list and crashed the request).
func FuzzSearchIn(f *testing.F) {
	cat := testCatalog()
	ix := faq.New(cat)
	f.Add("báo lên đâu nữa không, 156 hả", uint8(0), uint8(0))
	f.Add("vậy giờ sao", uint8(3), uint8(5))
	f.Fuzz(func(t *testing.T, s string, last, sit uint8) {
		cx := faq.Context{Last: cat.FAQ[int(last)%len(cat.FAQ)].ID}
		if sits := cat.Vocab.Situations; len(sits) > 0 {
			cx.Situations = []string{sits[int(sit)%len(sits)].ID}
		}
		checkResult(t, ix.SearchIn(s, "vi", cx))
	})
}

func ExampleIndex_Search() {
	ix := faq.New(testCatalog())
	for _, q := range []string{"ko nhan dc ma otp", "xin chào", "giá vàng hôm nay"} {
		r := ix.Search(q, "vi")
		if r.Verdict == faq.Confident {
			fmt.Printf("%s: %s (%s)\n", q, r.Verdict, r.Hits[0].ID)
			continue
		}
		fmt.Printf("%s: %s\n", q, r.Verdict)
	}
	// Output:
	// ko nhan dc ma otp: confident (otp_not_received)
	// xin chào: greeting
	// giá vàng hôm nay: out_of_scope
}
