package flows

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/looplab/fsm"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/redact"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// turn handles one update against one loaded session. It changes the session
// in place and returns the replies; the engine saves the session afterwards.
type turn struct {
	ctx     context.Context // for the few features that read Redis mid-turn (volunteers)
	e       *Engine
	b       *bundle
	cat     *content.Catalog
	s       *Session
	in      Inbound
	now     time.Time
	out     []Reply
	events  []Event
	outcome string // for metrics: what this turn did

	said   string      // the FAQ entry answered in full last turn: asked again, it gets its next action
	also   string      // the other question of last turn's message, offered after the answer (alsoMark)
	result *faq.Result // the free-text search of this turn, done once
	bound  bool        // this turn bound the conversation to in.NewKey
	pieced bool        // this message is a part of a number sent in pieces that makes an ID number (pieces.go)
}

// emit records an event of this turn; the engine hands them to the Recorder
// once the session is saved.
func (t *turn) emit(ev Event) { t.events = append(t.events, ev) }

// commandWords maps what a user may type to give a command anywhere (the
// content's vocab commands), folded, to the command: the button payload it
// stands for ("menu", "back", "l:en"…) or a volunteer command.
func commandWords(cat *content.Catalog) map[string]string {
	m := map[string]string{}
	for name, words := range cat.Vocab.Commands {
		for _, w := range words {
			if f := vntext.Fold(w); f != "" {
				m[f] = name
			}
		}
	}
	return m
}

func (t *turn) locale() string { return t.s.Locale }

func (t *turn) msg(key string, pairs ...string) string { return t.cat.Msg(t.locale(), key, pairs...) }

func (t *turn) text(x content.Text) string { return x.Get(t.locale(), t.cat.DefaultLocale()) }

func (t *turn) say(r Reply) { t.out = append(t.out, r) }

// runGuarded is run, with a panic in the turn's code logged and reported
// as !ok instead of taking the request down with it (a persona's message
// once crashed the FAQ search).
func (t *turn) runGuarded() (replies []Reply, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			// The panic's text is redacted: it may quote what was typed.
			t.e.log.Error("turn panicked", "chat", t.in.Chat(), "panic", redact.String(fmt.Sprint(p)), "stack", string(debug.Stack()))
			replies, ok = nil, false
		}
	}()
	return t.run(), true
}

// failed is the answer to a turn that broke: an apology, the hotline and
// the menu, with nothing of the session changed.
func (t *turn) failed() []Reply {
	t.outcome = "error"
	t.say(Reply{Text: t.msg("error_internal"), Buttons: t.withNav([][]Button{{t.hotlineButton()}}, false)})
	return t.out
}

func (t *turn) run() []Reply {
	s := t.s
	isNew := s.Turns == 0
	idle := s.idleFor(t.now)
	t.said, s.Said = s.Said, ""
	t.said, t.also, _ = strings.Cut(t.said, alsoMark)
	s.Turns++
	s.Updated = t.now.Unix()
	if isNew {
		s.Started = t.now.Unix()
		s.Ref = t.in.Ref
		t.emit(Event{Kind: EventFirstContact})
	}
	if s.Locale == "" || !t.cat.HasLocale(s.Locale) {
		s.Locale = t.cat.DefaultLocale()
	}
	if over, first := s.overRate(t.now.Unix()); over {
		t.outcome = "rate_limited"
		if first {
			t.say(Reply{Text: t.msg("slow_down")})
		}
		return t.out
	}
	t.pieced = t.countPieces(idle)
	t.checkPosition()
	t.restartExpired(idle)
	if t.handoffTurn(idle) {
		t.number()
		return t.out
	}

	switch t.in.Kind {
	case KindStart, KindFollow:
		t.start(isNew)
	case KindMedia:
		t.outcome = "media"
		t.say(Reply{Text: t.msg("media_unsupported")})
		t.here()
	case KindButton:
		if isNew {
			t.say(Reply{Text: t.msg("greeting")})
		}
		t.button(t.in.Payload)
	default:
		t.typed(isNew, idle)
	}
	t.number()
	return t.out
}

// restartExpired moves a citizen back after a pause from a step whose code
// has expired (the OTP) to the step it restarts from, and says why.
func (t *turn) restartExpired(idle time.Duration) {
	s := t.step()
	if s == nil || s.ResumeFrom == "" || idle < t.e.resume {
		return
	}
	t.s.Step = s.ResumeFrom
	t.say(Reply{Text: t.msg("resume_restart", "step", t.stepTitle())})
}

// checkPosition drops a position that content updates removed, with a note.
func (t *turn) checkPosition() {
	if t.s.Flow == "" {
		return
	}
	f := t.cat.Flow(t.s.Flow)
	if f == nil {
		t.s.Flow, t.s.Step, t.s.Back = "", "", nil
		return
	}
	if f.Step(t.s.Step) == nil {
		t.s.Step, t.s.Back = f.Start, nil
		t.say(Reply{Text: t.msg("step_gone")})
	}
}

// start answers /start, a web page load or a Zalo follow.
func (t *turn) start(isNew bool) {
	t.outcome = "start"
	if !isNew && t.unfinished() {
		t.greetBack(true)
		return
	}
	t.say(Reply{Text: t.msg("greeting")})
	t.menu()
}

