// Package redact finds and removes what a citizen must never have logged or
// stored: ID numbers (9 or 12 digits), phone numbers, one-time codes,
// passwords and passcodes, bank card numbers and their security codes, and
// e-mail addresses.
//
// Digits are recognised however they are typed: full-width (０１２), in any
// other Unicode script, or as compatibility forms (①, ¹), because the text is
// first normalised (NFKC, then every decimal digit to its ASCII digit). A
// digit sequence is digits separated by any run of characters that are
// neither letters nor digits ("001/203/045/680", "00  12  03", "0912-345.678",
// "0\u200b0\u200b1"), so a separator cannot split a number into harmless
// pieces; only a letter ends a sequence, unless it is a letter typed for a
// digit inside a long number ("O12O3O4568O9", lookalike.go).
package redact

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Placeholders put where something was removed.
const (
	Number   = "[số]"
	Email    = "[email]"
	Password = "[đã ẩn: có mật khẩu]"
)

var (
	// digitSeq is a sequence of ASCII digits (after normalisation) joined by
	// any run of characters that are neither letters nor digits.
	digitSeq = regexp.MustCompile(`[0-9](?:[^\p{L}0-9]*[0-9])*`)
	// butWord is "mà" (but) written with its mark, which unaccented would
	// read as "ma" (mã, a code).
	butWord = regexp.MustCompile(`(?:^|\s)mà(?:\s|$)`)
	// codeWord introduces a one-time code: "mã OTP là 482 913".
	codeWord = regexp.MustCompile(`\b(?:otp|ma|code|passcode|pin|xac thuc|xac minh|verification|verify|mat ?khau|mk|pass|password|pw)\b`)
	// pwWord names a password or passcode, with what may stand between it
	// and the secret: whose it is ("của tôi", "my" comes before the word),
	// new or old, then "là", "is", "=" or ":" (strong) or nothing (weak).
	pwStrong = regexp.MustCompile(pwWord + pwQualifiers + `\s*` + pwIs + `([^\s]+)`)
	pwWeak   = regexp.MustCompile(pwWord + pwQualifiers + `\s*[:=]?\s*([^\s]+)`)
	// pwLoose allows any few words before "là": "mật khẩu đăng nhập vneid
	// của tôi là Hoamai@2024", "the password I set was …". What follows
	// must then look like a password (security probe, 2026-12-05).
	pwLoose = regexp.MustCompile(pwWord + `(?:\s+[^\s]+?){1,6}?\s*` + pwIs + `([^\s]+)`)
	// setIs is "đặt là", "set to" with no word for what was set: "tôi đặt
	// là 123456" tells a password or passcode when what follows looks like one.
	setIs = regexp.MustCompile(`\b(?:dat|set)\s*(?:la|to|:|=)\s*[:=]?\s*([^\s]+)`)

	// email is an e-mail address.
	email = regexp.MustCompile(`[\p{L}0-9._%+\-]+@[\p{L}0-9\-]+(?:\.[\p{L}0-9\-]+)*\.\p{L}{2,}`)
	// date is a day/month/year date with a four-digit year, or month/year:
	// kept readable ("01/7/2024").
	date = regexp.MustCompile(`^(?:([0-9]{1,2})[/.\-])?([0-9]{1,2})[/.\-]((?:19|20)[0-9]{2})$`)
	// hotline is a Vietnamese 1800/1900 number, which is public ("1900 0368").
	hotline = regexp.MustCompile(`^1[89]00[ .\-]?[0-9]{2}[ .\-]?[0-9]{2}(?:[ .\-]?[0-9]{2})?$`)
)

// pwWord names a password or passcode; pwIs introduces it ("là:" too).
const (
	pwWord = `\b(?:mat ?khau|mat ma|mk|pass|password|passwd|passcode|pw|pwd)\b`
	pwIs   = `(?:\bla\b|\bis\b|\bwas\b|=|:)\s*[:=]?\s*`
)

