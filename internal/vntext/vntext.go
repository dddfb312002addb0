// Package vntext folds Vietnamese text into a plain form for matching: the
// same words typed with or without accents, in composed or decomposed
// Unicode, in any case and with stray punctuation or emoji all fold alike.
package vntext

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// accents decomposes (NFD), drops combining marks and recomposes, so "ế" and
// "e\u0302\u0301" both become "e".
var accents = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

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
	if unicode.Is(unicode.Mn, r) {
		return 0
	}
	plain, _, err := transform.String(accents, string(r))
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
// everything but letters and digits turned into single spaces, and a letter
// typed three or more times in a row folded to one ("dcccc" becomes "dc").
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	f := folder{b: &b}
	for i, r := range s {
		switch {
		case r < tableEnd && base[r] >= 0:
			f.add(base[r])
		case r >= tableEnd && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r):
			f.add(' ') // emoji, symbols, punctuation beyond the table
		default:
			// a letter outside the table (Greek, CJK, ...): fold the rest the slow way
			f.slow(s[i:])
			return f.done()
		}
	}
	return f.done()
}

// folder writes folded runes, collapsing spaces and runs of one letter.
type folder struct {
	b    *strings.Builder
	last rune // last rune written or pending
	n    int  // length of the current run of last
}

func (f *folder) add(r rune) {
	switch {
	case r == 0:
		return
	case r == ' ':
		f.flush()
		if f.b.Len() > 0 && f.last != ' ' {
			f.b.WriteByte(' ')
		}
		f.last, f.n = ' ', 0
		return
	case r != f.last:
		f.flush()
		f.last, f.n = r, 0
	}
	f.n++
}

// flush writes the pending run: one letter for a run of three or more.
func (f *folder) flush() {
	if f.n == 0 {
		return
	}
	n := f.n
	if n >= 3 && unicode.IsLetter(f.last) {
		n = 1
	}
	for range n {
		f.b.WriteRune(f.last)
	}
	f.n = 0
}

// slow folds the rest of the text with the full x/text transform.
func (f *folder) slow(s string) {
	plain, _, err := transform.String(accents, s)
	if err != nil {
		plain = s
	}
	for _, r := range plain {
		r = unicode.ToLower(r)
		switch {
		case r == 'đ':
			r = 'd'
		case unicode.Is(unicode.Mn, r):
			continue
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			r = ' '
		}
		f.add(r)
	}
}

func (f *folder) done() string {
	f.flush()
	return strings.TrimRight(f.b.String(), " ")
}

// Words splits text into folded words. A word that mixes letters and digits
// is split where they meet, so "muc2" and "mức 2" give the same words.
func Words(s string) []string {
	fields := strings.Fields(Fold(s))
	out := fields[:0:0]
	for _, w := range fields {
		out = appendSplitDigits(out, w)
	}
	return out
}

func appendSplitDigits(out []string, w string) []string {
	start := 0
	prevDigit := false
	for i, r := range w {
		d := unicode.IsDigit(r)
		if i > 0 && d != prevDigit {
			out = append(out, w[start:i])
			start = i
		}
		prevDigit = d
	}
	return append(out, w[start:])
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