// typed handles free text: the step's choices, then global commands, then the FAQ.
func (t *turn) typed(isNew bool, idle time.Duration) {
	raw := strings.TrimSpace(t.in.Text)
	if a, self := addressFrom(raw); a != "" && (self || t.s.Addr == "") {
		t.s.Addr = a // "cho bác hỏi": called "bác" from now on
	}
	if t.volunteerTyped(raw, isNew) {
		return
	}
	if sensitive := redact.Sensitive(raw); sensitive || t.pieced {
		t.outcome = "sensitive"
		// The question around the secret ("mã otp là … mà không nhận được
		// mã") is still answered, read without the secret; a few words left
		// are only what came with it ("cccd của tôi là"), no question. It is
		// read first, so that the warning is in the language it is written in.
		clean := strings.NewReplacer(redact.Number, " ", redact.Email, " ", redact.Password, " ").Replace(redact.String(raw))
		var r faq.Result
		if len(strings.Fields(clean)) >= minQuestionWords {
			r = t.search(clean, idle)
		}
		warning := "sensitive_warning"
		if redact.IDNumberOnly(raw) || t.pieced && !sensitive {
			warning = "sensitive_id_warning" // their own card number: no emergency steps
		}
		t.say(Reply{Text: t.msg(warning)})
		// In a guide, only a clear question leaves the step ("038… số này
		// đúng không" at "Nhập số định danh" is about the step).
		if r.Verdict == faq.Confident || r.Verdict == faq.Unsure && !t.unfinished() {
			t.ask(clean, r)
			return
		}
		t.here()
		return
	}
	if host, real := t.cat.Lookalike(raw); host != "" {
		// "link vneid-gov.com.vn có phải thật không": the verdict first,
		// then what the rest of the message asks, or the fake-link advice.
		t.outcome = "lookalike_link"
		t.say(Reply{Text: t.msg("lookalike_link", "host", host, "real", real)})
		r := t.search(raw, idle)
		if to := t.cat.Meta.LookalikeEntry; to != "" && !(r.Verdict == faq.Confident && t.scamEntry(r.Hits[0].ID)) {
			t.answer(to, false)
			return
		}
		t.ask(raw, r)
		return
	}
	folded := vntext.Fold(raw)
	if ref, ok := startCommand(raw); ok {
		if isNew && ref != "" {
			t.s.Ref = ref
		}
		t.start(isNew)
		return
	}
	if isNew {
		r := t.search(raw, idle)
		if r.Verdict == faq.Greeting {
			t.start(true)
			return
		}
		t.say(Reply{Text: t.msg("greeting")})
	}
	if t.also != "" && asksOtherQuestion(folded) {
		t.button(content.ArgPayload("q", t.also)) // "việc thứ 2", "còn câu kia thì sao"
		return
	}
	if n, ok := optionNumber(folded); ok && n >= 1 && n <= len(t.s.Options) {
		t.button(t.s.Options[n-1]) // "2", "cái thứ 2", "số hai", "the first one"
		return
	}
	if ch := t.choiceFor(folded); ch != nil {
		t.choose(t.s.Flow, t.s.Step, ch)
		return
	}
	if t.said == personOffered && t.b.saysYes(folded) && t.e.handoff != nil {
		t.handoff("") // "có" to "Bạn có muốn nói chuyện với cán bộ không?"
		return
	}
	if g, ok := t.b.command(folded); ok && (g != "unclear" || t.said == "") {
		// "ko hiểu" after an answer asks that answer's details (a
		// follow-up); after a step or the menu it is about them.
		t.button(g)
		return
	}
	if folded == "" && strings.ContainsAny(raw, "?？") { // "?", "???": asks what the bot can do
		t.button("help")
		return
	}
	if t.wantsPerson(folded) {
		t.handoff(raw)
		return
	}
	r := t.search(raw, idle)
	if !isNew && t.unfinished() && idle >= t.e.resume {
		// Back after a pause with something that is not an answer to the
		// step: offer to resume before anything else.
		t.greetBack(r.Verdict != faq.Confident)
		if r.Verdict == faq.Confident {
			t.answer(r.Hits[0].ID, false)
		}
		return
	}
	t.ask(raw, r)
}

// scamEntry reports whether entry id is written for a scam: one that a
// situation with a warning prefers (vocab.yaml, asked_for_code).
func (t *turn) scamEntry(id string) bool {
	return slices.ContainsFunc(t.cat.Vocab.Situations, func(s content.Situation) bool { return s.Warn != "" && s.WrittenFor(id) })
}

// minQuestionWords is how many words a message must keep, once a secret is
// taken out of it, to be read as a question.
const minQuestionWords = 5

// search reads free text once per turn, in the light of what the
// conversation knows: the last topic (when the citizen is still on it) and
// the situations they described. It remembers new situations.
func (t *turn) search(raw string, idle time.Duration) faq.Result {
	if t.result == nil {
		cx := faq.Context{Situations: t.s.Sit}
		if idle < t.e.resume {
			cx.Last = t.s.LastFAQ
		}
		asked := t.locale()
		r := t.b.found.search(t.b.faq, raw, asked, cx)
		t.adoptLanguage(r)
		if t.locale() != asked {
			r = t.retitled(r)
		}
		t.result = &r
		t.s.remember(r.Situations)
	}
	return *t.result
}

// retitled returns r with its entries' questions in the turn's language:
// the search was asked in the conversation's language, and this message
// switched it (a citizen who wrote English now writes Vietnamese). The
// hits may be shared with the search cache, so they are copied.
func (t *turn) retitled(r faq.Result) faq.Result {
	hits := slices.Clone(r.Hits)
	for i := range hits {
		if e := t.cat.Entry(hits[i].ID); e != nil {
			hits[i].Question = t.text(e.Title)
		}
		if r.Second != nil && hits[i].ID == r.Second.ID {
			r.Second = &hits[i]
		}
	}
	r.Hits = hits
	return r
}

// adoptLanguage answers in the language the citizen writes or asks for.
// Writing in a language switches to it until the citizen picks one; asking
// ("english please") is a pick. Writing Vietnamese, with its marks or
// clearly without ("toi quen mat khau"), switches back even from a pick:
// nobody who cannot read Vietnamese writes it, and an elderly citizen may
// have tapped "English" by mistake.
func (t *turn) adoptLanguage(r faq.Result) {
	def := t.cat.DefaultLocale()
	switch {
	case r.LangRequest != "" && t.cat.HasLocale(r.LangRequest):
		t.s.Locale, t.s.Picked = r.LangRequest, true
	case r.Lang == def && t.s.Locale != def:
		t.s.Locale, t.s.Picked = def, false
	case r.Lang != "" && !t.s.Picked && t.cat.HasLocale(r.Lang):
		t.s.Locale = r.Lang
	}
}

// startCommand recognises "/start" and "/start <ref>" typed as text.
func startCommand(raw string) (ref string, ok bool) {
	f := strings.Fields(raw)
	if len(f) == 0 || !strings.EqualFold(strings.SplitN(f[0], "@", 2)[0], "/start") {
		return "", false
	}
	if len(f) > 1 {
		ref = f[1]
	}
	return ref, true
}

