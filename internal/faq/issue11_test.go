package faq

import (
	"slices"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// noMarks writes s as people type it without diacritics, punctuation kept.
func noMarks(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, _ := transform.String(t, s)
	var b []rune
	for _, r := range out {
		switch r {
		case 'đ':
			r = 'd'
		case 'Đ':
			r = 'D'
		}
		b = append(b, r)
	}
	return string(b)
}

// refused is the verdict of a message the bot must not answer from the FAQ.
const refused = "-"

// issue11Case is one example of issue 11: a message (after prev, when set)
// and the entry the bot must answer outright, or refused.
type issue11Case struct {
	prev, q string
	want    []string // acceptable entries; refused for "not answered outright"
	lang    string   // "en" when the answer must be in English
}

// TestIssue11Examples holds every example of issue 11, as given and without
// diacritics; each asserts the entry answered, or the refusal.
func TestIssue11Examples(t *testing.T) {
	ix := New(mustLoad(t))
	cases := []issue11Case{
		// Long polite questions with a preamble or a story.
		{q: "Cho tôi hỏi, tôi quên mật khẩu đăng nhập VNeID thì lấy lại thế nào?", want: []string{"forgot_password"}},
		{q: "Bạn đọc hỏi: tôi đã đăng ký mức 2 ở công an phường, giờ có tin nhắn phê duyệt rồi thì kích hoạt tài khoản thế nào?", want: []string{"activate_steps"}},
		{q: "Thưa ông, tôi đổi điện thoại mới nhưng máy cũ bị mất rồi, giờ đăng nhập VNeID trên máy mới thế nào?", want: []string{"old_phone_lost"}},
		{q: "Tôi băn khoăn không biết cài VNeID có mất phí không?", want: []string{"fees"}},
		{q: "Chào luật sư, hôm qua công an xã gọi điện bảo tôi cài VNeID theo đường link họ gửi để nâng cấp tài khoản. Cho tôi hỏi có phải lừa đảo không?", want: []string{"scam_calls", "fake_app"}},
		// Filler words.
		{q: "làm sao để kích hoạt được vậy", want: []string{"activate_steps"}},
		{q: "lm sao de kich hoat dc v", want: []string{"activate_steps"}},
		{q: "kich hoat", want: []string{"activate_steps"}},
		// Situations.
		{q: "toi chi co cmnd 9 so cu thoi, chua lam cccd gan chip, dang ky vneid duoc ko?", want: []string{"eligibility", "cccd_vs_cancuoc", "level2_documents"}},
		{q: "e moi mua dt moi, dt cu bi mat r. dang nhap vneid no bat nhap ma gui ve thiet bi cu, gio lam sao day", want: []string{"old_phone_lost"}},
		{q: "dt cu bi mat roi, gio dang nhap may moi sao", want: []string{"old_phone_lost"}},
		// Follow-ups keep the thread.
		{prev: "dt cu bi mat roi, gio dang nhap may moi sao", q: "vay gio toi phai lam sao?", want: []string{"old_phone_lost"}},
		{prev: "quên mật khẩu vneid", q: "r lam gi tiep a", want: []string{"forgot_password"}},
		{prev: "tài khoản mức 2 thì dùng thêm được những gì", q: "vay ko lam cung dc ha?", want: []string{"mandatory"}},
		// English.
		{q: "Hi, how do I activate VNeID?", want: []string{"activate_steps"}, lang: "en"},
		// Out of scope, but sharing VNeID words; and the other way round.
		{q: "cho hoi dang ky xe may moi muon bam bien so dep thi lam sao", want: []string{refused}},
		{q: "VNeID có xem được mã số thuế không?", want: []string{"level2_benefits", "integrate_documents"}},
		{q: "đi máy bay nội địa dùng VNeID thay căn cước được không", want: []string{"flights"}},
	}
	for _, c := range cases {
		for _, variant := range []issue11Case{c, {prev: noMarks(c.prev), q: noMarks(c.q), want: c.want, lang: c.lang}} {
			var cx Context
			if variant.prev != "" {
				p := ix.Search(variant.prev, "vi")
				if p.Verdict != Confident {
					t.Errorf("%q (before %q): %s %v, want it answered", variant.prev, variant.q, p.Verdict, p.Hits)
					continue
				}
				cx = Context{Last: p.Hits[0].ID, Situations: p.Situations}
			}
			r := ix.SearchIn(variant.q, "vi", cx)
			switch {
			case slices.Equal(variant.want, []string{refused}):
				if r.Verdict == Confident {
					t.Errorf("%q: answered %s, want it refused", variant.q, r.Hits[0].ID)
				}
			case r.Verdict != Confident || !slices.Contains(variant.want, r.Hits[0].ID):
				t.Errorf("%q: %s %v, want one of %v answered", variant.q, r.Verdict, r.Hits, variant.want)
			}
			if variant.lang == "en" && r.Lang != "en" {
				t.Errorf("%q: language %q, want en", variant.q, r.Lang)
			}
			if variant.lang == "" && r.Lang == "en" {
				t.Errorf("%q: taken for English", variant.q)
			}
		}
	}
	// "Sorry, I can't read Vietnamese well. Can you answer in English please?"
	// asks for English; "tiếng Việt" asks back.
	if r := ix.Search("Sorry, I can't read Vietnamese well. Can you answer in English please?", "vi"); r.LangRequest != "en" || r.Verdict == Confident {
		t.Errorf("english request: %s %v lang request %q, want a request for en and no answer", r.Verdict, r.Hits, r.LangRequest)
	}
	for q, want := range map[string]string{
		"english please":        "en",
		"can you speak english": "en",
		"bạn trả lời bằng tiếng anh được không": "en",
		"tiếng Việt": "vi",
		"tieng viet": "vi",
		// Questions about the app's language are no requests: switching
		// the chat would drop them.
		"is there an English version of the app?":              "",
		"the app is all in vietnamese, can I change language?": "",
		"cho hỏi app vneid có tiếng anh không":                 "",
		// Not knowing English asks for Vietnamese (a persona was switched
		// to English by "toi khong biet tieng anh").
		"toi khong biet tieng anh":          "vi",
		"tôi không rành tiếng anh":          "vi",
		"i dont understand, english please": "en",
	} {
		if r := ix.Search(q, "vi"); r.LangRequest != want {
			t.Errorf("%q: language request %q, want %q", q, r.LangRequest, want)
		}
	}
}
