package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// spelledDigit maps a digit said as a word, in lower case, with and without
// its Vietnamese marks, to the digit: "không chín một hai…" is a phone
// number, "mã là một hai ba bốn năm sáu" an OTP (security probe, third
// round). Words that are also ordinary words ("năm" a year, "ba" a father,
// "sau" after) count only inside a run of such words: see spelledDigits.
var spelledDigit = map[string]byte{
	"không": '0', "khong": '0', "zero": '0', "oh": '0',
	"một": '1', "mot": '1', "mốt": '1', "one": '1',
	"hai": '2', "two": '2',
	"ba": '3', "three": '3',
	"bốn": '4', "bon": '4', "tư": '4', "four": '4',
	"năm": '5', "nam": '5', "lăm": '5', "lam": '5', "five": '5',
	"sáu": '6', "sau": '6', "six": '6',
	"bảy": '7', "bẩy": '7', "bay": '7', "seven": '7',
	"tám": '8', "tam": '8', "eight": '8',
	"chín": '9', "chin": '9', "nine": '9',
}

// minSpelled is how many digits, two of them at least said as words, a run
// must hold to be read as a number: "hai ba cái thẻ" stays words.
const minSpelled = 4

// spelledDigits returns text with every run of digits said as words (and
// digits between them, "1 hai 3 bon 5 6") written as digits, so that the
// number rules see them; text itself when there is none.
func spelledDigits(text string) string {
	type token struct {
		from, to int
		digit    string // the word's digits ("" for "mươi" before a digit)
		digits   int    // digits it stands for
		said     bool   // a word, not digits typed as digits
	}
	var run []token
	var out strings.Builder
	done := 0 // text[:done] is in out
	flush := func() {
		words, digits := 0, 0
		for _, t := range run {
			digits += t.digits
			if t.said {
				words++
			}
		}
		if words >= 2 && digits >= minSpelled {
			for _, t := range run {
				if !t.said {
					continue // digits typed as digits
				}
				out.WriteString(text[done:t.from])
				out.WriteString(t.digit)
				done = t.to
			}
		}
		run = run[:0]
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r):
			j := vntext.WordEnd(text, i+size)
			w := strings.ToLower(text[i:j])
			afterDigit := len(run) > 0 && run[len(run)-1].said
			if d, ok := spelledDigit[w]; ok {
				run = append(run, token{from: i, to: j, digit: string(d), digits: 1, said: true})
			} else if tens, ok := tensWord(w, afterDigit); ok {
				// "bốn mươi tám" is 48, "hai mươi" 20, "mười ba" 13
				if !spelledNext(text, j) {
					tens += "0"
				}
				run = append(run, token{from: i, to: j, digit: tens, digits: len(tens), said: true})
			} else {
				flush()
			}
			i = j
		case unicode.IsDigit(r):
			j, n := i, 0
			for j < len(text) {
				r, size := utf8.DecodeRuneInString(text[j:])
				if !unicode.IsDigit(r) {
					break
				}
				j += size
				n++
			}
			run = append(run, token{from: i, to: j, digits: n})
			i = j
		default:
			i += size
		}
	}
	flush()
	if done == 0 {
		return text
	}
	out.WriteString(text[done:])
	return out.String()
}

// tensWord reads "mươi" (tens, after a digit said as a word) and "mười"
// (ten) in a number said as words, unmarked "muoi" either way by its place:
// the digits it adds before the next digit word ("" for tens, "1" for ten).
func tensWord(w string, afterDigit bool) (string, bool) {
	switch {
	case w == "mươi" && afterDigit, w == "muoi" && afterDigit:
		return "", true
	case w == "mười", w == "muoi":
		return "1", true
	}
	return "", false
}

// spelledNext reports whether the word after text[:i] (past spaces and
// commas) is a digit said as a word.
func spelledNext(text string, i int) bool {
	for i < len(text) && (text[i] == ' ' || text[i] == ',') {
		i++
	}
	if i >= len(text) {
		return false
	}
	r, size := utf8.DecodeRuneInString(text[i:])
	if !unicode.IsLetter(r) {
		return false
	}
	_, ok := spelledDigit[strings.ToLower(text[i:vntext.WordEnd(text, i+size)])]
	return ok
}
