// Package msgtext holds the text handling that both Zalo adapters (the
// Official Account and the Bot Platform) share: splitting long text into
// messages the platform accepts.
package msgtext

import (
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Len is the length of s as Zalo's limits count it. Zalo does not say whether
// "2,000 characters" means code points or UTF-16 units; UTF-16 units are never
// fewer, so counting them keeps every message within the limit either way.
func Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
		if r == utf8.RuneError {
			n++ // an invalid byte may be sent as a two-unit replacement; be safe
		}
	}
	return n
}

// Split cuts s into pieces of at most max (as counted by Len), preferring to
// cut between paragraphs, then between lines, then after a sentence, then
// between words; only a single word longer than max is cut inside, and never
// between a letter and its combining mark. Pieces are trimmed of surrounding
// space; blank text gives no pieces.
func Split(s string, max int) []string {
	if max < 2 {
		max = 2
	}
	var out []string
	s = strings.TrimSpace(s)
	for s != "" {
		if Len(s) <= max {
			out = append(out, s)
			break
		}
		cut := prefixLen(s, max)
		window := s[:cut]
		if r, size := utf8.DecodeRuneInString(s[cut:]); unicode.IsSpace(r) {
			window = s[:cut+size] // the text that fits ends a word: a boundary may sit right after it
		}
		at := boundary(window, cut/3)
		if at <= 0 {
			at = graphemeSafe(s, cut)
		}
		piece := strings.TrimSpace(s[:at])
		if piece != "" {
			out = append(out, piece)
		}
		s = strings.TrimLeftFunc(s[at:], unicode.IsSpace)
	}
	return out
}

// prefixLen returns the byte length of the longest prefix of s whose Len is
// at most max.
func prefixLen(s string, max int) int {
	n := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if r == utf8.RuneError {
			w = 2
		}
		if n+w > max {
			return i
		}
		n += w
	}
	return len(s)
}

// boundary finds where to end a piece inside window (the most text that
// fits): after the last paragraph break, line break, sentence end or space
// found at or beyond min bytes. It returns 0 when there is none.
func boundary(window string, min int) int {
	if i := strings.LastIndex(window, "\n\n"); i >= min && i > 0 {
		return i
	}
	if i := strings.LastIndex(window, "\n"); i >= min && i > 0 {
		return i
	}
	best := 0
	for _, end := range []string{". ", "! ", "? ", "… ", ".\t", "; "} {
		if i := strings.LastIndex(window, end); i >= 0 && i+len(end)-1 > best {
			best = i + len(end) - 1 // keep the mark, cut at the space
		}
	}
	if best >= min {
		return best
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i >= min && i > 0 {
		return i
	}
	if best > 0 {
		return best
	}
	if i := strings.LastIndexFunc(window, unicode.IsSpace); i > 0 {
		return i
	}
	return 0
}

// graphemeSafe moves a hard cut at byte cut backwards so that it does not
// separate a letter from the combining marks, variation selectors or joiners
// that follow it.
func graphemeSafe(s string, cut int) int {
	for cut > 0 && cut < len(s) {
		r, _ := utf8.DecodeRuneInString(s[cut:])
		if !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Me, r) && r != '\u200d' && !(r >= '\ufe00' && r <= '\ufe0f') {
			break
		}
		_, size := utf8.DecodeLastRuneInString(s[:cut])
		cut -= size
	}
	if cut == 0 { // nothing but marks: cut anyway, after the first rune
		_, size := utf8.DecodeRuneInString(s)
		return size
	}
	return cut
}
