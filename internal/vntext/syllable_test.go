package vntext

import "testing"

func TestIsSyllable(t *testing.T) {
	for _, w := range []string{"nghieng", "khong", "duoc", "toi", "the", "nao", "kich", "hoat", "quen", "mat", "khau", "giu", "uong", "yeu", "oanh", "chuyen", "nguoi"} {
		if !IsSyllable(w) {
			t.Errorf("IsSyllable(%q) = false, want true", w)
		}
	}
	for _, w := range []string{"how", "what", "phone", "account", "is", "activate", "dc", "mk", "please", "english", "vneid", "otp", "nfc", "password", "sms", ""} {
		if IsSyllable(w) {
			t.Errorf("IsSyllable(%q) = true, want false", w)
		}
	}
}

func TestHasVietnameseMarks(t *testing.T) {
	for s, want := range map[string]bool{
		"quên mật khẩu": true, "Đăng ký": true, "quen mat khau": false, "café": true, "naïve": true, "hello": false, "ĐT": true,
	} {
		if got := HasVietnameseMarks(s); got != want {
			t.Errorf("HasVietnameseMarks(%q) = %v, want %v", s, got, want)
		}
	}
}