// pwQualifiers may stand between the word and the secret.
const pwQualifiers = `(?:\s+(?:cua\s+)?(?:toi|tui|em|minh|chau|con|anh|chi|me|bo|ong|ba|tao))?(?:\s+(?:moi|cu|hien tai|new|old|current))?`

// notSecret are words that follow "mật khẩu là", "password is"… in a question
// or a complaint rather than a secret. Shorter words ("gì", "sai", "not")
// are never taken for a secret: a strong form needs four characters.
var notSecret = map[string]bool{
	"khong": true, "dung": true, "phai": true, "nhieu": true, "duoc": true, "what": true, "wrong": true,
	"incorrect": true, "invalid": true, "expired": true, "correct": true, "right": true, "blocked": true,
	"locked": true, "still": true, "being": true, "required": true, "needed": true, "that": true, "this": true,
	"gom": true, "giong": true, "dang": true, "needs": true, "must": true, "should": true, "same": true,
}

// Sensitive reports whether text contains an ID number, a one-time code, or a
// password or passcode, so the bot should warn the user and keep nothing.
func Sensitive(text string) bool {
	if sensitive(text) {
		return true
	}
	if joined := joinedDigits(text); joined != text && sensitive(joined) {
		return true
	}
	spelled := spelledDigits(norm.NFC.String(text))
	return spelled != text && sensitive(spelled)
}

func sensitive(text string) bool {
	normal, plain := normalize(text)
	seqs := digitSeq.FindAllStringIndex(normal, -1)
	for _, m := range seqs {
		if secretNumber(normal, m, len(seqs)) {
			return true
		}
	}
	return secretText(normal, plain)
}

// secretText reports whether text (normalised, and plain: unaccented, lower
// case) holds a password or passcode.
func secretText(normal, plain string) bool {
	return password(plain) || hasSecretWord(normal) || namedPassword(normal, plain)
}

// BareDigits returns how many digits text holds when it is nothing but a
// number, its digits in any script and with any separators ("001",
// "203 004", "٠٠١"), and 0 otherwise. A citizen may send an ID number a few
// digits a message, which no message shows alone; the engine adds up the
// digits of such messages in a row.
func BareDigits(text string) int {
	normal, _ := normalize(text)
	for _, r := range normal {
		if unicode.IsLetter(r) {
			return 0
		}
	}
	return countDigits(normal)
}

// IDNumberOnly reports whether an ID number (9 or 12 digits) is all that
// makes text Sensitive: no one-time code, password or passcode is named or
// given. A citizen who types their own card number to ask whether it is
// right needs a calmer word than one who typed a one-time code.
func IDNumberOnly(text string) bool {
	normal, plain := normalize(text)
	if secretText(normal, plain) || otpNamed.MatchString(plain) {
		return false
	}
	seqs := digitSeq.FindAllStringIndex(normal, -1)
	id := false
	for _, m := range seqs {
		if !secretNumber(normal, m, len(seqs)) {
			continue
		}
		if n := countDigits(normal[m[0]:m[1]]); n != 12 && n != 9 {
			return false
		}
		id = true
	}
	return id
}

// otpNamed names a one-time code, a password or a passcode.
var otpNamed = regexp.MustCompile(`\b(?:otp|passcode|pin|mat ?khau|mk|pass|password|code)\b`)

// pwNamed names a password or passcode anywhere in plain text.
var pwNamed = regexp.MustCompile(pwWord)

// namedPassword reports whether text that names a password holds a word
// that looks like one though it has no symbol: upper and lower case letters
// and at least three digits ("mk phải đặt sao, em đặt Me123456 mà nó không
// cho").
func namedPassword(normal, plain string) bool {
	if !pwNamed.MatchString(plain) {
		return false
	}
	for w := range strings.FieldsSeq(normal) {
		w = strings.Trim(w, ".,!?;:()\"'")
		if n := utf8.RuneCountInString(w); n < 8 || n > 32 {
			continue
		}
		var upper, lower, digits int
		for _, r := range w {
			switch {
			case unicode.IsUpper(r):
				upper++
			case unicode.IsLower(r):
				lower++
			case r >= '0' && r <= '9':
				digits++
			}
		}
		if upper > 0 && lower > 0 && digits >= 3 {
			return true
		}
	}
	return false
}

