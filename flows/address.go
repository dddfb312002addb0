package flows

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// How the bot calls the citizen in Vietnamese.
//
// The content says "bạn" (the neutral "you"). An older citizen who calls the
// bot "cháu" or "con", or speaks of themselves as "bác", "ông", "bà", "cô"
// or "chú" ("cho bác hỏi", "bà muốn làm VNeID"), is called that way back:
// persona walks found elderly citizens put off by "bạn". The choice is kept
// in Session.Addr and applied to the Vietnamese replies as they leave the
// turn, so the content keeps one wording.

// elderSelf are the words an older citizen calls themselves by, lower case
// with their marks: unmarked, "co" is also "có" and "ba" "ba" (dad), so
// those two are read only with marks; "bac" and "ong" are read either way.
var elderSelf = map[string]string{"bác": "bác", "bac": "bác", "ông": "ông", "ong": "ông", "bà": "bà", "cô": "cô", "chú": "chú"}

// selfVerbs may follow an elder's word for themselves at the start of a
// message ("bác muốn hỏi", "ông không nhận được mã"), folded. A noun after
// it names somebody else ("bác tôi", "bác sĩ", "bà ngoại").
var selfVerbs = map[string]bool{"muon": true, "hoi": true, "can": true, "khong": true, "ko": true, "k": true, "da": true,
	"dang": true, "chua": true, "co": true, "lam": true, "bi": true, "nhan": true, "quen": true, "moi": true, "gia": true,
	"nam": true, "di": true, "len": true, "ra": true, "xin": true, "vua": true, "tinh": true, "dinh": true, "thay": true,
	"dung": true, "xai": true, "cai": true, "bam": true, "nhap": true, "doc": true, "nghe": true, "hieu": true, "biet": true,
	"phai": true, "duoc": true, "dc": true, "van": true, "cung": true, "mat": true, "danh": true, "tai": true}

// askers come before an elder's word for themselves when asking ("cho bác
// hỏi", "giúp ông với", "chỉ bà cách"), folded.
var askers = map[string]bool{"cho": true, "giup": true, "gium": true, "chi": true, "bay": true, "huong": true}

// others follow those words when they name somebody else ("giúp ông nội",
// "bác tôi", "bà ấy"), folded.
var others = map[string]bool{"noi": true, "ngoai": true, "toi": true, "tui": true, "minh": true, "em": true, "nha": true,
	"ay": true, "xa": true, "hang": true, "si": true, "ta": true, "con": true, "chau": true}

// youngerCalls are what an older citizen calls the bot ("cháu ơi", "con ơi"),
// folded pairs.
var youngerCalls = []string{"chau oi", "con oi"}

// withoutSelfWords drops the words a writer calls themselves by ("giờ bà
// làm sao nhen" is "giờ làm sao nhen"): unmarked, "ba" and "con" are also
// a number and a child, which a search would read as the subject.
func withoutSelfWords(raw string) string {
	f := strings.Fields(raw)
	out := f[:0:0]
	for _, w := range f {
		lw := strings.ToLower(strings.Trim(w, ",.!?"))
		if _, elder := elderSelf[lw]; elder || lw == "cháu" || lw == "con" || lw == "em" {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// addressFrom reads, from a message, how its writer asks to be called: an
// elder's word, "bạn" for a writer who calls themselves "em" or "cháu"
// (younger), or "" when the message does not say. self reports whether the
// writer named themselves: calling the bot "cháu" says only that they are
// older ("bác"), and does not undo a "bà" said before.
func addressFrom(raw string) (addr string, self bool) {
	lower := strings.FieldsFunc(strings.ToLower(raw), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	folded := strings.Fields(vntext.Fold(raw))
	if len(lower) != len(folded) {
		return "", false // an apostrophe, a letter Fold does not know: not worth the guess
	}
	for i, w := range lower {
		next := ""
		if i+1 < len(folded) {
			next = folded[i+1]
		}
		self, ok := elderSelf[w]
		if ok && !others[next] && ((i == 0 || folded[i-1] == "oi") && selfVerbs[next] || i > 0 && askers[folded[i-1]] && (i == 1 || folded[i-2] != "toi")) {
			return self, true
		}
		if (w == "em" || w == "cháu" || w == "chau") && i > 0 && folded[i-1] == "cho" && next == "hoi" {
			return "bạn", true // "cho em hỏi", "cho cháu hỏi": a younger writer
		}
	}
	joined := " " + strings.Join(folded, " ") + " "
	for _, c := range youngerCalls {
		if strings.Contains(joined, " "+c+" ") {
			return "bác", false
		}
	}
	return "", false
}

// addressAs writes "you" in text as addr ("bác") instead of "bạn", keeping
// a capital where the text had one. "bạn bè" (friends) stays.
func addressAs(text, addr string) string {
	if addr == "" || addr == "bạn" || !strings.Contains(text, "ạn") {
		return text
	}
	var b strings.Builder
	for i := 0; i < len(text); {
		j := indexWord(text[i:])
		if j < 0 {
			b.WriteString(text[i:])
			break
		}
		j += i
		b.WriteString(text[i:j])
		w := text[j : j+len("bạn")]
		if w == "Bạn" {
			r, n := utf8.DecodeRuneInString(addr)
			b.WriteString(string(unicode.ToUpper(r)) + addr[n:])
		} else {
			b.WriteString(addr)
		}
		i = j + len("bạn")
	}
	return b.String()
}

// indexWord finds "bạn" or "Bạn" standing as a word for "you" in s, or -1.
func indexWord(s string) int {
	for off := 0; off < len(s); {
		k := strings.Index(s[off:], "ạn")
		if k < 0 {
			return -1
		}
		at := off + k - 1 // the "b" or "B"
		off += k + len("ạn")
		if at < 0 || s[at] != 'b' && s[at] != 'B' {
			continue
		}
		if at > 0 {
			if r, _ := utf8.DecodeLastRuneInString(s[:at]); unicode.IsLetter(r) {
				continue
			}
		}
		rest := s[off:]
		if r, _ := utf8.DecodeRuneInString(rest); unicode.IsLetter(r) {
			continue
		}
		if strings.HasPrefix(rest, " bè") {
			continue // friends
		}
		return at
	}
	return -1
}
