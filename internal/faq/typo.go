package faq

// Repair of words the index does not know: two syllables typed without the
// space between them ("matkhau"), and one-letter typos in longer syllables
// ("khoan" for "khoản" is fine, "khaon" or "kihch" are repaired).

// split finds w as two known syllables that the content also uses side by
// side, preferring the most common pair.
func (ix *Index) split(w string) (a, b int32, ok bool) {
	if len(w) < 2*2 || !isLetters(w) {
		return 0, 0, false
	}
	bestDF := 0
	for i := 2; i <= len(w)-2; i++ {
		x, okx := ix.lex.ids[w[:i]]
		y, oky := ix.lex.ids[w[i:]]
		if !okx || !oky {
			continue
		}
		p, okp := ix.pairs.get(pairKey(x, y))
		if !okp {
			continue
		}
		if df := ix.df(p); df > bestDF {
			a, b, bestDF, ok = x, y, df, true
		}
	}
	return a, b, ok
}

// repair returns the known word one edit (insertion, deletion, substitution
// or swap of neighbours) away from w, preferring the one used by most
// entries, then the first in alphabetical order. The word may be a syllable
// of the content or a one-word abbreviation or synonym.
func (ix *Index) repair(w string) (int32, bool) {
	if len(w) < ix.p.minTypo || !isLetters(w) {
		return 0, false
	}
	best, bestDF := int32(-1), -1
	consider := func(ids []int32) {
		for _, id := range ids {
			c := ix.lex.words[id]
			if !oneEdit(w, c) {
				continue
			}
			df := ix.df(id)
			if df > bestDF || df == bestDF && c < ix.lex.words[best] {
				best, bestDF = id, df
			}
		}
	}
	consider(ix.typos[w])
	for _, d := range deletions(w) {
		consider(ix.typos[d])
	}
	return best, best >= 0
}

// deletions lists w with one letter removed, each once.
func deletions(w string) []string {
	out := make([]string, 0, len(w))
	for i := range len(w) {
		if i > 0 && w[i] == w[i-1] {
			continue // same result as removing the previous letter
		}
		out = append(out, w[:i]+w[i+1:])
	}
	return out
}

// oneEdit reports whether ASCII words a and b differ by exactly one
// insertion, deletion, substitution or swap of adjacent letters.
func oneEdit(a, b string) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	switch len(a) - len(b) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if i == len(a) {
			return false // equal
		}
		if a[i+1:] == b[i+1:] {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		i := 0
		for i < len(b) && a[i] == b[i] {
			i++
		}
		return a[i+1:] == b[i:]
	}
	return false
}
