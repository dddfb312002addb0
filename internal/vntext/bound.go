package vntext

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CapNormal returns text, or its longest beginning that ends on a
// normalisation boundary, such that its NFKC form has at most max runes.
// A few characters expand many times under NFKC (U+FDFA becomes 18), and
// redaction, the FAQ and the statistics all work on the normalised text:
// a message of 4,000 of them cost a hundred times an ordinary one (seventh
// probe, V3). Text already in NFKC (nearly every message) is returned
// after one quick check.
func CapNormal(text string, max int) string {
	if max <= 0 {
		return ""
	}
	if norm.NFKC.IsNormalString(text) {
		if utf8.RuneCountInString(text) <= max {
			return text
		}
		return cutRunes(text, max)
	}
	n := 0
	for i := 0; i < len(text); {
		j := i + norm.NFKC.NextBoundaryInString(text[i:], true)
		if j <= i { // no further boundary: the rest is one segment
			j = len(text)
		}
		n += utf8.RuneCountInString(norm.NFKC.String(text[i:j]))
		if n > max {
			return text[:i]
		}
		i = j
	}
	return text
}

// cutRunes is the first max runes of s, never ending inside a
// normalisation segment (a letter is not cut from its marks).
func cutRunes(s string, max int) string {
	end, n := 0, 0
	for i := 0; i < len(s); {
		j := i + norm.NFKC.NextBoundaryInString(s[i:], true)
		if j <= i {
			j = len(s)
		}
		n += utf8.RuneCountInString(s[i:j])
		if n > max {
			break
		}
		end = j
		i = j
	}
	return s[:end]
}
