// Package refcode is the format of volunteers' referral codes and the
// parsing of what citizens type to give one ("mã v_k7m2p9xq") or to claim
// their figures ("/thongke k_…"). It is pure, so the conversation engine
// can read codes without the volunteer registry's Redis.
package refcode

import (
	"crypto/rand"
	"strings"
	"unicode"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Prefix starts every referral parameter: the code "k7m2p9xq" is the
// referral "v_k7m2p9xq".
const Prefix = "v_"

// Code alphabet: lower-case letters and digits without the look-alikes
// 0/o, 1/l/i, so a code read off a poster is typed right.
const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// Len is the length of a code: 31^8 ≈ 8.5·10^11 codes, so guessing one
// through the bot (which limits every chat to 20 updates per 10 seconds)
// is hopeless.
const Len = 8

// ClaimLen is the length of a volunteer's private claim key (59 bits).
const ClaimLen = 12

// New returns a random code with at least one letter and one digit (so
// it never looks like a number to redaction, nor like a word).
func New() string {
	for {
		c := random(Len)
		if strings.ContainsAny(c, "23456789") && strings.ContainsAny(c, "abcdefghjkmnpqrstuvwxyz") {
			return c
		}
	}
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		// 256 % 31 = 8: the first 8 letters are drawn 9/256 instead of
		// 8/256 of the time, which costs under 0.1 bit of the 39.6.
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Valid reports whether s has the shape of a code.
func Valid(s string) bool { return len(s) == Len && inAlphabet(s) }

func inAlphabet(s string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(alphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}

// NewClaim returns a volunteer's private claim key: "k_" and ClaimLen
// characters of the alphabet.
func NewClaim() string { return "k_" + random(ClaimLen) }

// leadWords may come before a typed code: "mã v_k7m2p9xq", "ma gioi thieu:
// k7m2p9xq". They are compared folded (no accents, lower case).
var leadWords = [][]string{{"ma", "gioi", "thieu"}, {"ma", "moi"}, {"ma", "code"}, {"gioi", "thieu"}, {"ma"}, {"code"}, {"ref"}, {"referral"}}

// words splits text into lower-case words of letters, digits and "_". Codes
// are read from these, not from folded text: folding shortens stretched
// letters ("zzz"), which a random code may well contain.
func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
	})
}

// cutLead removes a leading lead phrase from w.
func cutLead(w []string) ([]string, bool) {
	for _, lead := range leadWords {
		if len(w) <= len(lead) {
			continue
		}
		match := true
		for i, l := range lead {
			if vntext.Fold(w[i]) != l {
				match = false
				break
			}
		}
		if match {
			return w[len(lead):], true
		}
	}
	return w, false
}

// ParseTyped recognises a referral code typed in a chat (the only way a Zalo
// OA user can bring one): "v_k7m2p9xq", "Mã: V_K7M2P9XQ", "ma gioi thieu
// k7m2p9xq" or the bare code. explicit is false for the bare code, which
// only counts when it exists (an ordinary word could look like one).
func ParseTyped(text string) (code string, explicit, ok bool) {
	w, explicit := cutLead(words(text))
	switch {
	case len(w) == 2 && w[0] == "v":
		code, explicit = w[1], true
	case len(w) == 1 && strings.HasPrefix(w[0], Prefix):
		code, explicit = w[0][len(Prefix):], true
	case len(w) == 1 && explicit && len(w[0]) == Len+1 && w[0][0] == 'v':
		code = w[0][1:] // "ma vk7m2p9xq" without the underscore
	case len(w) == 1:
		code = w[0]
	default:
		return "", false, false
	}
	if !Valid(code) {
		return "", false, false
	}
	return code, explicit, true
}

// ParseClaim recognises "/thongke k_<key>" (how a volunteer links their own
// chat) and returns the key.
func ParseClaim(text string) (key string, ok bool) {
	w := words(text)
	switch {
	case len(w) >= 2 && w[0] == "thongke":
		w = w[1:]
	case len(w) >= 3 && vntext.Fold(w[0]) == "thong" && vntext.Fold(w[1]) == "ke":
		w = w[2:]
	default:
		return "", false
	}
	if len(w) != 1 {
		return "", false
	}
	k := w[0]
	if !strings.HasPrefix(k, "k_") {
		k = "k_" + k
	}
	if len(k) != 2+ClaimLen || !inAlphabet(k[2:]) {
		return "", false
	}
	return k, true
}
