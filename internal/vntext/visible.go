package vntext

import "strings"

// hidden are the invisible characters that change how the text around them
// is shown: bidirectional embeddings, overrides and isolates, directional
// marks, and zero-width characters. A citizen's question holding U+202E
// would show reversed, and could reverse the rows after it.
var hidden = strings.NewReplacer(
	"\u061c", "\ufffd", // Arabic letter mark
	"\u180e", "\ufffd", // Mongolian vowel separator
	"\u00ad", "\ufffd", // soft hyphen
	"\u200b", "\ufffd", "\u200c", "\ufffd", "\u200d", "\ufffd", // zero-width space, non-joiner, joiner
	"\u200e", "\ufffd", "\u200f", "\ufffd", // left-to-right and right-to-left marks
	"\u2028", "\ufffd", "\u2029", "\ufffd", // line and paragraph separators
	"\u202a", "\ufffd", "\u202b", "\ufffd", "\u202c", "\ufffd", "\u202d", "\ufffd", "\u202e", "\ufffd", // embeddings and overrides
	"\u2060", "\ufffd", "\u2061", "\ufffd", "\u2062", "\ufffd", "\u2063", "\ufffd", "\u2064", "\ufffd", // word joiner, invisible operators
	"\u2066", "\ufffd", "\u2067", "\ufffd", "\u2068", "\ufffd", "\u2069", "\ufffd", // isolates
	"\ufeff", "\ufffd", // zero-width no-break space
)

// Visible returns s with its invisible direction and zero-width characters
// replaced by a visible U+FFFD: for what a stranger typed and a person
// reads (the dashboard, the CSV exports, officers' tickets).
func Visible(s string) string { return hidden.Replace(s) }
