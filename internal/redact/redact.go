// Package redact finds and removes what a citizen must never have logged or
// stored: ID numbers (12 digits), phone numbers, one-time codes, passwords
// and passcodes.
package redact

import (
	"regexp"
	"strings"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

var (
	// digitRun is a run of digits that may be broken by single spaces, dots or
	// dashes, as people type ID and phone numbers ("0012 3456 7890").
	digitRun = regexp.MustCompile(`\+?\d(?:[ .\-]?\d)*`)
	// codeAfterWord is a 4-8 digit code after a word that introduces one.
	codeAfterWord = regexp.MustCompile(`\b(otp|ma|code|passcode|pin|xac thuc|xac minh)\b\D{0,24}\b\d{4,8}\b`)
	// secretAfterWord is a password or passcode given after its name:
	// "mật khẩu là Abc@123", "mk: abc123", "pass Abc12345".
	secretAfterWord = regexp.MustCompile(`\b(mat khau|mk|pass|password|passcode)\b(?:\s+(?:cua\s+)?(?:toi|em|minh|chau|con|anh|chi|me|bo|ong|ba))?\s*(?:la|=|:)\s*\S+`)
	secretToken     = regexp.MustCompile(`\b(mat khau|mk|pass|password|passcode)\s+(\S+)`)
)

// Sensitive reports whether text contains an ID number, a one-time code, or a
// password or passcode, so the bot should warn the user and keep nothing.
func Sensitive(text string) bool {
	for _, m := range digitRun.FindAllString(text, -1) {
		if n := countDigits(m); n == 12 || n == 6 && strings.TrimSpace(stripDigits(text)) == "" {
			return true
		}
	}
	folded := vntext.Fold(text)
	if codeAfterWord.MatchString(folded) || secretAfterWord.MatchString(folded) {
		return true
	}
	// "mk Abc@1234": a token after the word that looks like a secret. The
	// folded form lost its symbols and case, so look at the original words.
	for _, m := range secretToken.FindAllStringSubmatch(folded, -1) {
		if looksSecret(originalToken(text, m[2])) {
			return true
		}
	}
	return false
}

// String returns text with ID numbers, phone numbers and codes replaced, for
// logs and for the unanswered-questions list.
func String(text string) string {
	text = digitRun.ReplaceAllStringFunc(text, func(m string) string {
		if countDigits(m) >= 4 {
			return "[số]"
		}
		return m
	})
	folded := vntext.Fold(text)
	if secretAfterWord.MatchString(folded) || secretToken.MatchString(folded) && Sensitive(text) {
		return "[đã ẩn: có mật khẩu]"
	}
	return text
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func stripDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == ' ' || r == '.' || r == '-' {
			return -1
		}
		return r
	}, s)
}

// originalToken finds the word of text that folds to folded.
func originalToken(text, folded string) string {
	for _, w := range strings.Fields(text) {
		if vntext.Fold(w) == folded || strings.HasPrefix(vntext.Fold(w), folded) {
			return w
		}
	}
	return folded
}

// looksSecret reports whether a word looks like a password: six or more
// characters with a digit or a symbol in it.
func looksSecret(w string) bool {
	if len([]rune(w)) < 6 {
		return false
	}
	return strings.ContainsAny(w, "0123456789!@#$%^&*()_+-=[]{};:'\",.<>/?\\|`~")
}
