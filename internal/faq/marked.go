package faq

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// markedWords rewrites words whose meaning shows only in their marks, before
// the text is folded: typed with its marks, southern "hông" is "không", but
// folded it would be "hong", which is also "hỏng". Keys are lower case, as
// typed with marks.
//
// Only questions are rewritten, not the FAQ entries: their variants write
// such words on purpose, so that a question typed without marks ("dc hong")
// still finds them by the folded word.
type markedWords map[string]string

// newMarkedWords reads the vocabulary's marked words; keys without a mark
// are left out (content validation reports them), since without its marks
// a word is the ambiguous one.
func newMarkedWords(v content.Vocab) markedWords {
	m := markedWords{}
	for from, to := range v.Marked {
		from = strings.ToLower(strings.TrimSpace(from))
		if vntext.HasVietnameseMarks(from) {
			m[from] = to
		}
	}
	return m
}

// word returns what a word of text (a run of letters) is rewritten to.
func (m markedWords) word(w string) (string, bool) {
	if len(m) == 0 || isASCII(w) {
		return "", false
	}
	to, ok := m[w]
	if !ok {
		to, ok = m[strings.ToLower(w)]
	}
	return to, ok
}

// apply returns text with every marked word rewritten; text itself when
// none is there, without allocating.
func (m markedWords) apply(text string) string {
	if len(m) == 0 || isASCII(text) {
		return text
	}
	var b []byte
	done := 0 // text[:done] is in b, when b is not nil
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		j := vntext.WordEnd(text, i+size)
		if to, ok := m.word(text[i:j]); ok {
			b = append(append(b, text[done:i]...), to...)
			done = j
		}
		i = j
	}
	if b == nil {
		return text
	}
	return string(append(b, text[done:]...))
}

// afterNumber reads the vocabulary's short forms that follow a number,
// interning the words they stand for.
func afterNumber(lex *lexicon, v content.Vocab) map[string][]int32 {
	m := make(map[string][]int32, len(v.AfterNumber))
	for from, to := range v.AfterNumber {
		if ids := lex.phraseIDs(to); len(ids) > 0 {
			m[vntext.Fold(from)] = ids
		}
	}
	return m
}
