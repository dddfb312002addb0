package flows

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/looplab/fsm"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/retry"
	"github.com/vneid-guide/vneidbot/internal/session"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Options configure an Engine.
type Options struct {
	Logger *slog.Logger
	// Metrics, when set, receives the engine's counters.
	Metrics prometheus.Registerer
	// Now is the clock; time.Now by default. Tests inject a fake one.
	Now func() time.Time
	// ResumeAfter is the pause after which a returning user in an unfinished
	// flow is greeted with a "Tiếp tục" button (30 minutes by default).
	ResumeAfter time.Duration
	// Recorder, when set, receives each update's events for statistics.
	Recorder Recorder
	// Volunteers, when set, enables sharing links and "/thongke".
	Volunteers Volunteers
	// Handoff, when set, lets a citizen talk to a commune officer.
	Handoff Handoff
}

// maxAttempts bounds the retries when concurrent updates of one chat collide.
const maxAttempts = 50

// Engine turns an Inbound into Replies. It is safe for concurrent use; any
// number of engines may share one store.
type Engine struct {
	store   SessionStore
	log     *slog.Logger
	now     func() time.Time
	resume  time.Duration
	rec     Recorder
	vol     Volunteers
	handoff Handoff
	bundle  atomic.Pointer[bundle]
	metrics *metrics
}

// bundle is one version of the content with everything derived from it.
// It is swapped atomically, so an update sees one version from start to end.
type bundle struct {
	cat    *content.Catalog
	events map[string][]fsm.EventDesc   // per flow: choice id → step transitions
	typed  map[string]map[string]string // per "flow/step": folded label, word or id → choice id
	// spelled maps a folded abbreviation ("r", "ko", "dc") to its folded
	// word, to read typed choices as they are written ("cai xong r").
	spelled map[string]string
	// filler holds the vocabulary's stopwords of one word, folded: "có ạ",
	// "dạ có", "co a" pick the step's "có" without them.
	filler map[string]bool
	// yes holds the vocabulary's yes words, and noAnswer those and the
	// negations: typed alone, an answer, never a commune's name.
	yes      map[string]bool
	noAnswer map[string]bool
	faq      *faq.Index
	found    *searchCache // the faq's recent readings
	// commands maps a folded typed word to its command (vocab.yaml commands).
	commands map[string]string
	// resume holds the resume command's phrases of two words or more,
	// spelled: found inside a short message ("hôm qua đang làm dở, giờ làm
	// tiếp"), they ask to go on.
	resume []string
	// botAsks holds the bot command's phrases of two words or more,
	// spelled: inside a short message ("mày là bot hả", where "bot" and
	// "hả" are filler) they ask whether a person answers.
	botAsks []string
	// stepWords holds, per "flow/step", the folded words of four letters or
	// more that its text uses and at most three steps' texts use: what
	// a question about that step names ("email", "ngày cấp").
	stepWords map[string]map[string]bool
}

// New builds an engine over the given content and session store
// (*store.Store is the one of production).
func New(cat *content.Catalog, st SessionStore, o Options) (*Engine, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ResumeAfter <= 0 {
		o.ResumeAfter = 30 * time.Minute
	}
	e := &Engine{store: st, log: o.Logger, now: o.Now, resume: o.ResumeAfter, rec: o.Recorder, vol: o.Volunteers, handoff: o.Handoff, metrics: newMetrics(o.Metrics)}
	if err := e.SetContent(cat); err != nil {
		return nil, err
	}
	return e, nil
}