// choiceFor finds the current step's choice that folded text names: its
// label, one of its words, or its id.
func (t *turn) choiceFor(folded string) *content.Choice {
	step := t.step()
	if step == nil {
		return nil
	}
	typed := t.b.typed[t.s.Flow+"/"+step.ID]
	spelled := withoutCalls(t.b.spell(folded))
	id, ok := typed[spelled]
	if !ok {
		id, ok = choiceWithin(typed, spelled)
	}
	if !ok {
		// "có ạ", "dạ có", "chưa có con": the choice with the polite words
		// around it taken off.
		if bare := t.b.trimFiller(spelled, typed); bare != "" && bare != spelled {
			id, ok = typed[bare]
		}
	}
	if !ok {
		// "chọn NFC" for the button "Tôi chọn NFC": the label's own words.
		id, ok = t.labelNamed(step, t.b.trimFiller(spelled, typed))
	}
	if !ok && t.b.saysYes(folded) {
		// "đc", "ừ được" at a step whose choice takes "ok": that choice, in
		// the step's order, rather than a search of the word
		id, ok = t.yesChoice(step, typed)
	}
	if !ok {
		return nil
	}
	return step.Choice(id)
}

// labelNamed finds the one choice of step whose button label, in the
// conversation's language, holds every word of a message of two words or
// more, in the label's order: what a citizen reads off the button.
func (t *turn) labelNamed(step *content.Step, spelled string) (string, bool) {
	words := plainWords(spelled)
	if len(words) < 2 {
		return "", false
	}
	found := ""
	for _, ch := range step.Choices {
		label := plainWords(t.b.spell(vntext.Fold(t.text(ch.Label))))
		if !inOrder(words, label) {
			continue
		}
		if found != "" {
			return "", false
		}
		found = ch.ID
	}
	return found, found != ""
}

// plainWords splits s into words, dropping the punctuation between them.
func plainWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) })
}

// inOrder reports whether every word of words is in label, in order.
func inOrder(words, label []string) bool {
	i := 0
	for _, w := range label {
		if i < len(words) && words[i] == w {
			i++
		}
	}
	return i == len(words)
}

// calledWords are whom a citizen calls with "ơi" ("cháu ơi", "ad ơi"),
// folded.
var calledWords = map[string]bool{"chau": true, "con": true, "ban": true, "ad": true, "admin": true, "bot": true, "em": true,
	"anh": true, "chi": true, "co": true, "chu": true, "bac": true, "ong": true, "ba": true, "me": true, "bo": true, "ma": true}

// withoutCalls drops the calls from a folded message ("duoc roi chau oi,
// len chu roi"), which say nothing of the step's choice.
func withoutCalls(folded string) string {
	words := strings.Fields(folded)
	out := words[:0]
	for i, w := range words {
		if w == "oi" || calledWords[w] && i+1 < len(words) && words[i+1] == "oi" {
			continue
		}
		out = append(out, w)
	}
	return strings.Join(out, " ")
}

// choiceWithin finds the one choice a short message names by a phrase of
// two words or more ("cài xong" in "cai xong r nha"); a message up to twice
// as long, by a phrase of three words or more, which says more ("làm theo
// rồi mà nó báo sai thông tin"). A longer message, or one naming two
// choices, is read as a question instead.
func choiceWithin(typed map[string]string, spelled string) (string, bool) {
	spelled = strings.Join(plainWords(spelled), " ")
	n := len(strings.Fields(spelled))
	if n > 2*maxChoiceWords {
		return "", false
	}
	minWords := 2
	if n > maxChoiceWords {
		minWords = 3
	}
	found := ""
	padded := " " + spelled + " "
	for phrase, id := range typed {
		if len(strings.Fields(phrase)) < minWords || !strings.Contains(padded, " "+phrase+" ") {
			continue
		}
		if found != "" && found != id {
			return "", false
		}
		found = id
	}
	return found, found != ""
}

// maxChoiceWords is the longest message (in words) read as a step's choice
// by a phrase inside it.
const maxChoiceWords = 6

// button handles a payload, from a pressed button or a typed number or command.
func (t *turn) button(payload string) {
	if payload == "lang" {
		t.langPrompt()
		return
	}
	p, ok := content.ParsePayload(payload)
	if !ok {
		t.outcome = "bad_payload"
		t.say(Reply{Text: t.msg("not_a_choice")})
		t.here()
		return
	}
	switch p.Kind {
	case "c":
		f := t.cat.Flow(p.Flow)
		var ch *content.Choice
		if f != nil && p.Flow == t.s.Flow && p.Step == t.s.Step {
			if step := f.Step(p.Step); step != nil {
				ch = step.Choice(p.Choice)
			}
		}
		if ch == nil {
			t.outcome = "stale_button"
			t.say(Reply{Text: t.msg("stale_button")})
			t.here()
			return
		}
		t.choose(p.Flow, p.Step, ch)
	case "f":
		if t.cat.Flow(p.Arg) == nil {
			t.say(Reply{Text: t.msg("stale_button")})
			t.menu()
			return
		}
		t.enter(p.Arg, "", true)
	case "q":
		if t.cat.Entry(p.Arg) == nil {
			t.say(Reply{Text: t.msg("stale_button")})
			t.menu()
			return
		}
		t.answer(p.Arg, true)
	case "m":
		if t.cat.Entry(p.Arg) == nil {
			t.say(Reply{Text: t.msg("stale_button")})
			t.menu()
			return
		}
		t.more(p.Arg)
	case "none":
		t.noneOfThese()
	case "handoff":
		t.handoff("")
	case "handoff_leave":
		t.handoffLeave()
	case "y", "n":
		if t.cat.Entry(p.Arg) == nil {
			// a vote for no entry would grow the vote counts with every id a
			// stranger makes up (security review T3)
			t.say(Reply{Text: t.msg("stale_button")})
			t.menu()
			return
		}
		t.helpful(p.Kind == "y", p.Arg)
	case "l":
		if t.cat.HasLocale(p.Arg) {
			t.s.Locale, t.s.Picked = p.Arg, true
		}
		t.say(Reply{Text: t.msg("lang_set")})
		t.here()
	case "menu":
		t.outcome = "menu"
		t.menu()
	case "back":
		t.back()
	case "stuck":
		t.stuck()
	case "resume":
		t.outcome = "resume"
		if e := t.cat.Entry(t.s.LastFAQ); e != nil && !t.unfinished() {
			// "hôm qua làm tới đâu rồi" with no guide under way: what the
			// citizen was reading last, one tap away, above the menu
			title := t.text(e.Title)
			t.say(Reply{Text: t.msg("resume_last_faq", "title", title), Buttons: [][]Button{{{Label: title, Payload: content.ArgPayload("q", e.ID)}}}})
		}
		t.here()
	case "share":
		t.outcome = "share"
		t.share()
	case "stats":
		t.outcome = "volunteer_stats"
		t.volunteerStats()
	case "help":
		t.outcome = "help"
		t.say(Reply{Text: t.msg("help")})
		t.here()
	case "bot":
		// "mày là bot hả": yes, and where the people are.
		t.outcome = "about_bot"
		t.say(Reply{Text: t.msg("about_bot"), Buttons: t.handoffRows()})
		t.here()
	case "unclear":
		// "ko hiểu" at a step: the step again, with the ways on, instead of
		// a guess at a question (a persona got three unrelated answers).
		t.outcome = "unclear"
		if t.unfinished() {
			t.say(Reply{Text: t.msg("unclear_step")})
		} else {
			t.say(Reply{Text: t.msg("help")})
		}
		t.here()
	}
}

