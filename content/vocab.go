package content

import (
	"maps"
	"slices"
	"strings"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Situation is something citizens say about themselves that changes which
// answer fits them: "my old phone was lost", "I only have a CMND". The bot
// remembers it for the rest of the conversation, so a later "đăng nhập máy
// mới thế nào" gets the answer for someone without the old phone.
type Situation struct {
	ID   string   `yaml:"id"`
	Cues []string `yaml:"cues"` // phrases that tell the situation, compared folded
	// Prefer maps an entry to the entry that answers the same question in
	// this situation: {new_phone: old_phone_lost}.
	Prefer map[string]string `yaml:"prefer"`
	// Ages, when set, are the ages [from, to] (both included) that tell the
	// situation: a number followed by one of the vocabulary's age words
	// ("con tôi 10 tuổi", "e 15t", "my son is 8 years old").
	Ages []int `yaml:"ages"`
	// Warn, when set, is a message key said before the reply to a message
	// that tells the situation, unless the reply is an entry written for
	// it (one the situation prefers): "someone asks for my OTP" gets the
	// scam warning even when the bot is unsure what else was asked.
	Warn string `yaml:"warn"`
	// Together are rules for what no fixed phrase can list: each rule is
	// groups of words, and a message holding a word of every group, in
	// order, within TogetherSpan words and with no negation, tells the
	// situation ("tui đọc cho ổng cái mã 6 số rồi": [đọc, đưa…], [mã,
	// otp…], [rồi, xong]).
	Together [][][]string `yaml:"together"`

	Line int `yaml:"-"`
}

// TogetherSpan is how many words a Together rule's match may span.
const TogetherSpan = 14

// WrittenFor reports whether entry id is one the situation prefers.
func (s Situation) WrittenFor(id string) bool {
	for _, to := range s.Prefer {
		if to == id {
			return true
		}
	}
	return false
}

// Language tells the bot that a message is written in a locale, and when it
// asks for that locale ("english please").
type Language struct {
	Locale string `yaml:"locale"`
	// Cues are words common in the language and rare in the others (for
	// English: "the", "how", "my"); a message mostly made of them is in it.
	Cues []string `yaml:"cues"`
	// Requests are phrases that ask for the language ("in english", "tiếng Việt").
	Requests []string `yaml:"requests"`

	Line int `yaml:"-"`
}

// vocab checks the parts of vocab.yaml that name other content: situations
// name entries, languages name locales.
func (v *validator) vocab() {
	const file = "vocab.yaml"
	seen := map[string]bool{}
	for _, s := range v.c.Vocab.Situations {
		switch {
		case s.ID == "":
			v.errf(file, s.Line, "situation without an id")
		case seen[s.ID]:
			v.errf(file, s.Line, "duplicate situation id %q", s.ID)
		}
		seen[s.ID] = true
		for i, rule := range s.Together {
			if len(rule) < 2 || slices.ContainsFunc(rule, func(g []string) bool { return len(g) == 0 }) {
				v.errf(file, s.Line, "situation %q: together rule %d needs two groups of words or more, none empty", s.ID, i+1)
			}
		}
		if len(s.Cues) == 0 && len(s.Ages) == 0 && len(s.Together) == 0 {
			v.errf(file, s.Line, "situation %q has no cues: nothing a citizen types can tell it", s.ID)
		}
		if len(s.Ages) > 0 && (len(s.Ages) != 2 || s.Ages[0] < 0 || s.Ages[0] > s.Ages[1]) {
			v.errf(file, s.Line, "situation %q: ages must be [from, to], from 0 and from ≤ to, not %v", s.ID, s.Ages)
		}
		if len(s.Ages) > 0 && len(v.c.Vocab.AgeWords) == 0 {
			v.errf(file, s.Line, "situation %q has ages, but age_words is empty: no age can be read", s.ID)
		}
		if _, ok := v.c.Messages[s.Warn]; s.Warn != "" && !ok {
			v.errf(file, s.Line, "situation %q warns with message %q, which messages.yaml does not have", s.ID, s.Warn)
		}
		for from, to := range s.Prefer {
			for _, id := range []string{from, to} {
				if v.c.Entry(id) == nil {
					v.errf(file, s.Line, "situation %q names faq entry %q, which does not exist", s.ID, id)
				}
			}
		}
	}
	for _, l := range v.c.Vocab.Languages {
		if !v.c.HasLocale(l.Locale) {
			v.errf(file, l.Line, "language %q is not one of the content's locales", l.Locale)
		}
	}
	for _, from := range slices.Sorted(maps.Keys(v.c.Vocab.Marked)) {
		if !vntext.HasVietnameseMarks(from) {
			v.errf(file, 0, "marked: %q has no Vietnamese mark, so it would rewrite every unmarked %q too; put it under abbreviations if that is meant", from, vntext.Fold(from))
		}
	}
	v.commands(file)
}

// commands checks that every command has words, that no word gives two
// commands, and that nothing else is listed.
func (v *validator) commands(file string) {
	claimed := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(CommandNames)) {
		if len(v.c.Vocab.Commands[name]) == 0 {
			v.errf(file, 0, "commands: %q has no words, so nobody can type it", name)
		}
		for _, w := range v.c.Vocab.Commands[name] {
			f := vntext.Fold(w)
			if other, ok := claimed[f]; ok && other != name {
				v.errf(file, 0, "commands: %q is a word of both %q and %q", w, other, name)
			}
			claimed[f] = name
		}
	}
	for name := range v.c.Vocab.Commands {
		if _, ok := CommandNames[name]; !ok {
			v.errf(file, 0, "commands: %q is not a command the bot knows (%s)", name, strings.Join(slices.Sorted(maps.Keys(CommandNames)), ", "))
		}
	}
}