// SetContent swaps in new content. Updates in flight finish on the old one.
func (e *Engine) SetContent(cat *content.Catalog) error {
	if cat == nil {
		return errors.New("set content: catalog is nil")
	}
	b := &bundle{cat: cat, events: map[string][]fsm.EventDesc{}, typed: map[string]map[string]string{}, faq: faq.New(cat), found: newSearchCache(), commands: commandWords(cat),
		spelled: map[string]string{}, filler: map[string]bool{}, yes: map[string]bool{}, noAnswer: map[string]bool{"biet": true, "ro": true, "nho": true}}
	for k, v := range cat.Vocab.Abbreviations {
		b.spelled[vntext.Fold(k)] = vntext.Fold(v)
	}
	for _, w := range cat.Vocab.Yes {
		b.yes[b.spell(vntext.Fold(w))] = true
		for _, f := range strings.Fields(b.spell(vntext.Fold(w))) {
			b.noAnswer[f] = true
		}
	}
	for _, w := range cat.Vocab.Negations {
		for _, f := range strings.Fields(b.spell(vntext.Fold(w))) {
			b.noAnswer[f] = true
		}
	}
	for _, w := range cat.Vocab.Commands["resume"] {
		if p := b.spell(vntext.Fold(w)); strings.Contains(p, " ") {
			b.resume = append(b.resume, p)
		}
	}
	for _, w := range cat.Vocab.Commands["bot"] {
		if p := b.spell(vntext.Fold(w)); strings.Contains(p, " ") {
			b.botAsks = append(b.botAsks, p)
		}
	}
	for _, w := range cat.Vocab.Stopwords {
		if f := vntext.Fold(w); f != "" && !strings.Contains(f, " ") {
			b.filler[f] = true
		}
	}
	b.stepWords = distinctStepWords(cat)
	for _, f := range cat.Flows {
		for _, s := range f.Steps {
			b.typed[f.ID+"/"+s.ID] = typedChoices(s, b.spell)
			for _, ch := range s.Choices {
				if f.Step(ch.Next) != nil {
					b.events[f.ID] = append(b.events[f.ID], fsm.EventDesc{Name: ch.ID, Src: []string{s.ID}, Dst: ch.Next})
				}
			}
		}
	}
	e.bundle.Store(b)
	return nil
}

// distinctStepWords returns, per "flow/step", the words of its text (every
// locale, folded, four letters or more) that at most three steps' texts
// use.
func distinctStepWords(cat *content.Catalog) map[string]map[string]bool {
	words := map[string]map[string]bool{}
	steps := map[string]int{}
	for _, f := range cat.Flows {
		for _, s := range f.Steps {
			set := map[string]bool{}
			for _, text := range s.Text {
				for _, w := range vntext.Words(text) {
					if len(w) >= 4 {
						set[w] = true
					}
				}
			}
			for w := range set {
				steps[w]++
			}
			words[f.ID+"/"+s.ID] = set
		}
	}
	for _, set := range words {
		for w := range set {
			if steps[w] > 3 {
				delete(set, w)
			}
		}
	}
	return words
}

// typedChoices maps what a user may type to pick each of a step's choices
// (its id, its labels, its words), folded and with abbreviations spelled
// out, to the choice id. The first choice to claim a word keeps it.
func typedChoices(s *content.Step, spell func(string) string) map[string]string {
	m := map[string]string{}
	add := func(word, id string) {
		if w := spell(vntext.Fold(word)); w != "" {
			if _, taken := m[w]; !taken {
				m[w] = id
			}
		}
	}
	for _, ch := range s.Choices {
		add(ch.ID, ch.ID)
		for _, l := range ch.Label {
			add(l, ch.ID)
		}
		for _, w := range ch.Words {
			add(w, ch.ID)
		}
	}
	return m
}

// spell writes out the abbreviations of folded text ("cai xong r" →
// "cai xong roi").
func (b *bundle) spell(folded string) string {
	words := strings.Fields(folded)
	for i, w := range words {
		if full, ok := b.spelled[w]; ok {
			words[i] = full
		}
	}
	return strings.Join(words, " ")
}

// trimFiller takes the filler words off both ends of spelled text, except
// those that pick a choice of typed themselves ("ok ạ" is "ok").
func (b *bundle) trimFiller(spelled string, typed map[string]string) string {
	words := strings.Fields(spelled)
	filler := func(w string) bool { _, picks := typed[w]; return b.filler[w] && !picks }
	for len(words) > 0 && filler(words[0]) {
		words = words[1:]
	}
	for len(words) > 0 && filler(words[len(words)-1]) {
		words = words[:len(words)-1]
	}
	return strings.Join(words, " ")
}

// command returns the command folded text gives: typed as the command
// (typedCommand), or, in a short message, a phrase of the resume command
// ("giờ làm tiếp", "hôm trước làm tới đâu rồi").
func (b *bundle) command(folded string) (string, bool) {
	if g, ok := b.typedCommand(folded); ok {
		return g, true
	}
	spelled := b.spell(folded)
	n := len(strings.Fields(spelled))
	if n <= maxResumeWords && containsAny(spelled, b.resume) {
		return "resume", true
	}
	if n <= maxBotAskWords && containsAny(spelled, b.botAsks) {
		return "bot", true
	}
	return "", false
}