// choose follows a step's choice: to another step of the flow (through the
// flow's state machine), into another flow, to a FAQ answer, or to the menu.
func (t *turn) choose(flow, step string, ch *content.Choice) {
	next := ch.Next
	switch {
	case next == "menu":
		t.s.Flow, t.s.Step, t.s.Back = "", "", nil
		t.menu()
	case strings.HasPrefix(next, "flow:"):
		t.s.push(flow, step)
		t.enter(strings.TrimPrefix(next, "flow:"), "", false)
	case strings.HasPrefix(next, "faq:"):
		t.answer(strings.TrimPrefix(next, "faq:"), true)
	default:
		m := t.b.newFSM(flow, step)
		// No callback runs asynchronously, so the event completes in this call;
		// a context that ends mid-update must not leave a transition half done.
		err := m.Event(context.WithoutCancel(context.Background()), ch.ID)
		if err != nil && !errors.As(err, &fsm.NoTransitionError{}) {
			t.e.log.Error("flow transition failed", "flow", flow, "step", step, "choice", ch.ID, "err", err)
			t.say(Reply{Text: t.msg("error_internal")})
			t.here()
			return
		}
		t.s.push(flow, step)
		t.s.Step = m.Current()
		t.outcome = "step"
		t.renderStep()
	}
}

// enter starts a flow at step (its start when empty). fromMenu clears the
// Back stack: a flow chosen from the menu starts a new path.
func (t *turn) enter(flow, step string, fromMenu bool) {
	f := t.cat.Flow(flow)
	if step == "" {
		step = f.Start
	}
	if fromMenu {
		t.s.Back = nil
	}
	t.s.Flow, t.s.Step = flow, step
	t.outcome = "step"
	t.renderStep()
}

func (t *turn) back() {
	t.outcome = "back"
	flow, step, ok := t.s.pop()
	for ok && (t.cat.Flow(flow) == nil || t.cat.Flow(flow).Step(step) == nil) {
		flow, step, ok = t.s.pop()
	}
	if !ok {
		t.s.Flow, t.s.Step = "", ""
		t.say(Reply{Text: t.msg("nothing_to_go_back")})
		t.menu()
		return
	}
	t.s.Flow, t.s.Step = flow, step
	t.renderStep()
}

// stuck offers the troubleshooting targets of the current step.
func (t *turn) stuck() {
	t.outcome = "stuck"
	step := t.step()
	if step != nil {
		t.emit(Event{Kind: EventStuck, Flow: t.s.Flow, Step: step.ID})
	}
	if (step == nil || step.End && len(step.Stuck) == 0) && t.cat.Flow(t.cat.Meta.StuckFlow) != nil {
		t.enter(t.cat.Meta.StuckFlow, "", false) // stuck outside a guide, or past its end: the common problems
		return
	}
	if step == nil || len(step.Stuck) == 0 {
		t.say(Reply{Text: t.msg("stuck_none"), Buttons: t.withNav(t.handoffRows(), false)})
		return
	}
	var rows [][]Button
	for _, target := range step.Stuck {
		if b, ok := t.targetButton(target, nil); ok {
			rows = append(rows, []Button{b})
		}
	}
	rows = append(rows, t.handoffRows()...)
	rows = append(rows, []Button{t.hotlineButton()})
	t.say(Reply{Text: t.msg("stuck_prompt"), Buttons: t.withNav(rows, false)})
}

// ask answers free text from the FAQ: an answer (or, for a follow-up or a
// question asked again, the next action), a short list when unsure, or a
// way on when nothing fits.
func (t *turn) ask(raw string, r faq.Result) {
	if r.LangRequest != "" && r.Verdict != faq.Confident {
		t.outcome = "lang"
		t.say(Reply{Text: t.msg("lang_set")})
		t.here()
		return
	}
	t.outcome = "faq_" + r.Verdict.String()
	t.warn(r)
	var also []faq.Hit // other questions of the same message, offered after the answer
	if !r.Vague && (r.Verdict == faq.Unsure || r.Verdict == faq.NoMatch || r.Verdict == faq.Confident && r.Second == nil && !r.Followup) {
		if sure, guesses, ok := t.questionsIn(raw); ok {
			// "tai vneid o dau, co mat tien ko": one part asked outright is
			// answered, the others offered, instead of a guess at the whole.
			if r.Verdict != faq.Confident {
				r = faq.Result{Verdict: faq.Confident, Hits: sure[:1], Situations: r.Situations}
				t.outcome = "faq_parts"
			}
			for _, h := range append(sure, guesses...) {
				if h.ID != r.Hits[0].ID {
					also = append(also, h)
				}
			}
		}
	}
	// Thanks, or thanks with a word of what comes next and nothing asked
	// ("cảm ơn, để tôi ra công an phường", "thôi để mai làm, giờ bận nấu
	// cơm"): a goodbye, not the registration guide or a refusal, and no
	// miss (a persona got "Không có gì ạ!" and then an officer offered).
	bye := !r.Vague && (r.Verdict == faq.Thanks || r.Verdict != faq.Confident && r.Verdict != faq.Greeting && t.thanksThenTells(raw))
	if !bye && (r.Verdict == faq.Unsure || r.Verdict == faq.NoMatch || r.Verdict == faq.OutOfScope) && containsAny(vntext.Fold(raw), complaintPhrases) {
		t.complaint(raw)
		return
	}
	switch {
	case bye || r.Verdict == faq.Confident || r.Verdict == faq.Greeting:
		t.s.Misses = 0
	case !r.Vague: // "tôi muốn làm vneid" gets the steps and the menu: an answer, not a miss
		t.s.Misses++
	}
	if t.s.Misses == 2 && t.e.handoff != nil {
		defer t.offerPerson() // after the answer: two misunderstood messages in a row
	}
	if r.Vague {
		t.emit(Event{Kind: EventFAQMissed, Text: redact.String(raw)})
		t.vagueMenu()
		return
	}
	if bye {
		if ch := t.choiceBesideThanks(raw); ch != nil {
			t.choose(t.s.Flow, t.s.Step, ch) // "xong hết rồi, cảm ơn con nhiều nhen": done, and on
			return
		}
		t.goodbye()
		return
	}
	switch r.Verdict {
	case faq.Confident:
		id := r.Hits[0].ID
		switch {
		case (r.Followup || stillFailing(vntext.Fold(raw))) && t.said == nextShown+id:
			// the next action did not help either: "bấm gửi lại rồi vẫn
			// không có" names the entry again, and saying it again would
			// not help
			t.followupAgain(id)
			return
		case r.Followup || id == t.said:
			t.followup(id)
			return
		}
		t.answer(id, false)
		if r.Second != nil {
			also = []faq.Hit{*r.Second}
		}
		t.alsoAsked(also)
	case faq.Greeting:
		if t.unfinished() {
			t.greetBack(true)
			return
		}
		t.say(Reply{Text: t.msg("smalltalk_greeting"), Buttons: t.continueOrMenu()})
	case faq.Unsure, faq.NoMatch:
		if t.unfinished() && t.namesStep(raw) {
			// "email ko có thì bỏ trống được không" at the level-1 form:
			// the step's own text answers what names it
			t.outcome = "step_again"
			t.here()
			return
		}
		if flow, ok := t.sharedFlow(raw, r.Hits); ok {
			// "muon dang ky muc 2", "đăng nhập vô máy mới": the close
			// guesses are steps of one guide, which asks what it needs.
			t.emit(Event{Kind: EventFAQUnsure, Entry: r.Hits[0].ID, Text: redact.String(raw)})
			t.s.Misses = 0
			t.enter(flow, "", false)
			return
		}
		if r.Verdict == faq.NoMatch {
			t.fallback(raw, r)
			return
		}
		t.emit(Event{Kind: EventFAQUnsure, Entry: r.Hits[0].ID, Text: redact.String(raw)})
		rows := append(t.hitRows(r.Hits), []Button{{Label: t.msg("btn_none_of_these"), Payload: "none"}})
		t.say(Reply{Text: t.msg("faq_suggest"), Buttons: t.withNav(rows, false)})
	case faq.OutOfScope:
		t.emit(Event{Kind: EventFAQOutOfScope, Text: redact.String(raw)})
		t.say(Reply{Text: t.msg("out_of_scope"), Buttons: t.continueOrMenu()})
	default:
		t.fallback(raw, r)
	}
}

