// Package content holds everything the bot says and the shape of its conversations:
// flows (steps, choices, transitions), FAQ entries, UI messages and vocabulary.
//
// The files in this folder are the built-in content, embedded into the binary.
// Operators can point CONTENT_DIR at a copy and edit it; Load validates every
// file and reports each problem as file:line so that broken content never
// replaces working content.
package content

import (
	"embed"
	"fmt"
	"regexp"
	"strings"
)

// Embedded is the built-in content, compiled into the binary.
//
//go:embed meta.yaml messages.yaml vocab.yaml sources.yaml flows faq
var Embedded embed.FS

// Text is a piece of user-facing text keyed by locale ("vi", "en").
type Text map[string]string

// Get returns the text in locale, falling back to fallback (the default locale).
func (t Text) Get(locale, fallback string) string {
	if s, ok := t[locale]; ok && s != "" {
		return s
	}
	return t[fallback]
}

// Catalog is a complete, validated set of content.
type Catalog struct {
	Meta     Meta
	Messages map[string]Text
	Flows    []*Flow
	FAQ      []*Entry
	Vocab    Vocab
	Sources  []*Source // sources.yaml: the public pages the facts rest on (optional file)

	flowByID   map[string]*Flow
	entryByID  map[string]*Entry
	sourceByID map[string]*Source
}

// Source is one public page (or document) that content facts rest on, listed
// in sources.yaml. Entries, flows and steps cite it in their source note as
// "[S12]"; the validator checks that every cited id is listed.
type Source struct {
	ID        string   `yaml:"id"`        // "S12"
	Title     string   `yaml:"title"`     // the page's title, or what it is
	Publisher string   `yaml:"publisher"` // who published it
	Address   string   `yaml:"address"`   // where it was read (as recorded; may be shortened with "…")
	Also      []string `yaml:"also"`      // other copies or pages of the same source
	Date      string   `yaml:"date"`      // publication date as known: "2025-08-19", "2024-07", "n.d."
	Supports  string   `yaml:"supports"`  // which facts of the guide it supports, in our words

	Line int `yaml:"-"`
}

// Meta holds settings that apply to the content as a whole (meta.yaml).
type Meta struct {
	Locales        []string   `yaml:"locales"`
	Hotline        string     `yaml:"hotline"`
	StaleAfterDays int        `yaml:"stale_after_days"`
	Menu           []MenuItem `yaml:"menu"`
	AllowedDomains []string   `yaml:"allowed_domains"`
	DeniedPhrases  []string   `yaml:"denied_phrases"`
	// LookalikeEntry is the entry answered after a message holding an
	// address that borrows an allowed domain's name ("vneid-gov.com.vn"),
	// unless a scam entry answers the message itself; empty: only the
	// lookalike_link warning is said before the usual answer.
	LookalikeEntry string `yaml:"lookalike_entry"`
	// StuckFlow is the guide "Tôi bị kẹt" opens outside any guide (the
	// common problems); empty: a short note and the ways to a person.
	StuckFlow string `yaml:"stuck_flow"`
}

// MenuItem is one entry of the main menu.
type MenuItem struct {
	Target string `yaml:"target"` // "flow:<id>" or "faq:<id>"
	Label  Text   `yaml:"label"`
	Line   int    `yaml:"-"`
}

// Flow is one guided conversation, such as installing the app.
type Flow struct {
	ID      string  `yaml:"id"`
	Title   Text    `yaml:"title"`
	Start   string  `yaml:"start"`
	Source  string  `yaml:"source"`
	Checked string  `yaml:"checked"`
	Steps   []*Step `yaml:"steps"`

	File string `yaml:"-"`
	Line int    `yaml:"-"`

	stepByID map[string]*Step
}

// Step is one message of a flow with the choices that lead on from it.
type Step struct {
	ID      string    `yaml:"id"`
	Title   Text      `yaml:"title"` // short name shown on "Tiếp tục" buttons; defaults to the flow title
	Text    Text      `yaml:"text"`
	Image   string    `yaml:"image"`
	Choices []*Choice `yaml:"choices"`
	Links   []*Link   `yaml:"links"`
	Stuck   []string  `yaml:"stuck"` // targets offered by "Tôi bị kẹt": "faq:<id>" or "flow:<id>"
	End     bool      `yaml:"end"`   // reaching this step completes the flow
	// ResumeFrom is the step of the same flow a citizen back after a pause
	// starts again from, when what this step waits for has expired (an OTP
	// asked for yesterday): they are told so (message resume_restart).
	ResumeFrom string `yaml:"resume_from"`
	Source     string `yaml:"source"`
	Checked    string `yaml:"checked"`

	Line int `yaml:"-"`
}