// typedCommand returns the command folded text is: the command's words
// alone, or with filler around them ("làm tiếp nha"). Volunteers'
// commands are read elsewhere.
func (b *bundle) typedCommand(folded string) (string, bool) {
	spelled := b.spell(folded)
	for _, typed := range []string{folded, spelled, b.trimFiller(spelled, nil)} {
		if g, ok := b.commands[typed]; ok && !volunteerCommand(g) {
			return g, true
		}
	}
	return "", false
}

// containsAny reports whether folded text holds one of the phrases as
// whole words.
func containsAny(folded string, phrases []string) bool {
	f := " " + folded + " "
	return slices.ContainsFunc(phrases, func(p string) bool { return strings.Contains(f, " "+p+" ") })
}

// maxResumeWords bounds the messages a resume phrase inside them makes a
// request to go on: a longer one is a question of its own.
const maxResumeWords = 10

// maxBotAskWords bounds the messages a phrase of the bot command inside
// them asks whether a person answers.
const maxBotAskWords = 8

// saysYes reports whether folded text says yes ("có ạ", "ừ được").
func (b *bundle) saysYes(folded string) bool {
	spelled := b.spell(folded)
	return b.yes[spelled] || b.yes[b.trimFiller(spelled, nil)]
}

// onlyAnswerWords reports whether folded text is made of yes, no and
// "don't know" words only ("ừ", "không biết"): no commune is named.
func (b *bundle) onlyAnswerWords(folded string) bool {
	words := strings.Fields(b.spell(folded))
	for _, w := range words {
		if !b.noAnswer[w] && !b.filler[w] {
			return false
		}
	}
	return len(words) > 0
}

// Content returns the content the engine currently serves.
func (e *Engine) Content() *content.Catalog { return e.bundle.Load().cat }

// Ask answers a free-text question without a session, for "vneidbot ask".
func (e *Engine) Ask(text, locale string) faq.Result {
	return e.bundle.Load().faq.Search(text, locale)
}

// Handle processes one update and returns the replies to send. The caller
// sends them (the web chat answers its HTTP request with them). A duplicate
// update (same channel and message id, e.g. a retried request) returns the
// replies kept for it, if any, and otherwise none.
// Two updates of one chat handled at once never lose either change: the
// session is saved with a version check and the loser retries.
func (e *Engine) Handle(ctx context.Context, in Inbound) ([]Reply, error) {
	out, err := e.Respond(ctx, in)
	return out.Replies, err
}

// Respond is Handle for a caller that answers in place and needs more
// than the replies: whether the update bound the conversation to
// Inbound.NewKey (Outcome.Bound), which the web chat then hands to the
// browser. It records the update's statistics as Handle does.
func (e *Engine) Respond(ctx context.Context, in Inbound) (Outcome, error) {
	out, err := e.handle(ctx, in, false)
	if err != nil || out.Duplicate {
		return out, err
	}
	if e.rec != nil && len(out.Events) > 0 {
		if err := e.rec.Record(ctx, out.Events); err != nil {
			e.log.Warn("record statistics", "chat", in.Chat(), "err", err)
		}
	}
	return out, nil
}

// ErrWrongKey is returned for an update of a conversation bound to a key
// (Session.Key) that the update does not hold (Inbound.Keys): since its
// first ticket, a web conversation belongs to the browser that opened it,
// not to whoever else knows its chat id (security review T7). Nothing of
// the update was kept; the web chat starts the client a new conversation.
var ErrWrongKey = errors.New("flows: the conversation is bound to a key the update does not hold")

// KeyOf returns the digest of the key the conversation chat ("web:w…") is
// bound to, or "" when it is bound to none.
func (e *Engine) KeyOf(ctx context.Context, chat string) (string, error) {
	snap, err := e.store.LoadSession(ctx, chat, "")
	if err != nil {
		return "", err
	}
	if len(snap.Data) == 0 {
		return "", nil
	}
	var sess Session
	if err := decodeSession(snap.Data, &sess); err != nil {
		return "", fmt.Errorf("read session of %s: %w", chat, err)
	}
	return sess.Key, nil
}

// holds reports whether keys hold key, in constant time for each.
func holds(keys []string, key string) bool {
	found := false
	for _, k := range keys {
		if subtle.ConstantTimeCompare([]byte(k), []byte(key)) == 1 {
			found = true
		}
	}
	return found
}