// goodbye answers thanks and goodbyes: in the middle of a guide, that the
// place is kept for when the citizen comes back ("thôi để mai làm").
func (t *turn) goodbye() {
	key := "smalltalk_thanks"
	if t.unfinished() {
		key = "smalltalk_pause"
	}
	t.say(Reply{Text: t.msg(key), Buttons: t.continueOrMenu()})
}

// choiceBesideThanks returns the step's choice that a part of a thanking
// message is, word for word ("xong hết rồi" in "xong hết rồi, cảm ơn con
// nhiều nhen"), or nil. Only whole parts count: "đăng nhập được rồi, cảm
// ơn" holds "được rồi" but says the citizen is done, not this step.
func (t *turn) choiceBesideThanks(raw string) *content.Choice {
	step := t.step()
	if step == nil || !t.unfinished() {
		return nil
	}
	typed := t.b.typed[t.s.Flow+"/"+step.ID]
	for _, p := range clauseSplit.Split(raw, -1) {
		f := vntext.Fold(strings.TrimSpace(p))
		if f == "" || t.b.saysYes(f) {
			continue // "ok, cảm ơn": heard, not done
		}
		spelled := withoutCalls(t.b.spell(f))
		id, ok := typed[spelled]
		if !ok {
			id, ok = typed[t.b.trimFiller(spelled, typed)]
		}
		if ch := step.Choice(id); ok && ch != nil {
			return ch
		}
	}
	return nil
}

// complaintPhrases say that the citizen is fed up ("mấy ông làm ăn tào
// lao", "bực mình quá"), folded.
var complaintPhrases = []string{"tao lao", "lam an kieu", "lam an the", "buc minh", "buc qua", "buc that", "chan qua", "chan that",
	"qua te", "te qua", "vo dung", "that vong", "useless", "terrible", "ridiculous", "waste of time", "so annoying", "frustrated", "frustrating"}

// complaint answers a fed-up message that asks nothing the bot can answer
// ("thử 3 ngày rồi vẫn vậy, tổng đài gọi không ai bắt máy, làm ăn tào
// lao"): an apology and the people who can help at once, not a list of
// guesses (fifth persona round). Operators see it among the unanswered.
func (t *turn) complaint(raw string) {
	t.outcome = "complaint"
	t.s.Misses = 0
	t.emit(Event{Kind: EventFAQMissed, Text: redact.String(raw)})
	rows := append(t.handoffRows(), []Button{t.hotlineButton()})
	t.say(Reply{Text: t.msg("complaint_sorry"), Buttons: append(rows, t.continueOrMenu()...)})
}

// fallback answers a message nothing fits: the closest entries, the
// hotline, and the way on.
func (t *turn) fallback(raw string, r faq.Result) {
	t.emit(Event{Kind: EventFAQMissed, Text: redact.String(raw)})
	rows := append(t.hitRows(r.Hits), []Button{t.hotlineButton()})
	if t.s.Turns == 1 {
		t.menuInto(&rows) // a first message: the menu shows what the bot can do
	} else {
		rows = append(rows, t.continueOrMenu()...)
	}
	t.say(Reply{Text: t.msg(faq.FallbackKey(t.cat, r.Hits)), Buttons: rows})
}

// namesStep reports whether raw names a word that the current step's text
// uses and few other steps do (bundle.stepWords).
func (t *turn) namesStep(raw string) bool {
	set := t.b.stepWords[t.s.Flow+"/"+t.s.Step]
	for _, w := range vntext.Words(raw) {
		if set[w] {
			return true
		}
	}
	return false
}

// thanksThenTells reports whether a message thanks, first or last, and
// otherwise only tells, asking nothing ("cảm ơn, để tôi ra công an
// phường", "Đăng nhập được rồi, cảm ơn bạn nhiều lắm").
func (t *turn) thanksThenTells(raw string) bool {
	var parts []string
	for _, p := range clauseSplit.Split(raw, -1) {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) < 2 {
		return false
	}
	thanks := func(p string) bool { return t.b.faq.Search(p, t.locale()).Verdict == faq.Thanks }
	rest := parts[1:]
	if !thanks(parts[0]) {
		if !thanks(parts[len(parts)-1]) {
			return false
		}
		rest = parts[:len(parts)-1]
	}
	return !slices.ContainsFunc(rest, faq.Asks)
}

