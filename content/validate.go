package content

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Limits the content must respect on every channel.
const (
	MaxText        = 2000 // Zalo OA and Zalo Bot: characters per message (Telegram allows 4,096)
	MaxButtonLabel = 64   // characters; Zalo allows 100, but long labels are unreadable on phones
	MaxAnswer      = 600  // characters of a FAQ answer's first message in the default locale (a warning above)
	MaxNext        = 300  // characters of a FAQ entry's "next" (one or two sentences)
)

// legalCitation matches a decree, circular or official letter number such as
// "Nghị định 69/2024" or "TT 32/2023": those belong in "more" (under "Căn cứ:")
// or in the source note, not in the first message.
var legalCitation = regexp.MustCompile(`(?i)\b(nghị định|thông tư|công văn|nđ|tt|cv|decree|circular)\s+(số\s+)?[0-9]+(/[0-9A-Za-zĐđ-]+)?\b`)

// privateCitation matches references to the research notes kept outside this
// repository, which nobody reading the content can open.
var privateCitation = regexp.MustCompile(`(?i)vneid-facts|research/`)

type validator struct {
	c        *Catalog
	msgLines map[string]int
	today    string
	problems Problems
}

func (v *validator) errf(file string, line int, format string, args ...any) {
	v.problems = append(v.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) warnf(file string, line int, format string, args ...any) {
	v.problems = append(v.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...), Warning: true})
}

func (v *validator) run() {
	v.meta()
	v.sources()
	v.vocab()
	for key, t := range v.c.Messages {
		v.text("messages.yaml", v.msgLines[key], "message "+key, t, MaxText)
	}
	for _, key := range requiredMessages {
		if _, ok := v.c.Messages[key]; !ok {
			v.errf("messages.yaml", 0, "message %q is missing (the bot needs it)", key)
		}
	}
	flows := map[string]place{}
	for _, f := range v.c.Flows {
		if v.firstID(flows, "flow", f.ID, f.File, f.Line) {
			v.flow(f)
		}
	}
	entries := map[string]place{}
	for _, e := range v.c.FAQ {
		if v.firstID(entries, "faq", e.ID, e.File, e.Line) {
			v.entry(e)
		}
	}
}

// place is where something stands in the content files.
type place struct {
	file string
	line int
}

// firstID reports whether id (of kind, at file:line) is seen for the first
// time, recording where in seen; a later one is reported as a duplicate.
func (v *validator) firstID(seen map[string]place, kind, id, file string, line int) bool {
	if prev, dup := seen[id]; dup {
		v.errf(file, line, "duplicate %s id %q (first in %s:%d)", kind, id, prev.file, prev.line)
		return false
	}
	seen[id] = place{file, line}
	return true
}

// requiredMessages are the UI message keys the engine uses.
var requiredMessages = []string{
	"greeting", "greeting_back", "resume", "menu_prompt", "btn_menu", "btn_back", "btn_stuck",
	"stuck_prompt", "stuck_none", "flow_done", "faq_continue", "faq_suggest", "faq_fallback",
	"btn_none_of_these", "faq_none_of_these", "faq_also_asked", "faq_followup_related", "faq_followup_again",
	"out_of_scope", "smalltalk_greeting", "smalltalk_thanks", "smalltalk_pause", "sensitive_warning", "stale_button",
	"step_gone", "media_unsupported", "lang_prompt", "lang_set", "help", "nothing_to_go_back",
	"error_internal", "faq_helpful", "btn_helpful_yes", "btn_helpful_no", "helpful_thanks",
	"helpful_sorry", "lang_name", "lang_switch", "btn_call_hotline", "not_a_choice", "share_unavailable", "slow_down",
	// volunteers, sharing, statistics and reminders
	"btn_share", "btn_my_stats", "share_intro", "share_message", "share_web", "share_telegram",
	"share_zalo", "share_after", "volunteer_you", "volunteer_stats", "volunteer_stats_none",
	"volunteer_linked", "volunteer_claim_unknown", "ref_thanks", "ref_unknown", "ref_own",
	"reminders_off", "reminder", "qr_caption",
}

// checkedMessages are the messages the checks require (requiredMessages,
// and faq_more_button when an entry has more): never filled in from the
// built-in content.
var checkedMessages = func() map[string]bool {
	m := map[string]bool{"faq_more_button": true}
	for _, k := range requiredMessages {
		m[k] = true
	}
	return m
}()

