package faq

import (
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// TestVocabKeepsKeywords guards against a vocabulary edit that folds onto a
// word the FAQ needs: without accents "cứ" is "cũ", "sẽ" is "sẻ" and "dô"
// is "do", so a stopword or an abbreviation can silently erase or rewrite a
// word of the entries' keywords.
func TestVocabKeepsKeywords(t *testing.T) {
	cat := mustLoad(t)
	ix := New(cat)
	name := func(ids []int32) string {
		var w []string
		for _, id := range ids {
			w = append(w, ix.lex.words[id])
		}
		return strings.Join(w, " ")
	}
	used := map[string]string{} // folded word of a title or keyword → where
	for _, e := range cat.FAQ {
		for _, k := range e.Keywords {
			ids, _ := ix.lex.tokens(nil, nil, k)
			rewritten := ix.an.rewrite(nil, ids)
			if kept := ix.an.content(nil, rewritten); len(kept) != len(rewritten) {
				t.Errorf("%s: keyword %q loses words to stopwords: %q becomes %q", e.ID, k, name(rewritten), name(kept))
			}
			for _, w := range vntext.Words(k) {
				used[w] = e.ID + " keyword " + k
			}
		}
		for _, s := range e.Title {
			for _, w := range vntext.Words(s) {
				used[w] = e.ID + " title " + s
			}
		}
	}
	for key, full := range cat.Vocab.Abbreviations {
		folded := vntext.Fold(key)
		if plain := strings.ReplaceAll(strings.ToLower(key), "đ", "d"); isASCII(plain) || strings.Contains(vntext.Fold(full), folded) {
			continue // typed without tone marks: meant as it folds
		}
		if where, ok := used[folded]; ok {
			t.Errorf("abbreviation %q folds to %q, a word of %s, and rewrites it to %q", key, folded, where, full)
		}
	}
}

// TestAbbreviationsDoNotCollide checks that no two abbreviations read the
// same once folded ("đdđt" folds to "dt", like "đt") with different
// meanings: the first would silently win for both.
func TestAbbreviationsDoNotCollide(t *testing.T) {
	cat := mustLoad(t)
	lex := newLexicon()
	seen := map[string]string{}
	for _, k := range sortedKeys(cat.Vocab.Abbreviations) {
		v := cat.Vocab.Abbreviations[k]
		var folded []string
		for _, id := range lex.phraseIDs(k) {
			folded = append(folded, lex.words[id])
		}
		key := strings.Join(folded, " ")
		want := strings.Join(vntext.Words(v), " ")
		if prev, ok := seen[key]; ok && prev != want {
			t.Errorf("abbreviation %q reads as %q, which already means %q; it would mean %q", k, key, prev, want)
		}
		seen[key] = want
	}
}
