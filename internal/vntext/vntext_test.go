package vntext_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

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
		{"1900 0368", "1900 0368"},
		{"đượcccc ạaaa", "duoc a"},
		{"Căn cước công dân—CCCD", "can cuoc cong dan cd"}, // vocab keys fold too, so "cccd" still matches
		{"VNeID™ (Bộ Công an)", "vneid bo cong an"},
		{"Ελληνικά và tiếng Việt", "ελληνικα va tieng viet"}, // outside the fast table
		{"\xf3ý \xffđ", "y d"},                               // invalid bytes are not letters
		{"Ελ\xf3ý", "ελ y"},
		{"", ""},
		{"I can't log in, I don’t get the code", "i cant log in i dont get the code"}, // apostrophes dropped
	}
	for _, tt := range tests {
		if got := vntext.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Tài khoản mức2?", []string{"tai", "khoan", "muc", "2"}},
		{"lv2 ko dc", []string{"lv", "2", "ko", "dc"}},
		{"4G", []string{"4", "g"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := vntext.Words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSentences(t *testing.T) {
	got := vntext.Sentences("Chào em. Quên mật khẩu thì sao?? Còn đổi số điện thoại thì sao\nok")
	want := []string{"Chào em", " Quên mật khẩu thì sao", " Còn đổi số điện thoại thì sao", "ok"}
	if !slices.Equal(got, want) {
		t.Errorf("Sentences = %q, want %q", got, want)
	}
}

// reference is Fold written plainly with the x/text transform, as first
// designed; the fast table path must agree with it on every input.
func reference(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD") // invalid bytes are not letters
	plain, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		plain = s
	}
	var b strings.Builder
	var run []rune
	flush := func() {
		if len(run) >= 3 && unicode.IsLetter(run[0]) {
			run = run[:1]
		}
		for _, r := range run {
			b.WriteRune(r)
		}
		run = run[:0]
	}
	for _, r := range plain {
		if r == '\'' || r == '\u2019' {
			continue // apostrophes are dropped: "can't" is "cant"
		}
		r = unicode.ToLower(r)
		if r == 'đ' {
			r = 'd'
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
				b.WriteByte(' ')
			}
			continue
		}
		if len(run) > 0 && run[0] != r {
			flush()
		}
		run = append(run, r)
	}
	flush()
	return strings.TrimRight(b.String(), " ")
}

func TestFoldTable(t *testing.T) {
	for r := rune(0); r < 0x2100; r++ {
		for _, s := range []string{string(r), "a" + string(r) + "b", string(r) + string(r) + string(r)} {
			if got, want := vntext.Fold(s), reference(s); got != want {
				t.Errorf("Fold(%q) = %q, reference %q", s, got, want)
			}
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Quên mật khẩu", "ko nhan dc otp", "\xff\xfe", "đđđ", "e\u0302\u0301e\u0302\u0301e", "Ελλη ế"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := vntext.Fold(s)
		if twice := vntext.Fold(once); twice != once {
			t.Fatalf("Fold is not idempotent: %q -> %q -> %q", s, once, twice)
		}
		if want := reference(s); once != want {
			t.Fatalf("Fold(%q) = %q, reference %q", s, once, want)
		}
	})
}

func BenchmarkFold(b *testing.B) {
	s := "Chào cô ạ, mẹ cháu 70 tuổi không có điện thoại thông minh thì kích hoạt VNeID thế nào ạ?"
	for b.Loop() {
		vntext.Fold(s)
	}
}

// TestFoldConcurrently: text past the fast table (emoji, other scripts)
// takes the x/text path; concurrent calls must each get what a call alone
// gets (and -race must find nothing shared).
func TestFoldConcurrently(t *testing.T) {
	texts := []string{"Mã OTP 😀 không về", "Ελληνικά và tiếng Việt", "ＣＣＣＤ gắn chip ✓", "ko nhan dc otp 🙏"}
	want := make([]string, len(texts))
	for i, s := range texts {
		want[i] = vntext.Fold(s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := (g + i) % len(texts)
				if got := vntext.Fold(texts[k]); got != want[k] {
					t.Errorf("Fold(%q) = %q concurrently, %q alone", texts[k], got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

// wordsByParts returns the words of s read part by part between ASCII
// breaks, and whether every part folded one rune at a time.
func wordsByParts(s string) ([]string, bool) {
	var words []string
	for i := 0; i < len(s); {
		if vntext.Breaks(s[i]) {
			i++
			continue
		}
		j := i + 1
		for j < len(s) && !vntext.Breaks(s[j]) {
			j++
		}
		folded, byRune := vntext.AppendFoldRunes(nil, s[i:j])
		if !byRune {
			return nil, false
		}
		for w := range vntext.SplitFolded(folded) {
			words = append(words, string(w))
		}
		i = j
	}
	return words, true
}

// TestFoldByParts checks what AppendFoldRunes promises: text whose parts
// between breaks fold one rune at a time has the words of its parts.
func TestFoldByParts(t *testing.T) {
	for _, s := range []string{
		"Quên mật khẩu, làm sao?", "Que\u0302n ma\u0323\u0302t kha\u0302\u0309u", "ko nhận đcccc otp!!!ccc",
		"mức2/3 (VNeID)", "can't-do it’s", "a \u0301b", "dd-dd d", "e\u0302\u0301e\u0302\u0301e", "\xff\xfe x",
		"xong rồi 👍 ", "VNeID™ (Bộ Công an)", "Ελληνικά và tiếng Việt", "ǅ ǆ x", "\u1100\u1161 a",
	} {
		got, byRune := wordsByParts(s)
		if !byRune {
			continue
		}
		if want := vntext.Words(s); !slices.Equal(got, want) {
			t.Errorf("%q: by parts %q, whole %q", s, got, want)
		}
	}
	for _, s := range []string{"Quên mật khẩu", "ko nhan dc otp", "dd-dd d"} {
		if _, byRune := wordsByParts(s); !byRune {
			t.Errorf("%q did not fold one rune at a time", s)
		}
	}
}

func FuzzFoldByParts(f *testing.F) {
	for _, s := range []string{"Quên mật khẩu, làm sao?", "dd-dd d", "a \u0301b", "ǅ ǆ x", "can't-do it’s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, byRune := wordsByParts(s); byRune && !slices.Equal(got, vntext.Words(s)) {
			t.Fatalf("%q: by parts %q, whole %q", s, got, vntext.Words(s))
		}
	})
}

func TestWordEnd(t *testing.T) {
	for _, tc := range []struct {
		s    string
		i    int
		want int
	}{
		{"mã 123", 0, len("mã")},
		{"không, ba", 0, len("không")},
		{"a b", 2, 3},
		{"nu\u031b\u0303a", 0, len("nu\u031b\u0303a")}, // decomposed "nữa": letters and marks
		{"123", 0, 0},
	} {
		if got := vntext.WordEnd(tc.s, tc.i); got != tc.want {
			t.Errorf("WordEnd(%q, %d) = %d, want %d", tc.s, tc.i, got, tc.want)
		}
	}
}
