// Package vntext folds Vietnamese text into a plain form for matching: the
// same words typed with or without accents, in composed or decomposed
// Unicode, in any case and with stray punctuation or emoji all fold alike.
package vntext

import (
	"iter"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// accents holds transformers that decompose (NFD), drop combining marks and
// recompose, so "ế" and "e\u0302\u0301" both become "e". A chain keeps
// buffers between calls and is not safe for concurrent use: stripAccents
// takes one from the pool for each call.
var accents = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// stripAccents is s without its combining marks.
func stripAccents(s string) (string, error) {
	t := accents.Get().(transform.Transformer)
	defer accents.Put(t)
	plain, _, err := transform.String(t, s)
	return plain, err
}

// tableEnd bounds the runes folded through base: Latin, Latin Extended A and
// B, IPA, the combining marks and Latin Extended Additional (where most
// Vietnamese letters live), i.e. everything up to and including U+1EFF.
const tableEnd = 0x1F00

// base maps each rune below tableEnd to its folded form: its lower-case
// letter without marks, 0 for a rune that folds away (a combining mark) and
// ' ' for a rune that is neither letter nor digit. It is computed once from
// the same x/text transform that Fold applies to other text, so the fast
// path and the slow path agree by construction (TestFoldTable checks it).
var base = func() []rune {
	t := make([]rune, tableEnd)
	for r := rune(0); r < tableEnd; r++ {
		t[r] = foldRuneSlow(r)
	}
	return t
}()

// foldRuneSlow folds one rune with the x/text transform.
func foldRuneSlow(r rune) rune {
	if unicode.Is(unicode.Mn, r) || isApostrophe(r) {
		return 0
	}
	plain, err := stripAccents(string(r))
	if err != nil || utf8.RuneCountInString(plain) != 1 {
		return -1 // not foldable rune by rune: use the slow path
	}
	p, _ := utf8.DecodeRuneInString(plain)
	p = unicode.ToLower(p)
	if p == 'đ' {
		p = 'd'
	}
	if !unicode.IsLetter(p) && !unicode.IsDigit(p) {
		return ' '
	}
	return p
}

// Fold returns s in lower case without diacritics ("đ" becomes "d"), with
// apostrophes dropped ("can't" becomes "cant", as people also type it),
// everything else but letters and digits turned into single spaces, and a
// letter typed three or more times in a row folded to one ("dcccc" becomes
// "dc").
func Fold(s string) string { return string(AppendFold(make([]byte, 0, len(s)), s)) }

// AppendFold appends the folded form of s (see Fold) to dst. It allocates
// nothing beyond growing dst, for callers that fold a lot of text.
func AppendFold(dst []byte, s string) []byte {
	b, _ := AppendFoldRunes(dst, s)
	return b
}

// AppendFoldRunes is AppendFold that also reports whether s folded one rune
// at a time, as Vietnamese and English text do, rather than through the
// full Unicode transform that letters beyond the table (base) need. Text
// whose parts between ASCII breaks (Breaks) each fold one rune at a time
// has the words of its parts, in order: a caller that folds much text can
// fold each distinct part once.
func AppendFoldRunes(dst []byte, s string) (folded []byte, byRune bool) {
	f := folder{start: len(dst)}
	b := dst
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// ASCII, most of the text even in Vietnamese: f.add inlined.
			i++
			c = ascii[c]
			if c == 0 {
				continue // an apostrophe
			}
			switch {
			case c == ' ':
				if len(b) > f.start && f.last != ' ' {
					b = append(b, ' ')
				}
				f.last, f.n = ' ', 0
				continue
			case rune(c) != f.last:
				f.last, f.n = rune(c), 0
			}
			f.n++
			switch {
			case f.n < 3 || c <= '9':
				b = append(b, c)
			case f.n == 3:
				b = b[:len(b)-1] // a run of three or more letters becomes one
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r < tableEnd && base[r] >= 0:
			b = f.add(b, base[r], utf8.RuneLen(base[r]))
		case isApostrophe(r): // ’ past the table: dropped, as ' is
		case r >= tableEnd && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r):
			b = f.add(b, ' ', 1) // emoji, symbols, punctuation beyond the table
		default:
			// a letter outside the table (Greek, CJK, ...): fold the rest the slow way
			return f.done(f.slow(b, s[i:])), false
		}
		i += size
	}
	return f.done(b), true
}