func (v *validator) meta() {
	m := v.c.Meta
	if len(m.Locales) == 0 {
		v.errf("meta.yaml", 1, "locales: at least one locale is needed (the first is the default)")
	}
	if m.Hotline == "" {
		v.errf("meta.yaml", 1, "hotline is missing")
	}
	if m.StuckFlow != "" && v.c.Flow(m.StuckFlow) == nil {
		v.errf("meta.yaml", 1, "stuck_flow: flow %q does not exist", m.StuckFlow)
	}
	if m.LookalikeEntry != "" && v.c.Entry(m.LookalikeEntry) == nil {
		v.errf("meta.yaml", 1, "lookalike_entry: faq entry %q does not exist", m.LookalikeEntry)
	}
	if len(m.Menu) == 0 {
		v.errf("meta.yaml", 1, "menu: the main menu is empty")
	}
	for _, it := range m.Menu {
		v.target("meta.yaml", it.Line, "menu", it.Target, nil)
		if it.Label != nil {
			v.text("meta.yaml", it.Line, "menu label", it.Label, MaxButtonLabel)
		}
	}
}

// sources checks sources.yaml: well-formed, unique ids and every field filled.
func (v *validator) sources() {
	seen := map[string]int{}
	for _, s := range v.c.Sources {
		where := "source " + s.ID
		if !sourceID.MatchString(s.ID) {
			v.errf("sources.yaml", s.Line, "%s: id must look like S12", where)
		}
		if first, dup := seen[s.ID]; dup {
			v.errf("sources.yaml", s.Line, "duplicate source id %q (first at line %d)", s.ID, first)
			continue
		}
		seen[s.ID] = s.Line
		for _, f := range []struct{ name, val string }{
			{"title", s.Title}, {"publisher", s.Publisher}, {"address", s.Address}, {"date", s.Date}, {"supports", s.Supports},
		} {
			if strings.TrimSpace(f.val) == "" {
				v.errf("sources.yaml", s.Line, "%s: %s is missing", where, f.name)
			}
		}
	}
}

var sourceID = regexp.MustCompile(`^S[0-9]{1,4}$`)

func (v *validator) flow(f *Flow) {
	where := "flow " + f.ID
	v.id(f.File, f.Line, where, f.ID)
	v.text(f.File, f.Line, where+": title", f.Title, MaxButtonLabel)
	v.provenance(f.File, f.Line, where, f.Source, f.Checked)
	if len(f.Steps) == 0 {
		v.errf(f.File, f.Line, "%s: has no steps", where)
		return
	}
	if f.Step(f.Start) == nil {
		v.errf(f.File, f.Line, "%s: start step %q does not exist", where, f.Start)
	}
	seen := map[string]bool{}
	for _, s := range f.Steps {
		sw := where + " step " + s.ID
		if seen[s.ID] {
			v.errf(f.File, s.Line, "duplicate step id %q in flow %s", s.ID, f.ID)
			continue
		}
		seen[s.ID] = true
		v.step(f, s, sw)
	}
	v.reachable(f)
}

func (v *validator) step(f *Flow, s *Step, where string) {
	v.id(f.File, s.Line, where, s.ID)
	v.text(f.File, s.Line, where+": text", s.Text, MaxText)
	v.legal(f.File, s.Line, where+": text", s.Text[v.c.DefaultLocale()])
	if s.Title != nil {
		v.text(f.File, s.Line, where+": title", s.Title, MaxButtonLabel-16)
	}
	if s.Source != "" || s.Checked != "" {
		v.provenance(f.File, s.Line, where, s.Source, s.Checked)
	}
	if len(s.Choices) == 0 && !s.End {
		v.errf(f.File, s.Line, "%s: no way forward: add a choice or mark it `end: true` (then Menu is offered)", where)
	}
	seen := map[string]bool{}
	for _, ch := range s.Choices {
		cw := where + " choice " + ch.ID
		if seen[ch.ID] {
			v.errf(f.File, ch.Line, "duplicate choice id %q in %s", ch.ID, where)
		}
		seen[ch.ID] = true
		v.id(f.File, ch.Line, cw, ch.ID)
		v.text(f.File, ch.Line, cw+": label", ch.Label, MaxButtonLabel)
		if p := ChoicePayload(f.ID, s.ID, ch.ID); len(p) > MaxPayload {
			v.errf(f.File, ch.Line, "%s: button payload %q is %d bytes, over Telegram's %d: shorten the ids", cw, p, len(p), MaxPayload)
		}
		v.target(f.File, ch.Line, cw, ch.Next, f)
	}
	for _, l := range s.Links {
		v.link(f.File, l, where)
	}
	for _, t := range s.Stuck {
		if t == "" || (!strings.HasPrefix(t, "faq:") && !strings.HasPrefix(t, "flow:")) {
			v.errf(f.File, s.Line, "%s: stuck target %q must be faq:<id> or flow:<id>", where, t)
			continue
		}
		v.target(f.File, s.Line, where+" stuck", t, nil)
	}
	if s.Image != "" {
		v.url(f.File, s.Line, where+": image", s.Image)
	}
	if s.ResumeFrom != "" && f.Step(s.ResumeFrom) == nil {
		v.errf(f.File, s.Line, "%s: resume_from step %q does not exist in flow %s", where, s.ResumeFrom, f.ID)
	}
}

