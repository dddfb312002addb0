package redact

import (
	"regexp"
	"strings"
)

// Numbers of four digits or more that are no secret and say something in
// a question, kept readable by String: a day and month ("15/07", with a
// year of two digits "01.07.24"), a date
// written year first ("2024-07-15"), a time ("10:30"), an app or system
// version ("2.1.16", "iOS 17.5.1") and a price ("100.000đ", "15.000 đồng").
var (
	dayMonth = regexp.MustCompile(`^([0-9]{1,2})[/.\-]([0-9]{1,2})(?:[/.\-][0-9]{2})?$`)
	isoDate  = regexp.MustCompile(`^(?:19|20)[0-9]{2}[/.\-]([0-9]{1,2})[/.\-]([0-9]{1,2})$`)
	clock    = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)
	// version has a part of one digit: "12.34.56" is more like a code.
	version = regexp.MustCompile(`^[0-9]{1,2}(?:\.[0-9]{1,3}){2,3}$`)
	// grouped is a number in groups of three ("100.000", "1,500,000").
	grouped = regexp.MustCompile(`^[1-9][0-9]{0,2}(?:[.,][0-9]{3})+$`)
	// currency follows a price: a word or the sign ("15.000 đồng",
	// "1500000 vnd", "50.000₫"), or after a number in groups of three a
	// letter ("100.000đ", "50.000k"), which after other digits may be a
	// word or a typo ("mã 482913 k nhận được").
	currency      = regexp.MustCompile(`^\s?(?:(?i:đồng|dong|vnđ|vnd|nghìn|ngàn|nghin|ngan|triệu|trieu|tỷ|ty)|₫)(?:[^\p{L}]|$)`)
	currencyGlued = regexp.MustCompile(`^\s?[đĐdDkK](?:[^\p{L}]|$)`)
)

// shaped reports whether a digit sequence has the shape of a date without
// its year, a date year first, a time or a version.
func shaped(s string) bool {
	if m := dayMonth.FindStringSubmatch(s); m != nil {
		return between(m[1], 1, 31) && between(m[2], 1, 12)
	}
	if m := isoDate.FindStringSubmatch(s); m != nil {
		return between(m[1], 1, 12) && between(m[2], 1, 31)
	}
	if m := clock.FindStringSubmatch(s); m != nil {
		return between(m[1], 0, 23) && between(m[2], 0, 59)
	}
	if version.MatchString(s) && countDigits(s) <= 6 {
		for part := range strings.SplitSeq(s, ".") {
			if len(part) == 1 {
				return true
			}
		}
	}
	return false
}

// price reports whether the digit sequence at m of the normalised text is
// an amount of money: a currency after it, no leading zero (which every
// phone and ID number has), and no code's name before it. A price is kept readable, and is no ID
// number ("100.000.000đ" has nine digits).
func price(text string, m []int) bool {
	s, after := text[m[0]:m[1]], text[m[1]:]
	if s[0] == '0' {
		return false
	}
	switch {
	case grouped.MatchString(s):
		if !currency.MatchString(after) && !currencyGlued.MatchString(after) {
			return false
		}
	case countDigits(s) != len(s) || !currency.MatchString(after):
		return false
	}
	// after the name of a code, a code: "mã OTP 482.913đ" (a slip of the thumb)
	_, before := normalize(lastWords(text[:m[0]]))
	return !codeWord.MatchString(before)
}