// String returns text with ID numbers, phone numbers, codes and e-mail
// addresses replaced, or the whole text replaced when it holds a password,
// for logs, statistics and the unanswered-questions list. Dates, years,
// times, versions, prices, the public 1800/1900 hotlines and numbers of
// fewer than four digits stay readable, unless Sensitive would take them
// for a code.
func String(text string) string {
	out, _ := redacted(text)
	if joined := joinedDigits(text); joined != text {
		if s, secret := redacted(joined); secret && Sensitive(joined) {
			return s // "079 rồi 123 rồi 456 rồi 789": one number read out in parts
		}
	}
	if spelled := spelledDigits(norm.NFC.String(text)); spelled != text {
		// digits said as words: shown as written unless they are a secret
		// ("sau hai năm ba tháng" stays words)
		if s, secret := redacted(spelled); secret {
			return s
		}
	}
	return out
}

// redacted is String without the digits said as words, and whether it
// took anything out.
func redacted(text string) (string, bool) {
	text, plain := normalize(text)
	if secretText(text, plain) {
		return Password, true
	}
	text, hit := hideEmails(text, plain)
	seqs := digitSeq.FindAllStringIndex(text, -1)
	if len(seqs) == 0 {
		return text, hit
	}
	// A message of three digits and nothing else is no question: it is
	// hidden, as it may be a part of an ID number sent a few digits a
	// message (fifth probe T9; the engine counts the parts, BareDigits).
	bare := len(seqs) == 1 && onlySeparators(text[:seqs[0][0]]+text[seqs[0][1]:])
	var b strings.Builder
	last := 0
	for _, m := range seqs {
		s := text[m[0]:m[1]]
		n := countDigits(s)
		if !secretNumber(text, m, len(seqs)) && (n < 4 && !(bare && n == 3) || n <= 10 && harmless(s) || price(text, m)) {
			continue
		}
		b.WriteString(text[last:m[0]])
		b.WriteString(Number)
		last = m[1]
		hit = true
	}
	b.WriteString(text[last:])
	return b.String(), hit
}

// secretNumber reports whether the digit sequence at m of the normalised
// text is an ID number, a bank card number, a bare six-digit message (an
// OTP or a passcode), a code of 4-8 digits after a word that introduces one
// ("mã OTP là 482 913"), or a card's security code of 3-4 digits after its
// name ("cvv 123").
func secretNumber(text string, m []int, seqs int) bool {
	n := countDigits(text[m[0]:m[1]])
	switch {
	case (n == 12 || n == 9) && !price(text, m):
		return true // ID number (CCCD, or the old 9-digit CMND)
	case cardNumber(text[m[0]:m[1]]):
		return true
	case n == 6 && seqs == 1 && onlySeparators(text[:m[0]]+text[m[1]:]):
		return true
	case n == 6 && oneByOne.MatchString(text[m[0]:m[1]]):
		return true // "chú nhập 4 8 2 9 1 3 vô app": a code read out digit by digit
	case n >= 3 && n <= 8 && !glued(text, m):
		// "mà" (but) is no "mã" (code): "ghi 1965 mà đúng ra là 1956"
		_, before := normalize(butWord.ReplaceAllString(strings.ToLower(lastWords(text[:m[0]])), " "))
		return n >= 4 && codeWord.MatchString(before) || n <= 4 && cardCode.MatchString(before)
	}
	return false
}

// oneByOne is six digits written one at a time, as a code is read out.
var oneByOne = regexp.MustCompile(`^\d(?:[ .-]\d){5}$`)

