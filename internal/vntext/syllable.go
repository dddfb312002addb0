package vntext

import "strings"

// Vietnamese syllables have a fixed shape: an optional initial consonant,
// a vowel nucleus, and an optional final consonant. English words mostly do
// not fit it ("how", "phone", "account", "is"), which is how the bot tells
// English from Vietnamese typed without accents.
var (
	initials = []string{"ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x"}
	finals   = []string{"ng", "nh", "ch", "c", "m", "n", "p", "t", ""}
	nuclei   = map[string]bool{}
)

func init() {
	// Vowel groups of folded Vietnamese (accents gone, so "ươ" is "uo").
	for _, v := range strings.Fields(`a e i o u y
		ai ao au ay eo eu ia ie iu oa oe oi oo ua ue ui uo uu uy ye yeu
		ieu uoi uou uya uye uyu oai oay oao oeo uay uai uau uao ueu uau`) {
		nuclei[v] = true
	}
}

// IsSyllable reports whether a folded word (lower case, no accents) has the
// shape of a Vietnamese syllable. Teen-code ("dc", "mk") is not one.
func IsSyllable(w string) bool {
	if w == "" || len(w) > 7 {
		return false
	}
	for _, in := range initials {
		if rest, ok := strings.CutPrefix(w, in); ok && rhyme(rest) {
			return true
		}
	}
	return rhyme(w)
}

// rhyme reports whether w is a vowel group followed by an allowed final.
func rhyme(w string) bool {
	for _, f := range finals {
		if v, ok := strings.CutSuffix(w, f); ok && nuclei[v] {
			return true
		}
	}
	return false
}

// HasVietnameseMarks reports whether s holds a letter that only Vietnamese
// writes: a vowel with a tone or shape mark, or "đ".
func HasVietnameseMarks(s string) bool {
	for _, r := range s {
		if r < 0xC0 {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			return true
		}
		if r < tableEnd && base[r] > 0 && base[r] != r && isVowel(base[r]) {
			return true
		}
	}
	return false
}

func isVowel(r rune) bool { return strings.ContainsRune("aeiouy", r) }