// reachable reports steps that no path from the start step reaches.
func (v *validator) reachable(f *Flow) {
	seen := map[string]bool{}
	var walk func(id string)
	walk = func(id string) {
		s := f.Step(id)
		if s == nil || seen[id] {
			return
		}
		seen[id] = true
		for _, ch := range s.Choices {
			walk(ch.Next)
		}
	}
	walk(f.Start)
	for _, s := range f.Steps {
		if !seen[s.ID] {
			v.errf(f.File, s.Line, "flow %s step %s: unreachable from the start step %q", f.ID, s.ID, f.Start)
		}
	}
}

func (v *validator) entry(e *Entry) {
	where := "faq " + e.ID
	v.id(e.File, e.Line, where, e.ID)
	v.text(e.File, e.Line, where+": title", e.Title, MaxButtonLabel)
	v.text(e.File, e.Line, where+": answer", e.Answer, MaxText)
	def0 := v.c.DefaultLocale()
	if n := utf8.RuneCountInString(e.Answer[def0]); n > MaxAnswer {
		v.warnf(e.File, e.Line, "%s: answer (%s) is %d characters, over %d: move the rest to `more`, split the entry by situation, or point to a flow", where, def0, n, MaxAnswer)
	}
	v.legal(e.File, e.Line, where+": answer", e.Answer[def0])
	if e.More != nil {
		v.text(e.File, e.Line, where+": more", e.More, MaxText)
		if _, ok := v.c.Messages["faq_more_button"]; !ok {
			v.errf(e.File, e.Line, "%s: has `more`, but message %q (the button that shows it) is missing", where, "faq_more_button")
		}
	}
	if e.Next != nil {
		v.text(e.File, e.Line, where+": next", e.Next, MaxNext)
	}
	v.provenance(e.File, e.Line, where, e.Source, e.Checked)
	def := v.c.DefaultLocale()
	if len(e.Questions[def]) == 0 {
		v.errf(e.File, e.Line, "%s: no %s questions", where, def)
	}
	for _, loc := range v.c.Meta.Locales {
		if len(e.Questions[def]) > 0 && len(e.Questions[loc]) == 0 {
			v.errf(e.File, e.Line, "%s: questions in %s are missing", where, loc)
		}
	}
	for loc, qs := range e.Questions {
		if !v.c.HasLocale(loc) {
			v.errf(e.File, e.Line, "%s: questions in unknown locale %q", where, loc)
		}
		for _, q := range qs {
			v.phrases(e.File, e.Line, where+": question", q)
		}
	}
	for _, r := range e.Related {
		if v.c.Entry(r) == nil {
			v.errf(e.File, e.Line, "%s: related entry %q does not exist", where, r)
		}
	}
	if e.Flow != "" && v.c.Flow(e.Flow) == nil {
		v.errf(e.File, e.Line, "%s: flow %q does not exist", where, e.Flow)
	}
	for _, l := range e.Links {
		v.link(e.File, l, where)
	}
}

