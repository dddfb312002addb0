package redact

import (
	"regexp"
	"strings"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// "@" and "." as people write them in an e-mail address to dodge spam
// filters, or as they say them: "(at)", "[at]", " a còng ", " @ " with
// spaces; "(dot)", " chấm ", " . " (fourth probe S7, fifth T9).
const (
	emailAt  = `(?:\s*[(\[{<]\s*(?:at|a\s*c[oòóỏõọ]ng)\s*[)\]}>]\s*|\s*@\s*|\s+(?:at|a\s+c[oòóỏõọ]ng|a\s+m[oòóỏõọ]c)\s+)`
	emailDot = `(?:\s*[(\[{<]\s*(?:dot|ch[aâấ]m)\s*[)\]}>]\s*|\s*\.\s*|\s+(?:dot|ch[aâấáà]m)\s+)`
	// emailTLD ends an address written out. Written out, an address needs
	// a domain people use, so that "lỗi @ app. Sao vậy" is no address.
	emailTLD = `(?:com|net|org|edu|gov|info|biz|io|me|co|vn|us|uk)\b`
)

var (
	// writtenEmail is an address with "@" or its dots written out or
	// spaced: "an(at)gmail.com", "an a còng gmail chấm com", "an @ gmail . com".
	writtenEmail = regexp.MustCompile(`(?i)[\p{L}0-9._%+\-]+` + emailAt + `[\p{L}0-9\-]+(?:` + emailDot + `[\p{L}0-9\-]+)*` + emailDot + emailTLD)
	// mailboxEmail is an address whose "@" was left out before a mailbox
	// provider: "nguyenvanan gmail chấm com". Its first group is the name.
	mailboxEmail = regexp.MustCompile(`(?i)(?:^|\s)([a-z0-9._%+\-]{3,})\s+(?:gmail|yahoo|ymail|outlook|hotmail|icloud|live)` + emailDot + emailTLD + `(?:` + emailDot + emailTLD + `)?`)
)

// atWritten finds, in plain text (lower case, unaccented), what an address
// written out must hold: "@", "at", "a còng" or "a móc". Most messages
// have none, and the long expressions are then spared.
var atWritten = regexp.MustCompile(`@|\bat\b|\ba\s*(?:cong|moc)\b`)

// mailboxes are the providers mailboxEmail knows.
var mailboxes = []string{"gmail", "yahoo", "ymail", "outlook", "hotmail", "icloud", "live"}

// hideEmails returns text (normalised) with its e-mail addresses replaced
// by Email, and whether it replaced any; plain is text in lower case
// without accents.
func hideEmails(text, plain string) (string, bool) {
	out := email.ReplaceAllString(text, Email)
	if atWritten.MatchString(plain) {
		out = writtenEmail.ReplaceAllString(out, Email)
	}
	for _, box := range mailboxes {
		if strings.Contains(plain, box) {
			out = hideMailboxes(out)
			break
		}
	}
	return out, out != text
}

// notMailbox are English words that come before a provider's name in a
// sentence ("sign in with gmail.com").
var notMailbox = map[string]bool{"with": true, "use": true, "using": true, "via": true, "from": true, "the": true, "my": true, "your": true, "by": true, "and": true}

// hideMailboxes replaces the addresses mailboxEmail finds, unless the name
// before the provider is a single Vietnamese syllable or an English word of
// the sentence: "đăng nhập bang gmail chấm com" keeps "bang".
func hideMailboxes(text string) string {
	ms := mailboxEmail.FindAllStringSubmatchIndex(text, -1)
	if len(ms) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range ms {
		if name := strings.ToLower(text[m[2]:m[3]]); vntext.IsSyllable(name) || notMailbox[name] {
			continue
		}
		b.WriteString(text[last:m[2]])
		b.WriteString(Email)
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}