// joiners are the words a number read out in groups is joined by ("079 rồi
// 123 rồi 456 rồi 789"), lower case.
var joiners = map[string]bool{"rồi": true, "roi": true, "và": true, "va": true, "tiếp": true, "tiep": true, "then": true, "and": true}

// joinedDigits returns text with the joining words between groups of two to
// four digits taken out, so that the number rules see the groups as one
// number; text itself when there are none. A year ("1975 và 1980") is no
// group: a list of years is no ID number.
func joinedDigits(text string) string {
	f := strings.Fields(text)
	group := func(w string) bool {
		w = strings.Trim(w, ",.")
		if len(w) < 2 || len(w) > 4 || countDigits(w) != len(w) {
			return false
		}
		return !(len(w) == 4 && (strings.HasPrefix(w, "19") || strings.HasPrefix(w, "20")))
	}
	out := f[:0:0]
	joined := false
	for i, w := range f {
		if joiners[strings.ToLower(w)] && i > 0 && i+1 < len(f) && group(f[i-1]) && group(f[i+1]) {
			joined = true
			continue
		}
		out = append(out, w)
	}
	if !joined {
		return text
	}
	return strings.Join(out, " ")
}

// harmless reports whether a digit sequence is a date, a year, a time, a
// version or a public hotline, which the unanswered-questions list may show.
func harmless(s string) bool {
	if len(s) == 4 && (strings.HasPrefix(s, "19") || strings.HasPrefix(s, "20")) && countDigits(s) == 4 {
		return true
	}
	if hotline.MatchString(s) || shaped(s) {
		return true
	}
	m := date.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	if m[1] != "" && !between(m[1], 1, 31) {
		return false
	}
	return between(m[2], 1, 12)
}

func between(s string, lo, hi int) bool {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n >= lo && n <= hi
}

// password reports whether plain (normalised, lower case, without accents)
// gives a password or passcode: after "là", "is", "=" or ":" a word of four
// characters or more, or a few words (passphrase), that do not ask or
// describe; after the bare word or "đặt là", something that looks like one.
func password(plain string) bool {
	// Every form but "đặt là" starts with the word for a password: one
	// look for it spares the others on most messages.
	if pwNamed.MatchString(plain) && (strongPassword(plain) || passphrase(plain) || givesSecret(plain, pwWeak, pwLoose)) {
		return true
	}
	return (strings.Contains(plain, "dat") || strings.Contains(plain, "set")) && givesSecret(plain, setIs)
}

// strongPassword reports whether plain gives a word of four characters or
// more after "mật khẩu là", "password is", "mk:"… that does not ask or
// describe.
func strongPassword(plain string) bool {
	for _, m := range pwStrong.FindAllStringSubmatchIndex(plain, -1) {
		tok := strings.TrimRight(plain[m[2]:m[3]], ".,!?;)")
		if utf8.RuneCountInString(tok) < 4 || phraseNot[tok] {
			continue
		}
		// A Vietnamese word must end its clause, or start a few words
		// that do: "mật khẩu là ngày sinh à", "mật khẩu là mười hai ký tự"
		// describe one.
		if !vntext.IsSyllable(tok) || phraseAt(plain[m[2]:]) > 0 {
			return true
		}
	}
	return false
}

// givesSecret reports whether what one of res captures looks like a
// password.
func givesSecret(plain string, res ...*regexp.Regexp) bool {
	for _, re := range res {
		for _, m := range re.FindAllStringSubmatch(plain, -1) {
			if looksSecret(strings.TrimRight(m[1], ".,!?;)")) {
				return true
			}
		}
	}
	return false
}

// glued reports whether the digit sequence at m touches a letter, as in a
// volunteer's code ("v_ab234567"), which is no one-time code.
func glued(s string, m []int) bool {
	before, _ := utf8.DecodeLastRuneInString(s[:m[0]])
	after, _ := utf8.DecodeRuneInString(s[m[1]:])
	return unicode.IsLetter(before) || unicode.IsLetter(after)
}