// target checks a transition or reference: a step of flow f (when f is not nil),
// "flow:<id>", "faq:<id>" or "menu".
func (v *validator) target(file string, line int, where, t string, f *Flow) {
	switch {
	case t == "":
		v.errf(file, line, "%s: target is empty", where)
	case t == "menu":
	case strings.HasPrefix(t, "flow:"):
		if v.c.Flow(strings.TrimPrefix(t, "flow:")) == nil {
			v.errf(file, line, "%s: goes to flow %q, which does not exist", where, strings.TrimPrefix(t, "flow:"))
		}
	case strings.HasPrefix(t, "faq:"):
		if v.c.Entry(strings.TrimPrefix(t, "faq:")) == nil {
			v.errf(file, line, "%s: goes to faq entry %q, which does not exist", where, strings.TrimPrefix(t, "faq:"))
		}
	case f != nil:
		if f.Step(t) == nil {
			v.errf(file, line, "%s: goes to step %q, which does not exist in flow %s", where, t, f.ID)
		}
	default:
		v.errf(file, line, "%s: target %q must be flow:<id>, faq:<id> or menu", where, t)
	}
}

// text checks that t has the default locale, every other locale where the default
// has text, no unknown locale, fits max characters, and says nothing outdated.
func (v *validator) text(file string, line int, where string, t Text, max int) {
	def := v.c.DefaultLocale()
	if strings.TrimSpace(t[def]) == "" {
		v.errf(file, line, "%s: missing %s text", where, def)
		return
	}
	for _, loc := range v.c.Meta.Locales {
		if strings.TrimSpace(t[loc]) == "" {
			v.errf(file, line, "%s: missing %s text (the %s text has it)", where, loc, def)
		}
	}
	for loc, s := range t {
		if !v.c.HasLocale(loc) {
			v.errf(file, line, "%s: unknown locale %q", where, loc)
		}
		if n := utf8.RuneCountInString(s); n > max {
			v.errf(file, line, "%s (%s): %d characters, over the limit of %d", where, loc, n, max)
		}
		v.phrases(file, line, where, s)
		for _, u := range LinksIn(s) {
			v.url(file, line, where, u)
		}
	}
}

// phrases reports outdated wording from meta.yaml's deny-list, compared
// without regard to case or Unicode composition.
func (v *validator) phrases(file string, line int, where, s string) {
	low := strings.ToLower(norm.NFC.String(s))
	for _, p := range v.c.Meta.DeniedPhrases {
		if strings.Contains(low, strings.ToLower(norm.NFC.String(p))) {
			v.errf(file, line, "%s: says %q, which is outdated guidance (denied_phrases in meta.yaml)", where, p)
		}
	}
}

func (v *validator) link(file string, l *Link, where string) {
	v.text(file, l.Line, where+": link label", l.Label, MaxButtonLabel)
	if strings.HasPrefix(l.URL, "tel:") {
		return
	}
	v.url(file, l.Line, where+": link", l.URL)
}

// linkPattern finds what a messenger would make a tappable link: an
// address with a scheme, one starting "www.", and a bare name on a common
// top-level domain ("vneid-gov.vn.ru", "bit.ly/abc").
var linkPattern = regexp.MustCompile(`(?i)\b((?:https?://|www\.)[^\s<>"']+|[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:vn|com|net|org|info|io|me|ly|gl|co|xyz|top|site|online|link|app|cc|tk|ru|cn|us|uk|in|biz|pro|shop|store|club|vip|asia|live|icu|cyou|sbs|cfd|bond|win|work|fun|space|website|tech|click|today|zip|mov|ml|ga|gq|cf|pw|ws|dev|ai|tv)\b[^\s<>"']*|\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?::[0-9]+)?(?:/[^\s<>"']*)?)`)

// wideDots are full stops of other scripts that a browser may show as a
// link's dots ("evil。vn"); NFKC makes the full-width one ("evil．com") a dot.
var wideDots = strings.NewReplacer("。", ".", "｡", ".", "．", ".")

// LinksIn returns the links in s as a messenger would read them, each
// with its scheme ("https://" when it was written without one), without the
// punctuation that ends a sentence or a clause after them ("…
// vneid.gov.vn, rồi …"), its letters and dots as a browser would show them
// ("ｅｖｉｌ．ｃｏｍ", "evil。vn" are evil.com, evil.vn). Content and officers'
// replies are checked with it.
func LinksIn(s string) []string {
	links := linkPattern.FindAllString(wideDots.Replace(norm.NFKC.String(s)), -1)
	for i, l := range links {
		l = strings.TrimRight(l, ".,;:!?)")
		if !strings.Contains(l, "://") {
			l = "https://" + l
		}
		links[i] = l
	}
	return links
}

