package vntext_test

import (
	"testing"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Quên mật khẩu", "quen mat khau"},
		{"Que\u0302n ma\u0323\u0302t kha\u0302\u0309u", "quen mat khau"}, // decomposed accents
		{"ĐĂNG KÝ", "dang ky"},
		{"ko nhận đcccc otp!!!", "ko nhan dc otp"},
		{"  xong rồi 👍 ", "xong roi"},
		{"mức 2?", "muc 2"},
		{"zoom", "zoom"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := vntext.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Quên mật khẩu", "ko nhan dc otp", "\xff\xfe", "đđđ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := vntext.Fold(s)
		if twice := vntext.Fold(once); twice != once {
			t.Fatalf("Fold is not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}
