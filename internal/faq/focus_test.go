package faq

import "testing"

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
