package vntext

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// TestCapNormal (seventh probe, V3): a message whose NFKC form expands is
// cut so that the normalised text stays within the bound, while ordinary
// text within it is returned as it is.
func TestCapNormal(t *testing.T) {
	const max = 5000
	for _, tc := range []struct {
		name, text string
		same       bool
	}{
		{"ascii", strings.Repeat("quen mat khau ", 285), true},
		{"vietnamese", strings.Repeat("Tôi quên mật khẩu VNeID rồi, làm sao? ", 100), true},
		{"decomposed", strings.Repeat("Tôi que\u0302n ma\u0302\u0323t kha\u0302\u0309u ", 200), true},
		{"fdfa", strings.Repeat("\uFDFA", 4000), false},
		{"fdfb", strings.Repeat("\uFDFB", 4000), false},
		{"ellipsis", strings.Repeat("…", 4000), false},
		{"long ascii", strings.Repeat("a", 6000), false},
	} {
		got := CapNormal(tc.text, max)
		if tc.same && got != tc.text {
			t.Errorf("%s: cut to %d of %d runes", tc.name, utf8.RuneCountInString(got), utf8.RuneCountInString(tc.text))
		}
		if !strings.HasPrefix(tc.text, got) || !utf8.ValidString(got) {
			t.Errorf("%s: not a beginning of the text", tc.name)
		}
		n := utf8.RuneCountInString(norm.NFKC.String(got))
		if n > max {
			t.Errorf("%s: NFKC form of %d runes, over %d", tc.name, n, max)
		}
		if !tc.same && n < max-20 {
			t.Errorf("%s: cut to %d runes of NFKC, well under %d", tc.name, n, max)
		}
	}
	if got := CapNormal("e\u0302\u0301", 1); got != "e\u0302\u0301" {
		t.Errorf("a letter with its marks, NFKC one rune: %q", got)
	}
}