// lastWords is the end of s, where a word introducing a code would be.
func lastWords(s string) string {
	const window = 32
	if len(s) > window {
		s = s[len(s)-window:]
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
	}
	return s
}

func countDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// onlySeparators reports whether s holds no letter and no digit.
func onlySeparators(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// hasSecretWord reports whether text holds a word of eight or more
// characters that mixes letters, digits (two of each at least) and a
// symbol, as every VNeID password must, whatever words come before it
// ("tôi đặt Hoamai@2024 mà không vào được"). E-mail addresses are not such
// words.
func hasSecretWord(text string) bool {
	for w := range strings.FieldsSeq(text) { // every typed message: no allocation
		w = strings.TrimRight(w, ".,!?;:)")
		if utf8.RuneCountInString(w) < 8 || !strings.ContainsAny(w, "!@#$%^&*") || email.MatchString(w) {
			continue
		}
		letters, digits := 0, 0
		for _, r := range w {
			switch {
			case unicode.IsLetter(r):
				letters++
			case r >= '0' && r <= '9':
				digits++
			}
		}
		if letters >= 2 && digits >= 2 {
			return true
		}
	}
	return false
}

// looksSecret reports whether a word looks like a password: six or more
// characters with a digit or a symbol in it.
func looksSecret(w string) bool {
	n := utf8.RuneCountInString(w)
	if n < 6 {
		return false
	}
	if strings.ContainsAny(w, "0123456789!@#$%^&*()_+-=[]{};:'\",.<>/?\\|`~") {
		return true
	}
	// letters only, right after the word: Vietnamese syllables run
	// together, as people make passwords ("mk hoamaivang", probe S7);
	// brand and English words ("facebook", "forgotten") are not
	return n >= 8 && syllablesJoined(w)
}

// syllablesJoined reports whether w (lower case, unaccented) is two or more
// Vietnamese syllables written without spaces.
func syllablesJoined(w string) bool {
	// ends[i]: w[:i] splits into syllables; count[i]: in how many at most
	ends := make([]int, len(w)+1)
	ends[0] = 1
	for i := 1; i <= len(w); i++ {
		for j := max(0, i-7); j < i; j++ {
			if ends[j] > 0 && vntext.IsSyllable(w[j:i]) && ends[j]+1 > ends[i] {
				ends[i] = ends[j] + 1
			}
		}
	}
	return ends[len(w)] > 2 // two syllables or more (ends counts from 1)
}

// unaccent holds transformers that decompose, drop the combining marks and
// recompose. A chain keeps buffers between calls, so one is not safe for
// concurrent use: each call takes its own from the pool.
var unaccent = sync.Pool{New: func() any {
	return transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

// normalize returns text in NFKC with every decimal digit made ASCII and
// letters typed for digits inside a number made digits (for String's
// output), and the same in lower case without accents, "đ" as "d" (for
// matching words).
func normalize(text string) (normal, plain string) {
	ascii := true
	for i := 0; i < len(text); i++ {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		text = lookalikeDigits(text)
		return text, strings.ToLower(text)
	}
	normal = lookalikeDigits(strings.Map(asciiDigit, norm.NFKC.String(text)))
	t := unaccent.Get().(transform.Transformer)
	p, _, err := transform.String(t, normal)
	unaccent.Put(t)
	if err != nil {
		p = normal
	}
	plain = strings.Map(func(r rune) rune {
		switch r {
		case 'đ', 'Đ':
			return 'd'
		}
		return unicode.ToLower(r)
	}, p)
	return normal, plain
}

// asciiDigit maps a decimal digit of any script to its ASCII digit. Unicode
// keeps each script's digits 0-9 in ten consecutive code points, and the Nd
// table's ranges start at a zero (TestDigitRanges checks it).
func asciiDigit(r rune) rune {
	if r < utf8.RuneSelf || !unicode.IsDigit(r) {
		return r
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return '0' + (r-rune(rg.Lo))%10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return '0' + (r-rune(rg.Lo))%10
		}
	}
	return r
}
