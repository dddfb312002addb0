package faq

import (
	"strings"
	"testing"
)

// TestFocus checks how a long message is cut into what it asks and what
// it tells.
func TestFocus(t *testing.T) {
	cases := []struct{ text, ask, story string }{
		{"Hôm qua công an gọi điện. Cho tôi hỏi có phải lừa đảo không?", " Cho tôi hỏi có phải lừa đảo không", "Hôm qua công an gọi điện"},
		// a name's initial is no sentence end
		{"Bạn đọc Nguyễn Văn H. (Nghệ An) hỏi: tôi 62 tuổi. VNeID có bắt buộc không?", " VNeID có bắt buộc không", "Bạn đọc Nguyễn Văn H. (Nghệ An) hỏi: tôi 62 tuổi"},
		{"quên mật khẩu thì sao", "quên mật khẩu thì sao", ""},
	}
	for _, c := range cases {
		ask, story := focus(c.text)
		if ask != c.ask || story != c.story {
			t.Errorf("focus(%q) = %q, %q; want %q, %q", c.text, ask, story, c.ask, c.story)
		}
	}
}

// TestTellingClausesAreNoSecondQuestion: a long message that asks nothing
// outright is no two questions because one of its clauses names a phone.
func TestTellingClausesAreNoSecondQuestion(t *testing.T) {
	ix := New(mustLoad(t))
	r := ix.Search("Tôi dùng điện thoại Samsung, đã bật NFC trong phần cài đặt, nhưng khi áp thẻ căn cước vào để quét chip thì máy cứ báo không đọc được thẻ, thử áp đủ chỗ sau lưng máy cũng không ăn thua", "vi")
	if r.Second != nil || r.Verdict == Confident && r.Hits[0].ID == "install_android" {
		t.Errorf("got %s %v (second %v), want no install answer and no second question", r.Verdict, r.Hits, r.Second)
	}
}

// TestTwoQuestionsOfNeighbours: two questions about entries that name each
// other as related are still two when the first leads the whole message;
// the first is answered and the second offered.
func TestTwoQuestionsOfNeighbours(t *testing.T) {
	ix := New(mustLoad(t))
	iphone := "Cài VNeID trên iPhone sao ạ? Mà app giả nhận biết thế nào"
	cases := []struct{ q, first, second string }{
		{iphone, "install_iphone", "fake_app"},
		{noMarks(iphone), "install_iphone", "fake_app"},
		// unmarked, "ma" may be "má" or "mã": no comma split before it
		{"điện thoại đời cũ có cài được không, mà máy Android thì tải ở đâu", "phone_too_old", "install_android"},
	}
	for _, c := range cases {
		r := ix.Search(c.q, "vi")
		if r.Verdict != Confident || r.Hits[0].ID != c.first || r.Second == nil || r.Second.ID != c.second {
			t.Errorf("Search(%q) = %s %v (second %v), want %s answered and %s offered", c.q, r.Verdict, r.Hits, r.Second, c.first, c.second)
		}
	}
}

// TestFocusOnWhatTells: when the sentence that asks says nothing the
// content knows ("sao mà xui thế"), the message is about what it tells,
// however often the complaint repeats (a repeated unknown word counts once).
func TestFocusOnWhatTells(t *testing.T) {
	ix := New(mustLoad(t))
	for _, n := range []int{1, 70} {
		msg := "quên mật khẩu. " + strings.Repeat("ôi trời ơi sao mà xui thế này. ", n)
		if r := ix.Search(msg, "vi"); len(r.Hits) == 0 || r.Hits[0].ID != "forgot_password" {
			t.Errorf("%d complaints: hits = %v, want forgot_password first", n, r.Hits)
		}
	}
}

// TestCommonClauseDoesNotLead: a closing clause of common words ("mong
// được hướng dẫn") does not put the entry made of such words above the one
// the whole message is about.
func TestCommonClauseDoesNotLead(t *testing.T) {
	ix := New(mustLoad(t))
	for _, msg := range []string{
		"Máy tôi là Oppo, NFC đã bật rồi, áp thẻ căn cước vào lưng máy thì cứ báo không đọc được thẻ, đổi chỗ áp mấy lần cũng vậy. Không biết do máy hay do thẻ, mong được hướng dẫn.",
		"May toi la Oppo, NFC da bat roi, ap the can cuoc vao lung may thi cu bao khong doc duoc the, doi cho ap may lan cung vay. Khong biet do may hay do the, mong duoc huong dan.",
	} {
		if r := ix.Search(msg, "vi"); len(r.Hits) == 0 || r.Hits[0].ID != "nfc_fails" {
			t.Errorf("Search(%.40q…) = %s %v, want nfc_fails first", msg, r.Verdict, r.Hits)
		}
	}
}

// TestOldIPhoneSituation: an iPhone older than the 7 cannot read the chip,
// so a chip question from one gets the old-phone answer, not the NFC steps.
func TestOldIPhoneSituation(t *testing.T) {
	ix := New(mustLoad(t))
	for _, msg := range []string{"Mẹ tôi xài iPhone 6s, quét chip hoài không được", "ip 6 quet chip dc ko"} {
		for _, m := range []string{msg, noMarks(msg)} {
			if r := ix.Search(m, "vi"); r.Verdict != Confident || r.Hits[0].ID != "phone_too_old" {
				t.Errorf("Search(%q) = %s %v, want phone_too_old answered", m, r.Verdict, r.Hits)
			}
		}
	}
}

// TestCommaTurnsToSecondQuestion: in a short message, ", mà …" starts a
// second question: the first is answered and the second offered.
func TestCommaTurnsToSecondQuestion(t *testing.T) {
	ix := New(mustLoad(t))
	r := ix.Search("đăng ký mức 2 cần mang gì, mà có mất phí không", "vi")
	if r.Verdict != Confident || r.Hits[0].ID != "level2_documents" || r.Second == nil || r.Second.ID != "fees" {
		t.Errorf("got %s %v second %v, want level2_documents answered and fees offered", r.Verdict, r.Hits, r.Second)
	}
}