// sharedFlow returns the guide that the two best guesses for a short
// message both belong to, when the citizen is not in it already: its first
// step asks what tells them apart (Android or iPhone, the old phone at hand
// or not).
func (t *turn) sharedFlow(raw string, hits []faq.Hit) (string, bool) {
	if len(hits) < 2 || len(strings.Fields(raw)) > maxGuideWords || t.b.onlyAnswerWords(vntext.Fold(raw)) {
		return "", false // "đc", "ok", "không": an answer, not which guide
	}
	if t.unfinished() && !faq.Asks(raw) {
		// In a guide, what a citizen tells rather than asks is likelier
		// about the step than a wish for another guide ("kiếm hoài hổng
		// thấy app" at the store step): the closest entries and the way
		// back, not a switch ("đăng nhập vô máy mới được không" asks).
		return "", false
	}
	a, b := t.cat.Entry(hits[0].ID), t.cat.Entry(hits[1].ID)
	if a == nil || b == nil || a.Flow == "" || a.Flow != b.Flow || a.Flow == t.s.Flow || t.cat.Flow(a.Flow) == nil {
		return "", false
	}
	return a.Flow, true
}

// yesChoice returns the first of step's choices that takes a yes word
// typed alone ("ok", "được", "có").
func (t *turn) yesChoice(step *content.Step, typed map[string]string) (string, bool) {
	for _, ch := range step.Choices {
		for w, id := range typed {
			if id == ch.ID && t.b.yes[w] {
				return id, true
			}
		}
	}
	return "", false
}

// maxGuideWords is the longest message (in words) that sharedFlow sends
// into a guide: a longer one says more than which guide it wants.
const maxGuideWords = 8

// vagueMenu answers "cái vneid này làm sao": the steps in a sentence and
// the main menu, with the guide left unfinished first.
func (t *turn) vagueMenu() {
	t.outcome = "faq_vague"
	var rows [][]Button
	if t.unfinished() {
		rows = append(rows, []Button{t.resumeButton()})
	}
	t.menuInto(&rows)
	t.say(Reply{Text: t.msg("vague_prompt"), Buttons: rows})
}

// warn says the warning of a situation the message tells ("có người đòi
// mã OTP"), before the reply, unless the reply is an entry written for that
// situation: a citizen the bot does not understand may be on the phone
// with a scammer right now.
func (t *turn) warn(r faq.Result) {
	if s := t.warnSituation(r); s != nil {
		t.say(Reply{Text: t.msg(s.Warn)})
	}
}

// warnSituation returns the situation with a warning that r's message
// tells, unless r answers it with an entry written for it; or nil.
func (t *turn) warnSituation(r faq.Result) *content.Situation {
	for i, s := range t.cat.Vocab.Situations {
		if s.Warn == "" || !slices.Contains(r.Situations, s.ID) {
			continue
		}
		if r.Verdict == faq.Confident && s.WrittenFor(r.Hits[0].ID) {
			continue
		}
		return &t.cat.Vocab.Situations[i]
	}
	return nil
}

// followup gives the next action of entry id, for "vậy giờ làm sao" after
// its answer or the same question asked again: a short text from another
// angle, not the same long answer.
func (t *turn) followup(id string) {
	e := t.cat.Entry(id)
	t.outcome = "faq_followup"
	t.s.LastFAQ = id
	t.emit(Event{Kind: EventFAQAnswered, Entry: id})
	rows := t.entryRows(e)
	for i, r := range e.Related {
		if i == 3 {
			break
		}
		if re := t.cat.Entry(r); re != nil {
			rows = append(rows, []Button{{Label: t.text(re.Title), Payload: content.ArgPayload("q", r)}})
		}
	}
	text := t.text(e.Next)
	if text == "" {
		text = t.msg("faq_followup_related")
	}
	rows = t.withHotline(rows)
	t.say(Reply{Text: text, Buttons: append(rows, t.continueOrMenu()...)})
	t.s.Said = nextShown + id
}

// nextShown marks, in Session.Said, that the last turn gave an entry's
// next action rather than its answer.
const nextShown = "next:"

// stillNegations follow "vẫn" when what was tried still fails ("vẫn
// không", "vẫn chưa được", "vẫn bị", "vẫn thế", "vẫn báo"), folded. Adjacent only:
// "vân tay không nhận" is about fingerprints.
var stillNegations = map[string]bool{"khong": true, "ko": true, "k": true, "kg": true, "khg": true, "hong": true, "hok": true,
	"chua": true, "ch": true, "chang": true, "bi": true, "loi": true, "the": true, "vay": true, "y": true, "bao": true}

// stillFailing reports whether folded says that what was tried still fails.
func stillFailing(folded string) bool {
	words := strings.Fields(folded)
	for i, w := range words {
		if w == "still" || w == "van" && i+1 < len(words) && stillNegations[words[i+1]] {
			return true
		}
	}
	return false
}

// followupAgain answers a second follow-up in a row on one topic ("vẫn
// không hiểu" after the next action): the answer's details, which say it
// another way, and the people who can help; never the same text a third time.
func (t *turn) followupAgain(id string) {
	e := t.cat.Entry(id)
	t.outcome = "faq_followup_again"
	t.s.LastFAQ = id
	t.emit(Event{Kind: EventFAQAnswered, Entry: id})
	if more := t.text(e.More); more != "" {
		t.say(Reply{Text: more})
	}
	rows := append(t.handoffRows(), []Button{t.hotlineButton()})
	t.say(Reply{Text: t.msg("faq_followup_again"), Buttons: append(rows, t.continueOrMenu()...)})
}

// more shows the rest of a FAQ answer ("Xem thêm").
func (t *turn) more(id string) {
	e := t.cat.Entry(id)
	t.outcome = "faq_more"
	t.s.LastFAQ = id
	t.s.Said = id // asked again after its details, it gets its next action
	text := t.text(e.More)
	if text == "" {
		text = t.text(e.Answer)
	}
	t.say(Reply{Text: text, Buttons: t.continueOrMenu()})
}

// noneOfThese answers "Không phải các câu trên": ask for a shorter
// question, and give the people who can help.
func (t *turn) noneOfThese() {
	t.outcome = "faq_none_of_these"
	t.s.Misses++
	rows := append(t.handoffRows(), []Button{t.hotlineButton()})
	t.say(Reply{Text: t.msg("faq_none_of_these"), Buttons: append(rows, t.continueOrMenu()...)})
}