// checkKey returns ErrWrongKey when sess binds the conversation to a key
// in does not hold. A retried request (dup) that bound the conversation
// holds the key it bound (the web chat makes its NewKey from its message
// id): bound reports it, so that the browser gets the key again when the
// first answer was lost.
func checkKey(sess *Session, in Inbound, dup bool) (bound bool, err error) {
	switch {
	case sess.Key == "":
		return false, nil
	case dup && in.NewKey != nil && subtle.ConstantTimeCompare([]byte(in.NewKey()), []byte(sess.Key)) == 1:
		return true, nil
	case !holds(in.Keys, sess.Key):
		return false, ErrWrongKey
	}
	return false, nil
}

// Outcome is one update handled: what HandleForDelivery returns to a
// caller that delivers the replies itself, later (package delivery), and
// Respond to one that answers in place.
type Outcome struct {
	Replies []Reply
	// Events are the update's statistics, stamped with its channel, chat,
	// referral and time. From HandleForDelivery they are for the caller
	// to record once (the engine's Recorder is not called); Respond has
	// recorded them.
	Events []Event
	// Entry is the chat's outbox entry that holds Replies until the caller
	// acknowledges them; "" when none was kept.
	Entry string
	// Duplicate says that the message was handled before; Replies and
	// Entry are then what still waits in the outbox for it (none when it
	// was delivered).
	Duplicate bool
	// Bound says that the update bound the conversation to
	// Inbound.NewKey (it opened the conversation's first ticket), or is a
	// retry of the one that did: the channel gives the citizen that key.
	Bound bool
}

// HandleForDelivery is Handle for a caller that delivers the replies
// itself: they are kept in the chat's outbox, written in the same atomic
// step as the session change and listed for the outbox sweeper, until the
// caller acknowledges them. A crash at any point then ends with them
// delivered.
func (e *Engine) HandleForDelivery(ctx context.Context, in Inbound) (Outcome, error) {
	return e.handle(ctx, in, true)
}

// MaxNormalText bounds the runes of an update's text in NFKC, the form
// redaction, the FAQ and the statistics read: above every channel's own
// limit for ordinary text (web 4,000, Telegram 4,096, Zalo 2,000), so only
// text that normalisation expands (U+FDFA becomes 18 characters) is cut,
// and such a message costs about what an ordinary long one does (seventh
// probe, V3).
const MaxNormalText = 5000