// Breaks reports whether Fold turns the ASCII character c into a word
// break: a space, punctuation or a symbol, not a letter, a digit or an
// apostrophe. A break forgets what came before: it ends a run of one
// letter, and nothing before it folds differently for what follows.
func Breaks(c byte) bool { return c < utf8.RuneSelf && ascii[c] == ' ' }

// ascii is base for the ASCII range, as bytes.
var ascii = func() (t [utf8.RuneSelf]byte) {
	for r := range t {
		t[r] = byte(base[r])
	}
	return t
}()

// folder tracks what AppendFold has written, to collapse spaces and runs of
// one letter.
type folder struct {
	start int  // where the folded text begins
	last  rune // last rune seen, ' ' at a word break
	n     int  // length of the current run of last
}

// add appends r (size bytes in UTF-8) to b: 0 is dropped, ' ' is a word break.
func (f *folder) add(b []byte, r rune, size int) []byte {
	switch {
	case r == 0:
		return b
	case r == ' ':
		if len(b) > f.start && f.last != ' ' {
			b = append(b, ' ')
		}
		f.last, f.n = ' ', 0
		return b
	case r != f.last:
		f.last, f.n = r, 0
	}
	f.n++
	switch {
	case f.n < 3 || !isLetter(r):
		if r < utf8.RuneSelf {
			return append(b, byte(r))
		}
		return utf8.AppendRune(b, r)
	case f.n == 3:
		return b[:len(b)-size] // a run of three or more letters becomes one
	}
	return b
}

func isLetter(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z'
	}
	return unicode.IsLetter(r)
}

// slow appends the rest of the text folded with the full x/text transform.
func (f *folder) slow(b []byte, s string) []byte {
	// Invalid bytes would make the transform fail; as on the fast path,
	// they are not letters.
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	plain, err := stripAccents(s)
	if err != nil {
		plain = s
	}
	for _, r := range plain {
		r = unicode.ToLower(r)
		switch {
		case r == 'đ':
			r = 'd'
		case unicode.Is(unicode.Mn, r) || isApostrophe(r):
			continue
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			r = ' '
		}
		b = f.add(b, r, utf8.RuneLen(r))
	}
	return b
}

// isApostrophe reports whether r is an apostrophe, typed or typographic.
func isApostrophe(r rune) bool { return r == '\'' || r == '\u2019' }

func (f *folder) done(b []byte) []byte {
	if len(b) > f.start && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// Words splits text into folded words. A word that mixes letters and digits
// is split where they meet, so "muc2" and "mức 2" give the same words.
func Words(s string) []string {
	var out []string
	for w := range SplitFolded(AppendFold(nil, s)) {
		out = append(out, string(w))
	}
	return out
}

// SplitFolded yields the words of folded text (from AppendFold), split at
// spaces and where letters and digits meet. The slices alias folded.
func SplitFolded(folded []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		start := -1
		prevDigit := false
		for i := 0; i < len(folded); {
			r, size := rune(folded[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRune(folded[i:])
			}
			if r == ' ' {
				if start >= 0 && !yield(folded[start:i]) {
					return
				}
				start = -1
				i += size
				continue
			}
			d := '0' <= r && r <= '9' || r >= utf8.RuneSelf && unicode.IsDigit(r)
			switch {
			case start < 0:
				start = i
			case d != prevDigit:
				if !yield(folded[start:i]) {
					return
				}
				start = i
			}
			prevDigit = d
			i += size
		}
		if start >= 0 {
			yield(folded[start:])
		}
	}
}

// WordEnd returns where the word that starts at byte i of s ends: the run
// of letters and combining marks from i (a decomposed "ữ" is one letter and
// two marks).
func WordEnd(s string, i int) int {
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) {
			break
		}
		i += size
	}
	return i
}

// Sentences splits raw text where a sentence or clause ends (. ? ! ; : and
// line breaks), so a message that asks two things can be read one part at a
// time. Parts are returned as typed, not folded; empty parts are dropped.
func Sentences(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '.', '?', '!', ';', ':', '\n', '\r', '…', '？', '！', '。':
			return true
		}
		return false
	})
	out := parts[:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}
