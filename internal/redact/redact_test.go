package redact_test

import (
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/redact"
)

func TestSensitive(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"so cccd cua toi la 001203004567", true},
		{"0012 0300 4567", true},
		{"mã OTP là 123456", true},
		{"otp 482913 nhap o dau", true},
		{"123456", true},
		{"mật khẩu của tôi là Abc@12345", true},
		{"mk: hoa1234", true},
		{"pass Abc@1234 sao ko vao dc", true},
		{"passcode la 654321", true},
		{"quên mật khẩu", false},
		{"ko nhan dc otp", false},
		{"mật khẩu 8 ký tự là sao", false},
		{"đăng ký mức 2 ở đâu", false},
		{"1", false},
		{"tổng đài 1900 0368", false},
	}
	for _, tt := range tests {
		if got := redact.Sensitive(tt.in); got != tt.want {
			t.Errorf("Sensitive(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestString(t *testing.T) {
	for _, in := range []string{
		"sdt 0912345678 ko nhan dc otp",
		"sđt +84 912 345 678",
		"cccd 001203004567 bi loi",
		"mat khau la Abc@12345",
	} {
		out := redact.String(in)
		for _, secret := range []string{"0912345678", "912 345 678", "001203004567", "Abc@12345"} {
			if strings.Contains(out, secret) {
				t.Errorf("String(%q) = %q still contains %q", in, out, secret)
			}
		}
	}
}

func FuzzString(f *testing.F) {
	f.Add("cccd 001203004567")
	f.Add("mk: abc")
	f.Fuzz(func(t *testing.T, s string) {
		out := redact.String(s)
		if redact.Sensitive(out) && strings.Count(out, "[số]") == 0 && !strings.Contains(out, "đã ẩn") {
			t.Fatalf("String(%q) = %q is still sensitive", s, out)
		}
	})
}