// handle loads the session, routes the update and saves, retrying on
// conflicts. delivered says whether the caller delivers the replies later
// (then they wait in the outbox, listed for the sweeper, until
// acknowledged).
func (e *Engine) handle(ctx context.Context, in Inbound, delivered bool) (Outcome, error) {
	buf := replyBufs.Get().(*[]byte)
	defer putReplyBuf(buf)
	start := e.now()
	if in.Time.IsZero() {
		in.Time = start
	}
	// Bounded before any work: redaction, the FAQ and the statistics read
	// the NFKC form, which a few characters expand many times (V3).
	in.Text = vntext.CapNormal(in.Text, MaxNormalText)
	chat := in.Chat()
	for attempt := 0; attempt < maxAttempts; attempt++ {
		var (
			snap session.Snapshot
			err  error
		)
		if !in.NewChat || attempt > 0 { // a conflict on a new chat reads what won
			if snap, err = e.store.LoadSession(ctx, chat, in.MessageID); err != nil {
				return Outcome{}, err
			}
		}
		var sess Session
		if len(snap.Data) > 0 {
			if err := decodeSession(snap.Data, &sess); err != nil {
				e.log.Warn("session unreadable, starting afresh", "chat", chat, "err", err)
				sess = Session{}
			}
		}
		bound, err := checkKey(&sess, in, snap.Duplicate)
		if err != nil {
			return Outcome{}, err
		}
		if snap.Duplicate {
			e.metrics.duplicates.Inc()
			out, err := e.kept(ctx, chat, in.MessageID)
			out.Bound = bound
			return out, err
		}
		b := e.bundle.Load()
		t := &turn{ctx: ctx, e: e, b: b, cat: b.cat, s: &sess, in: in, now: in.Time}
		replies, ok := t.runGuarded()
		if !ok {
			// The turn broke half-way: the session is kept as it was, and
			// the citizen gets an apology with a way on, not a dropped
			// request that a webhook would retry into the same fault.
			sess = Session{}
			if len(snap.Data) > 0 {
				_ = decodeSession(snap.Data, &sess) // it decoded above
			}
			t = &turn{ctx: ctx, e: e, b: b, cat: b.cat, s: &sess, in: in, now: in.Time}
			replies = t.failed()
		}
		t.events = engagement(&sess, in.Channel, t.outcome, t.events)
		c := session.Commit{Chat: chat, Version: snap.Version, MsgID: in.MessageID, Pending: delivered, Keep: keepFor(delivered)}
		if sess.Greet {
			c.TTL = GreetingTTL
		}
		if !delivered {
			// Kept only for a retried request, with the message's dedup mark.
			c.Inline = true
		}
		if c.Data, err = json.Marshal(&sess); err != nil {
			return Outcome{}, fmt.Errorf("encode session: %w", err)
		}
		if in.MessageID != "" && len(replies) > 0 {
			*buf = appendReplies((*buf)[:0], replies)
			c.Replies = *buf
		}
		saved, err := e.store.SaveSession(ctx, c)
		switch {
		case errors.Is(err, session.ErrConflict):
			e.metrics.conflicts.Inc()
			// Grows with each attempt, with jitter so colliding updates spread out.
			if err := retry.Sleep(ctx, retry.Backoff(attempt, time.Millisecond, 32*time.Millisecond)); err != nil {
				return Outcome{}, err
			}
			continue
		case errors.Is(err, session.ErrDuplicate):
			e.metrics.duplicates.Inc()
			return e.kept(ctx, chat, in.MessageID)
		case err != nil:
			return Outcome{}, err
		}
		e.metrics.observe(in, t.outcome, e.now().Sub(start))
		for i := range t.events {
			ev := &t.events[i]
			ev.Channel, ev.Chat, ev.Ref, ev.Time = string(in.Channel), chat, sess.Ref, in.Time
		}
		return Outcome{Replies: replies, Events: t.events, Entry: saved.EntryID, Bound: t.bound}, nil
	}
	return Outcome{}, fmt.Errorf("handle %s: gave up after %d conflicting saves", chat, maxAttempts)
}

// replyBufs holds the buffers the replies are encoded into for the save:
// Redis has them before SaveSession returns, so one serves update after
// update instead of 2 KiB of garbage each (issue 13).
var replyBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func putReplyBuf(b *[]byte) {
	if cap(*b) <= 64<<10 { // an outsized one is left to the collector
		replyBufs.Put(b)
	}
}

// keepFor is how long replies wait in the outbox. Replies the caller
// delivers later wait until acknowledged (at most a day); replies answered
// at once (the web chat) are kept a few minutes, only so that a retried
// request gets the same answer again.
func keepFor(delivered bool) time.Duration {
	if delivered {
		return 24 * time.Hour
	}
	return 5 * time.Minute
}

// kept returns the replies kept for a message already handled: with its
// dedup mark (answered at once) or in the outbox (delivered later).
func (e *Engine) kept(ctx context.Context, chat, msgID string) (Outcome, error) {
	if b, err := e.store.Kept(ctx, chat, msgID); err != nil {
		return Outcome{}, err
	} else if b != nil {
		var replies []Reply
		if err := json.Unmarshal(b, &replies); err != nil {
			return Outcome{}, fmt.Errorf("decode kept replies: %w", err)
		}
		return Outcome{Replies: replies, Duplicate: true}, nil
	}
	entries, err := e.store.Outbox(ctx, chat)
	if err != nil {
		return Outcome{}, err
	}
	for _, en := range entries {
		if en.MsgID != msgID {
			continue
		}
		var replies []Reply
		if err := json.Unmarshal(en.Replies, &replies); err != nil {
			return Outcome{}, fmt.Errorf("decode kept replies: %w", err)
		}
		return Outcome{Replies: replies, Entry: en.ID, Duplicate: true}, nil
	}
	return Outcome{Duplicate: true}, nil
}

// newFSM builds a fresh state machine for flow positioned at step. A machine
// is never reused across updates, so one that a cancelled context left in
// transition (looplab/fsm issue #115) cannot affect the next update.
func (b *bundle) newFSM(flow, step string) *fsm.FSM {
	return fsm.NewFSM(step, b.events[flow], nil)
}