// Official reports whether host is on one of the allowed domains (or a
// subdomain of one).
func (c *Catalog) Official(host string) bool { return OnDomains(host, c.Meta.AllowedDomains) }

// OnDomains reports whether host is one of domains or a subdomain of one:
// vneid.gov.vn allows www.vneid.gov.vn, not vneid.gov.vn.example.com.
func OnDomains(host string, domains []string) bool {
	host = strings.ToLower(host)
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// Lookalike returns the host of the first web address in text that
// borrows the name of an allowed domain without being on it
// ("vneid.gov.vn.xacthuc-online.top", "vneid-gov.com.vn"), and the allowed
// domain it borrows (real), or "": the addresses scammers send. Hosts under
// .gov.vn are never called fake: only state bodies can hold one, and the
// provinces' own portals ("dichvucong.hanoi.gov.vn") are real.
func (c *Catalog) Lookalike(text string) (host, real string) {
	if !strings.Contains(text, ".") {
		return "", "" // every typed message passes here: most hold no address
	}
	for _, l := range LinksIn(strings.ToLower(text)) {
		u, err := url.Parse(l)
		if err != nil || c.Official(u.Hostname()) {
			continue
		}
		host := u.Hostname()
		if strings.HasSuffix(host, ".gov.vn") {
			continue
		}
		for _, d := range c.Meta.AllowedDomains {
			// the domain's own name: "vneid", "dichvucong", "bocongan";
			// short ones ("apps", "play") are any word
			if name, _, _ := strings.Cut(strings.ToLower(d), "."); len(name) >= 5 && strings.Contains(host, name) {
				return host, strings.ToLower(d)
			}
		}
	}
	return "", ""
}

// url checks that u is an https address on an allowed domain (or a subdomain
// of one). Look-alikes such as vneid.gov.vn.example.com or vneid-gov.vn fail.
func (v *validator) url(file string, line int, where, u string) {
	pu, err := url.Parse(u)
	if err != nil || pu.Host == "" {
		v.errf(file, line, "%s: %q is not a valid web address", where, u)
		return
	}
	if pu.Scheme != "https" {
		v.errf(file, line, "%s: %q must use https", where, u)
	}
	host := strings.ToLower(pu.Hostname())
	if v.c.Official(host) {
		return
	}
	v.errf(file, line, "%s: link to %q is not allowed (allowed_domains in meta.yaml)", where, host)
}

func (v *validator) id(file string, line int, where, id string) {
	if !ValidID(id) {
		v.errf(file, line, "%s: id %q must be 1-40 characters of a-z, 0-9 and _", where, id)
	}
}

// legal warns about a decree or circular number in a first message.
func (v *validator) legal(file string, line int, where, s string) {
	if m := legalCitation.FindString(s); m != "" {
		v.warnf(file, line, "%s: cites %q in the first message: move legal citations to `more` (a \"Căn cứ:\" line) or to the source note", where, m)
	}
}

// provenance checks that content says where its facts come from (every cited
// [Sn] listed in sources.yaml) and when they were checked.
func (v *validator) provenance(file string, line int, where, source, checked string) {
	if strings.TrimSpace(source) == "" {
		v.errf(file, line, "%s: source is missing (which facts it rests on)", where)
	}
	for _, id := range CitedIDs(source) {
		if v.c.Source(id) == nil {
			v.errf(file, line, "%s: source cites [%s], which sources.yaml does not list", where, id)
		}
	}
	if m := privateCitation.FindString(source); m != "" {
		v.errf(file, line, "%s: source cites %q, which readers of this content cannot open: cite the ids of sources.yaml instead, like [S12]", where, m)
	}
	d, err := time.Parse(time.DateOnly, checked)
	if err != nil {
		v.errf(file, line, "%s: checked must be a date like 2026-11-29, got %q", where, checked)
		return
	}
	if v.today == "" || v.c.Meta.StaleAfterDays <= 0 {
		return
	}
	today, err := time.Parse(time.DateOnly, v.today)
	if err == nil && today.Sub(d) > time.Duration(v.c.Meta.StaleAfterDays)*24*time.Hour {
		v.warnf(file, line, "%s: last checked %s, more than %d days ago: please re-check it", where, checked, v.c.Meta.StaleAfterDays)
	}
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }
