package redact

import "regexp"

// cardCode names a bank card's security code, in plain text (lower case,
// unaccented): "cvv", "cvc", "mã bảo mật thẻ", "3 số sau thẻ", "ba số ở mặt
// sau" (fifth probe T9). The three or four digits after it are a secret.
var cardCode = regexp.MustCompile(`\b(?:cvv2?|cvc2?|cvn|csc|ma bao mat|so bao mat|(?:3|ba|4|bon) (?:chu )?so (?:(?:o|in|cuoi|phia|mat) )*sau)\b`)

// cardNumber reports whether the digits of s (16 or 19 of them: Visa,
// Mastercard, JCB and the domestic Napas cards) pass the Luhn check, as
// every bank card number does. Nine random 16-digit numbers in ten fail
// it, so an order or a file number is seldom taken for a card.
func cardNumber(s string) bool {
	if n := countDigits(s); n != 16 && n != 19 {
		return false
	}
	sum, double := 0, false
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		d := int(s[i] - '0')
		if double {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}