// entryRows are the buttons under an entry's answer: "Xem thêm" when it has
// more, its flow, and its links.
func (t *turn) entryRows(e *content.Entry) [][]Button {
	var rows [][]Button
	if t.text(e.More) != "" {
		rows = append(rows, []Button{{Label: t.msg("faq_more_button"), Payload: content.ArgPayload("m", e.ID)}})
	}
	if e.Flow != "" && t.cat.Flow(e.Flow) != nil {
		rows = append(rows, []Button{{Label: t.text(t.cat.Flow(e.Flow).Title), Payload: content.ArgPayload("f", e.Flow)}})
	}
	return append(rows, t.linkRows(e.Links)...)
}

func (t *turn) hitRows(hits []faq.Hit) [][]Button {
	var rows [][]Button
	for _, h := range hits {
		rows = append(rows, []Button{{Label: h.Question, Payload: content.ArgPayload("q", h.ID)}})
	}
	return rows
}

// answer shows a FAQ entry: the answer, its flow and links, related entries,
// "did this help?", and the way back to the step the user was on.
func (t *turn) answer(id string, chosen bool) {
	e := t.cat.Entry(id)
	if e == nil {
		t.menu()
		return
	}
	if chosen {
		t.outcome = "faq_chosen"
	}
	t.s.LastFAQ, t.s.Said, t.s.Vote = id, id, id
	t.emit(Event{Kind: EventFAQAnswered, Entry: id})
	t.say(Reply{Text: t.text(e.Answer), Buttons: t.entryRows(e)})

	var more [][]Button
	for i, r := range e.Related {
		if i == 2 {
			break
		}
		if re := t.cat.Entry(r); re != nil {
			more = append(more, []Button{{Label: t.text(re.Title), Payload: content.ArgPayload("q", r)}})
		}
	}
	more = append(more, []Button{
		{Label: t.msg("btn_helpful_yes"), Payload: content.ArgPayload("y", id)},
		{Label: t.msg("btn_helpful_no"), Payload: content.ArgPayload("n", id)},
	})
	more = append(more, t.continueOrMenu()...)
	t.say(Reply{Text: t.msg("faq_helpful"), Buttons: more})
}

// helpful answers 👍/👎 on entry id. The vote counts only for the entry
// the conversation was last answered with, and once: then the mark is
// cleared until the entry is answered again. Other votes (an old answer's
// buttons, a second tap, a made-up payload) are thanked the same but not
// counted, so that nobody can stuff the editor's "needs attention" flag
// (seventh probe, V4).
func (t *turn) helpful(yes bool, id string) {
	kind := EventNotHelpful
	if yes {
		kind = EventHelpful
	}
	if id == t.s.Vote && id == t.s.LastFAQ {
		t.s.Vote = ""
		t.emit(Event{Kind: kind, Entry: id})
	}
	if yes {
		t.outcome = "helpful_yes"
		t.say(Reply{Text: t.msg("helpful_thanks"), Buttons: t.continueOrMenu()})
		return
	}
	t.outcome = "helpful_no"
	t.s.Said = id // asked again, it gets its next action: another angle
	rows := append(t.handoffRows(), []Button{t.hotlineButton()})
	t.say(Reply{Text: t.msg("helpful_sorry"), Buttons: append(rows, t.continueOrMenu()...)})
}

// greetBack welcomes a returning user with a "Tiếp tục" button to their
// step, and the menu unless an answer follows.
func (t *turn) greetBack(withMenu bool) {
	t.outcome = "resume_offer"
	title := t.stepTitle()
	rows := [][]Button{{t.resumeButton()}}
	if withMenu {
		t.menuInto(&rows)
	}
	t.say(Reply{Text: t.msg("greeting_back", "step", title), Buttons: rows})
}

// menu shows the main menu, led by "Tiếp tục" when a flow is unfinished.
func (t *turn) menu() {
	var rows [][]Button
	if t.unfinished() {
		rows = append(rows, []Button{t.resumeButton()})
	}
	t.menuInto(&rows)
	t.say(Reply{Text: t.msg("menu_prompt"), Buttons: rows})
}

func (t *turn) menuInto(rows *[][]Button) {
	for _, it := range t.cat.Meta.Menu {
		if b, ok := t.targetButton(it.Target, it.Label); ok {
			*rows = append(*rows, []Button{b})
		}
	}
	*rows = append(*rows, t.volunteerRows()...)
	*rows = append(*rows, []Button{t.langButton()})
}

func (t *turn) langPrompt() {
	t.outcome = "lang"
	var row []Button
	for _, l := range t.cat.Meta.Locales {
		row = append(row, Button{Label: t.cat.Msg(l, "lang_name"), Payload: content.ArgPayload("l", l)})
	}
	t.say(Reply{Text: t.msg("lang_prompt"), Buttons: [][]Button{row}})
}

// here re-shows where the user is: their step, or the menu.
func (t *turn) here() {
	if t.step() != nil {
		t.renderStep()
		return
	}
	t.menu()
}

// renderStep shows the current step with its choices, links and navigation.
func (t *turn) renderStep() {
	f := t.cat.Flow(t.s.Flow)
	step := t.step()
	var rows [][]Button
	for _, ch := range step.Choices {
		rows = append(rows, []Button{{Label: t.text(ch.Label), Payload: content.ChoicePayload(f.ID, step.ID, ch.ID)}})
	}
	rows = append(rows, t.linkRows(step.Links)...)
	t.say(Reply{Text: t.text(step.Text), Image: step.Image, Buttons: t.withNav(rows, true)})
	t.emit(Event{Kind: EventStep, Flow: f.ID, Step: step.ID})
	if step.End {
		t.outcome = "flow_done"
		t.emit(Event{Kind: EventCompleted, Flow: f.ID, Step: step.ID})
	}
}

// withNav adds the navigation row: Back (when there is somewhere to go back
// to), "Tôi bị kẹt" (on steps) and Menu.
func (t *turn) withNav(rows [][]Button, onStep bool) [][]Button {
	var nav []Button
	if onStep && len(t.s.Back) > 0 {
		nav = append(nav, Button{Label: t.msg("btn_back"), Payload: "back"})
	}
	if onStep && !t.step().End {
		nav = append(nav, Button{Label: t.msg("btn_stuck"), Payload: "stuck"})
	}
	nav = append(nav, Button{Label: t.msg("btn_menu"), Payload: "menu"})
	return append(rows, nav)
}

