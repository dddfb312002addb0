// Package vntext folds Vietnamese text into a plain form for matching: the
// same words typed with or without accents, in composed or decomposed
// Unicode, in any case and with stray punctuation or emoji all fold alike.
package vntext

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// accents decomposes (NFD), drops combining marks and recomposes, so "ế" and
// "e\u0302\u0301" both become "e".
var accents = transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)

// Fold returns s in lower case without diacritics ("đ" becomes "d"), with
// everything but letters and digits turned into single spaces, and a letter
// typed three or more times in a row folded to one ("dcccc" becomes "dc").
func Fold(s string) string {
	plain, _, err := transform.String(accents, s)
	if err != nil {
		plain = s
	}
	var b strings.Builder
	b.Grow(len(plain))
	var run []rune // the current run of one repeated character
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

// Words splits text into folded words.
func Words(s string) []string { return strings.Fields(Fold(s)) }
