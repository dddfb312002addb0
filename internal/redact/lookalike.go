package redact

import (
	"unicode"
	"unicode/utf8"
)

// lookalike returns the digit a letter is typed for in a number: O and o
// for 0, l and I for 1 ("O12O3O4568O9", "09l2345678"; fourth probe S7).
func lookalike(c byte) (byte, bool) {
	switch c {
	case 'O', 'o':
		return '0', true
	case 'l', 'I':
		return '1', true
	}
	return 0, false
}

// minLookalikeRun is how many digits, look-alikes included, a run must hold
// before its look-alikes are read as digits: an old ID card's 9. Shorter
// runs would be no secret read either way, and "lOl", "I0" stay as typed.
const minLookalikeRun = 9

// lookalikeDigits returns text (normalised: ASCII digits) with the look-alike
// letters of a number written as digits. A number is a run of words, joined
// like the digits of digitSeq by anything that is neither a letter nor a
// digit, each made only of digits and look-alikes; the run is read as a
// number when it holds at least minLookalikeRun of them and more real digits
// than look-alikes. Words of look-alikes only count between words with
// digits ("09 l 2345678"), so a pronoun "I" or an unaccented "o" (ở) before
// a number is not taken into it.
func lookalikeDigits(text string) string {
	if countDigits(text) < (minLookalikeRun+1)/2 {
		return text // more digits than look-alikes needs five at least
	}
	type word struct{ from, to, digits, alike int }
	var (
		run []word
		out []byte // a copy of text, made at the first change
	)
	flush := func() {
		for len(run) > 0 && run[0].digits == 0 {
			run = run[1:]
		}
		for len(run) > 0 && run[len(run)-1].digits == 0 {
			run = run[:len(run)-1]
		}
		digits, alike := 0, 0
		for _, w := range run {
			digits += w.digits
			alike += w.alike
		}
		if alike > 0 && digits+alike >= minLookalikeRun && digits > alike {
			if out == nil {
				out = []byte(text)
			}
			for _, w := range run {
				for i := w.from; i < w.to; i++ {
					if d, ok := lookalike(out[i]); ok {
						out[i] = d
					}
				}
			}
		}
		run = run[:0]
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			i += size
			continue
		}
		w, numeric := word{from: i}, true
		for i < len(text) {
			r, size := utf8.DecodeRuneInString(text[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			switch _, alike := lookalike(text[i]); {
			case r >= '0' && r <= '9':
				w.digits++
			case alike && size == 1:
				w.alike++
			default:
				numeric = false
			}
			i += size
		}
		w.to = i
		if numeric {
			run = append(run, w)
		} else {
			flush() // a word ends the number, as a letter ends digitSeq
		}
	}
	flush()
	if out == nil {
		return text
	}
	return string(out)
}