// Choice is a way forward from a step: a button, its typed synonyms and its target.
type Choice struct {
	ID    string   `yaml:"id"`
	Label Text     `yaml:"label"`
	Words []string `yaml:"words"` // typed words that pick this choice ("xong", "rồi")
	Next  string   `yaml:"next"`  // a step id of this flow, "flow:<id>", "faq:<id>" or "menu"

	Line int `yaml:"-"`
}

// Link is a button that opens a web address (or "tel:" to call).
type Link struct {
	Label Text   `yaml:"label"`
	URL   string `yaml:"url"`

	Line int `yaml:"-"`
}

// Entry is one FAQ entry: the ways people ask a question and the answer.
type Entry struct {
	ID        string              `yaml:"id"`
	Title     Text                `yaml:"title"`
	Questions map[string][]string `yaml:"questions"`
	Keywords  []string            `yaml:"keywords"`
	Answer    Text                `yaml:"answer"` // the first message: ≤ 600 characters in vi
	More      Text                `yaml:"more"`   // optional: the rest, shown when the citizen presses "Xem thêm"
	Next      Text                `yaml:"next"`   // optional: the next action, for a follow-up or a repeated question
	Related   []string            `yaml:"related"`
	Flow      string              `yaml:"flow"` // optional flow id offered after the answer
	// Scoped entries are answered only for a message that names VNeID
	// (vocab scope) or goes on from an earlier answer: their subject, such
	// as living abroad, is also other services' (passports, visas).
	Scoped  bool    `yaml:"scoped"`
	Links   []*Link `yaml:"links"`
	Source  string  `yaml:"source"`
	Checked string  `yaml:"checked"`

	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Vocab is the vocabulary used to understand free text (vocab.yaml).
type Vocab struct {
	Abbreviations map[string]string `yaml:"abbreviations"`
	// Marked are words read by their marks, before anything is folded, in
	// questions only: "hông" is "không", though unmarked "hong" is also
	// "hỏng".
	Marked map[string]string `yaml:"marked"`
	// AfterNumber are short forms read only right after a number: "10t"
	// is "10 tuổi", but "t" alone is no age.
	AfterNumber map[string]string `yaml:"after_number"`
	Synonyms    [][]string        `yaml:"synonyms"`
	Stopwords   []string          `yaml:"stopwords"`
	OutOfScope  []string          `yaml:"out_of_scope"`
	// Scope are words that name VNeID itself ("vneid", "định danh", "mức
	// 2"): a message holding one is never refused as being about another
	// service, even when it also names one ("ngân hàng bắt xác thực VNeID").
	Scope     []string `yaml:"scope"`
	Greetings []string `yaml:"greetings"`
	// Vague are words that only say a message is about VNeID ("vneid",
	// "ứng dụng", "cái này"): a message the bot is unsure of that holds
	// nothing else gets the main menu, which names the steps, instead of
	// guesses.
	Vague  []string `yaml:"vague"`
	Thanks []string `yaml:"thanks"`
	// Yes are the words that say yes to a question the bot just asked
	// outside a guide's step ("có", "ừ", "được"): the officer offered after
	// two misunderstood messages is then called. Typed alone, with the
	// negations, they are never a commune's name.
	Yes        []string    `yaml:"yes"`
	Followups  []string    `yaml:"followups"`  // "vậy giờ làm sao": asks on about the last topic
	Situations []Situation `yaml:"situations"` // what a citizen says about themselves that picks the answer
	// AgeWords follow a number to make it an age ("tuổi", "years old"),
	// which situations with ages read.
	AgeWords []string `yaml:"age_words"`
	// AgeBounds before such a number make it a bound, not an age ("dưới
	// 14 tuổi", "under 14 years old").
	AgeBounds []string `yaml:"age_bounds"`
	// Negations are words that, just before a situation's cue or inside it,
	// deny it: "chưa có tin nhắn phê duyệt", "máy cũ không bị mất".
	Negations []string   `yaml:"negations"`
	Languages []Language `yaml:"languages"` // how to tell a language and ask for it
	// Handoff are phrases that ask to talk to a person ("gặp người thật");
	// a message containing one (compared folded) opens a ticket.
	Handoff []string `yaml:"handoff"`
	// Commands are the words typed to give a command anywhere in a
	// conversation ("menu", "quay lại", "tatnhacnho"), by command. Operators
	// add synonyms here; the commands themselves are CommandNames.
	Commands map[string][]string `yaml:"commands"`
}

// CommandNames are the commands a typed word can give, with what each
// does. The keys of vocab.yaml's commands must be among them.
var CommandNames = map[string]string{
	"menu":            "show the main menu",
	"help":            "explain how to use the bot",
	"unclear":         "the citizen does not understand: the step again, with how to get help",
	"bot":             "the citizen asks whether a person answers: say it is an automatic assistant",
	"back":            "go back one step",
	"stuck":           "say the citizen is stuck at this step",
	"resume":          "continue an unfinished guide",
	"none":            "none of the answers offered fits",
	"lang":            "choose a language",
	"stats":           "a volunteer's figures (or how to get them)",
	"share":           "a volunteer's sharing link",
	"l:en":            "switch to English",
	"l:vi":            "switch to Vietnamese",
	"reminders_off":   "stop the automatic reminders",
	"volunteer_stats": "a linked volunteer's figures (/thongke)",
}

// DefaultLocale is the locale every text must have.
func (c *Catalog) DefaultLocale() string {
	if len(c.Meta.Locales) == 0 {
		return "vi"
	}
	return c.Meta.Locales[0]
}

// HasLocale reports whether locale is one of the content's locales.
func (c *Catalog) HasLocale(locale string) bool {
	for _, l := range c.Meta.Locales {
		if l == locale {
			return true
		}
	}
	return false
}

// Flow returns the flow with the given id, or nil.
func (c *Catalog) Flow(id string) *Flow { return c.flowByID[id] }

// Entry returns the FAQ entry with the given id, or nil.
func (c *Catalog) Entry(id string) *Entry { return c.entryByID[id] }

// Source returns the source with the given id ("S12"), or nil.
func (c *Catalog) Source(id string) *Source { return c.sourceByID[id] }

// Cited returns the listed sources that a source note cites as "[Sn]", in
// the order first cited, each once. Ids that are not listed are left out
// (the validator reports them).
func (c *Catalog) Cited(note string) []*Source {
	var out []*Source
	for _, id := range CitedIDs(note) {
		if s := c.Source(id); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// SourcesOf returns the sources that a FAQ entry cites.
func (c *Catalog) SourcesOf(e *Entry) []*Source { return c.Cited(e.Source) }

// FlowSources returns the sources that a flow cites, in its own note and in
// its steps' notes, each once.
func (c *Catalog) FlowSources(f *Flow) []*Source {
	notes := []string{f.Source}
	for _, s := range f.Steps {
		notes = append(notes, s.Source)
	}
	return c.Cited(strings.Join(notes, " "))
}

var citation = regexp.MustCompile(`\[(S[0-9]+)\]`)

// CitedIDs returns the source ids a note cites as "[S12]", in the order
// first cited, each once.
func CitedIDs(note string) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range citation.FindAllStringSubmatch(note, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			ids = append(ids, m[1])
		}
	}
	return ids
}

// Step returns the step with the given id, or nil.
func (f *Flow) Step(id string) *Step { return f.stepByID[id] }

// Choice returns the step's choice with the given id, or nil.
func (s *Step) Choice(id string) *Choice {
	for _, ch := range s.Choices {
		if ch.ID == id {
			return ch
		}
	}
	return nil
}

// Msg returns UI message key in locale with {name} placeholders filled from
// pairs ("name", value, ...). {hotline} is always available. A missing key
// returns the key itself, so a content mistake is visible rather than silent.
func (c *Catalog) Msg(locale, key string, pairs ...string) string {
	t, ok := c.Messages[key]
	if !ok {
		return key
	}
	s := t.Get(locale, c.DefaultLocale())
	if !strings.Contains(s, "{") {
		return s // most messages: no allocation on the hot path
	}
	s = strings.ReplaceAll(s, "{hotline}", c.Meta.Hotline)
	for i := 0; i+1 < len(pairs); i += 2 {
		s = strings.ReplaceAll(s, "{"+pairs[i]+"}", pairs[i+1])
	}
	return s
}

// Summary is the one-line description printed by "content check".
func (c *Catalog) Summary() string {
	steps := 0
	for _, f := range c.Flows {
		steps += len(f.Steps)
	}
	return fmt.Sprintf("%d flows, %d steps, %d faq entries, locales: %s",
		len(c.Flows), steps, len(c.FAQ), strings.Join(c.Meta.Locales, ","))
}

// index builds the lookup maps; duplicates are reported by validation.
func (c *Catalog) index() {
	c.flowByID = byID(c.Flows, func(f *Flow) string { return f.ID })
	for _, f := range c.Flows {
		f.stepByID = byID(f.Steps, func(s *Step) string { return s.ID })
	}
	c.sourceByID = byID(c.Sources, func(s *Source) string { return s.ID })
	c.entryByID = byID(c.FAQ, func(e *Entry) string { return e.ID })
}

// byID maps each id to the first item that has it.
func byID[T any](items []T, id func(T) string) map[string]T {
	m := make(map[string]T, len(items))
	for _, it := range items {
		if _, dup := m[id(it)]; !dup {
			m[id(it)] = it
		}
	}
	return m
}