// continueOrMenu offers the way back to the step (unfinished, or a last
// step with choices), and the menu.
func (t *turn) continueOrMenu() [][]Button {
	// a last step with choices ("Đã cài xong": level 1, level 2, activate)
	// is where "ok" or "cảm ơn" comes, and its choices are what comes next
	if s := t.step(); s != nil && (!s.End || len(s.Choices) > 0) {
		return [][]Button{
			{{Label: t.msg("faq_continue", "step", t.stepTitle()), Payload: "resume"}},
			{{Label: t.msg("btn_menu"), Payload: "menu"}},
		}
	}
	return [][]Button{{{Label: t.msg("btn_menu"), Payload: "menu"}}}
}

func (t *turn) resumeButton() Button {
	return Button{Label: t.msg("resume", "step", t.stepTitle()), Payload: "resume"}
}

// withHotline appends the hotline button to rows unless one of them already
// calls it (an entry's own link).
func (t *turn) withHotline(rows [][]Button) [][]Button {
	h := t.hotlineButton()
	for _, row := range rows {
		for _, b := range row {
			if b.URL == h.URL {
				return rows
			}
		}
	}
	return append(rows, []Button{h})
}

func (t *turn) hotlineButton() Button {
	return Button{Label: t.msg("btn_call_hotline"), URL: "tel:" + strings.ReplaceAll(t.cat.Meta.Hotline, " ", "")}
}

func (t *turn) langButton() Button {
	next := t.cat.DefaultLocale()
	for _, l := range t.cat.Meta.Locales {
		if l != t.locale() {
			next = l
			break
		}
	}
	return Button{Label: t.cat.Msg(next, "lang_switch"), Payload: content.ArgPayload("l", next)}
}

func (t *turn) linkRows(links []*content.Link) [][]Button {
	var rows [][]Button
	for _, l := range links {
		rows = append(rows, []Button{{Label: t.text(l.Label), URL: l.URL}})
	}
	return rows
}

// targetButton makes a button for "flow:<id>" or "faq:<id>".
func (t *turn) targetButton(target string, label content.Text) (Button, bool) {
	kind, id, _ := strings.Cut(target, ":")
	switch kind {
	case "flow":
		f := t.cat.Flow(id)
		if f == nil {
			return Button{}, false
		}
		if label == nil {
			label = f.Title
		}
		return Button{Label: t.text(label), Payload: content.ArgPayload("f", id)}, true
	case "faq":
		e := t.cat.Entry(id)
		if e == nil {
			return Button{}, false
		}
		if label == nil {
			label = e.Title
		}
		return Button{Label: t.text(label), Payload: content.ArgPayload("q", id)}, true
	}
	return Button{}, false
}

// step returns the current step, or nil at the menu.
func (t *turn) step() *content.Step {
	if t.s.Flow == "" {
		return nil
	}
	f := t.cat.Flow(t.s.Flow)
	if f == nil {
		return nil
	}
	return f.Step(t.s.Step)
}

// unfinished reports whether the user is inside a flow they have not completed.
func (t *turn) unfinished() bool {
	s := t.step()
	return s != nil && !s.End
}

// stepTitle names the current step for "Tiếp tục" buttons.
func (t *turn) stepTitle() string {
	s := t.step()
	if s == nil {
		return ""
	}
	if s.Title != nil {
		return t.text(s.Title)
	}
	return t.text(t.cat.Flow(t.s.Flow).Title)
}

// number gives every payload button of this turn a number the user can type,
// and remembers which payload each number stands for.
func (t *turn) number() {
	t.s.Options = t.s.Options[:0]
	addr := ""
	if t.locale() == "vi" {
		addr = t.s.Addr
	}
	for i := range t.out {
		t.out[i].Locale = t.locale()
		t.out[i].Text = addressAs(t.out[i].Text, addr)
		for _, row := range t.out[i].Buttons {
			for j := range row {
				row[j].Label = clip(addressAs(row[j].Label, addr), content.MaxButtonLabel)
				if row[j].Payload != "" {
					t.s.Options = append(t.s.Options, row[j].Payload)
					row[j].Number = len(t.s.Options)
				}
			}
		}
	}
}

// clip shortens s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// ordinalWords are the words before a button's number ("cái thứ 2", "số
// 2", "chọn số hai", "the second one"), folded. Not "mục": unmarked it is
// also "mức" (level); not "việc", "ý", "câu": "việc thứ 2" is the
// citizen's own second question, not the second button; not "con": "con
// ba" is "còn ba" (and dad?).
var ordinalWords = map[string]bool{"cai": true, "so": true, "thu": true, "nut": true, "chon": true, "option": true, "number": true, "the": true, "choice": true, "button": true}

// ordinalNumbers are numbers said as words after those ("thứ nhất", "số
// hai", "cái đầu tiên"), English ordinals besides. Not "sáu": "cái sau" is
// "the latter".
var ordinalNumbers = map[string]int{"nhat": 1, "dau": 1, "hai": 2, "nhi": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "bay": 7, "tam": 8, "chin": 9}

// englishOrdinals pick a button after those words or typed alone ("the
// second one", "second").
var englishOrdinals = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}

// ordinalTail may end such a message ("cái đầu tiên", "số 2 nha").
var ordinalTail = map[string]bool{"tien": true, "one": true, "a": true, "nha": true, "nhe": true, "di": true, "ak": true, "ah": true, "please": true}

// optionNumber reads the number of a shown button from a message typed
// alone: a number ("2"), or one after words that point at a button ("cai
// thu 2", "so hai", "the second one"). A number word alone ("hai") is no
// button: it may be an answer.
func optionNumber(folded string) (int, bool) {
	if n, err := strconv.Atoi(folded); err == nil {
		return n, true
	}
	words := strings.Fields(folded)
	for len(words) > 1 && ordinalTail[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	if len(words) == 1 {
		n, ok := englishOrdinals[words[0]]
		return n, ok
	}
	if len(words) == 0 || len(words) > 4 {
		return 0, false
	}
	for _, w := range words[:len(words)-1] {
		if !ordinalWords[w] {
			return 0, false
		}
	}
	last := words[len(words)-1]
	if n, err := strconv.Atoi(last); err == nil {
		return n, true
	}
	if n, ok := ordinalNumbers[last]; ok {
		return n, true
	}
	n, ok := englishOrdinals[last]
	return n, ok
}
