package refcode_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/internal/volunteer/refcode"
)

func TestParseTyped(t *testing.T) {
	tests := []struct {
		in       string
		code     string
		explicit bool
		ok       bool
	}{
		{"v_k7m2p9xq", "k7m2p9xq", true, true},
		{"V_K7M2P9XQ", "k7m2p9xq", true, true},
		{"ma v_k7m2p9xq", "k7m2p9xq", true, true},
		{"Mã: v_k7m2p9xq", "k7m2p9xq", true, true},
		{"mã giới thiệu k7m2p9xq", "k7m2p9xq", true, true},
		{"ma vk7m2p9xq", "k7m2p9xq", true, true},
		{"  k7m2p9xq  ", "k7m2p9xq", false, true},
		{"k7m2p9xq.", "k7m2p9xq", false, true},
		{"quen mat khau", "", false, false},
		{"v_k7m2", "", false, false},
		{"cai vneid", "", false, false},
		{"toi la v_k7m2p9xq", "", false, false},
		{"v_k7m2p9x0", "", false, false},
		{"v_zzz2zzz2", "zzz2zzz2", true, true}, // folding would shorten the run of z
		{"mã v_k7m2p9xq và thêm chữ", "", false, false},
	}
	for _, tt := range tests {
		code, explicit, ok := refcode.ParseTyped(tt.in)
		if code != tt.code || explicit != tt.explicit || ok != tt.ok {
			t.Errorf("ParseTyped(%q) = %q, %v, %v; want %q, %v, %v", tt.in, code, explicit, ok, tt.code, tt.explicit, tt.ok)
		}
	}
}

func TestParseClaim(t *testing.T) {
	tests := []struct{ in, key string }{
		{"/thongke k_abcdefgh2345", "k_abcdefgh2345"},
		{"/THONGKE K_ABCDEFGH2345", "k_abcdefgh2345"},
		{"thống kê k_abcdefgh2345", "k_abcdefgh2345"},
		{"/thongke abcdefgh2345", "k_abcdefgh2345"},
		{"/thongke k_zzzzzzzzzzzz", "k_zzzzzzzzzzzz"},
		{"/thongke", ""},
		{"/thongke k_abc", ""},
		{"thong ke la gi", ""},
	}
	for _, tt := range tests {
		key, ok := refcode.ParseClaim(tt.in)
		if key != tt.key || ok != (tt.key != "") {
			t.Errorf("ParseClaim(%q) = %q, %v; want %q", tt.in, key, ok, tt.key)
		}
	}
}

func TestNewCodesAreValid(t *testing.T) {
	for range 200 {
		if c := refcode.New(); !refcode.Valid(c) || strings.Trim(c, "23456789") == "" {
			t.Fatalf("New() = %q: not a valid code with a letter and a digit", c)
		}
		if k, ok := refcode.ParseClaim("/thongke " + refcode.NewClaim()); !ok || !strings.HasPrefix(k, "k_") {
			t.Fatalf("a new claim key does not parse back: %q, %v", k, ok)
		}
	}
}

// FuzzParse: anything a citizen types is read without panicking, and a
// code or key that comes out has the right shape.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"v_k7m2p9xq", "Mã: V_K7M2P9XQ", "mã giới thiệu k7m2p9xq", "/thongke k_abcdefgh2345", "thống kê", "", "v_", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if code, _, ok := refcode.ParseTyped(s); ok && !refcode.Valid(code) {
			t.Fatalf("ParseTyped(%q) gave %q, not a valid code", s, code)
		}
		if key, ok := refcode.ParseClaim(s); ok && (len(key) != 2+refcode.ClaimLen || !utf8.ValidString(key)) {
			t.Fatalf("ParseClaim(%q) gave %q, not a claim key", s, key)
		}
	})
}
