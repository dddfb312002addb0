// Package stats keeps the bot's statistics in Redis and answers questions
// about them: the activation funnel, stuck points, FAQ use, referrals, and
// the index of chats that broadcasts and reminders go through.
//
// Memory is bounded by design:
//
//   - per day (Asia/Ho_Chi_Minh) and scope ("a" for everyone, "r=v_<code>"
//     for the users a referral brought): one hash of counters, one set naming
//     the HyperLogLogs written that day, and HyperLogLogs of unique users (in
//     total, per channel, per flow step reached, per stuck point, per flow
//     completed). Each day's keys expire after the retention (400 days).
//   - the recent unanswered questions: a list capped at MissedCap entries.
//   - all-time per referral: a counter of users started and a HyperLogLog of
//     users who completed a flow (one pair per code).
//   - the chat index: one sorted set of chats by last activity, trimmed to
//     IndexFor (90 days); and per flow, the chats that said "Tôi bị kẹt"
//     there and have not completed it since (same trimming).
//
// All keys carry the {stats} hash tag (the chat index and segments use their
// own), so that a multi-day PFCOUNT works on Redis Cluster too.
package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
	"github.com/vneid-guide/vneidbot/internal/redact"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// EventBlocked is recorded by broadcasts and reminders when a send finds
// the chat blocked or unreachable.
const EventBlocked flows.EventKind = "blocked"

// Defaults of Options.
const (
	DefaultRetention = 400 * 24 * time.Hour
	DefaultIndexFor  = 90 * 24 * time.Hour
	MissedCap        = 300
	maxMissedText    = 300 // characters kept of one unanswered question
)

// Zone is the statistics' time zone: days start at midnight in Vietnam.
// Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed zone
// needs no tz database in the container.
var Zone = time.FixedZone("Asia/Ho_Chi_Minh", 7*3600)

// Options configure a Recorder.
type Options struct {
	Retention time.Duration // how long daily aggregates live (DefaultRetention)
	IndexFor  time.Duration // how long an idle chat stays in the chat index (DefaultIndexFor)
	Now       func() time.Time
}

// Recorder stores the engine's events. It implements flows.Recorder, and
// Queue adds the same commands to a pipeline the engine sends anyway.
type Recorder struct {
	st        *store.Store
	retention time.Duration
	indexFor  time.Duration
	now       func() time.Time
	misses    *feedback.Misses // the unanswered log behind "vneidbot faq misses"
	votes     *feedback.Votes  // helpful / not helpful per entry
}

// NewRecorder returns a Recorder writing to st.
func NewRecorder(st *store.Store, o Options) *Recorder {
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.IndexFor <= 0 {
		o.IndexFor = DefaultIndexFor
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Recorder{st: st, retention: o.Retention, indexFor: o.IndexFor, now: o.Now, misses: feedback.NewMisses(st), votes: feedback.NewVotes(st)}
}

// Record stores events in one pipelined round trip.
func (r *Recorder) Record(ctx context.Context, events []flows.Event) error {
	if len(events) == 0 {
		return nil
	}
	_, err := r.st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
		r.Queue(ctx, p, events)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record statistics: %w", err)
	}
	return nil
}

// Queue adds the commands that store events to p.
func (r *Recorder) Queue(ctx context.Context, p redis.Pipeliner, events []flows.Event) {
	touched := map[string]bool{} // keys that get the retention TTL
	active := map[string]bool{}  // chat and day already marked active
	w := newWrites()
	for _, ev := range events {
		r.queue(ctx, p, w, ev, touched, active)
	}
	w.queue(ctx, p, r.st.StatsChatsKey(), strconv.FormatInt(r.now().Add(-r.indexFor).Unix(), 10))
	ttl := r.retention + 48*time.Hour // a day's keys outlive its last write by the retention
	for k := range touched {
		p.Expire(ctx, k, ttl)
	}
}

func (r *Recorder) queue(ctx context.Context, p redis.Pipeliner, w *writes, ev flows.Event, touched, active map[string]bool) {
	if ev.Time.IsZero() {
		ev.Time = r.now()
	}
	ch := cleanChannel(ev.Channel)
	if ev.Chat == "" {
		return
	}
	day := Day(ev.Time)
	scopes := []string{scopeAll}
	ref := ""
	if volunteer.ValidRef(ev.Ref) {
		ref = ev.Ref
		scopes = append(scopes, refScope(ref))
	}
	k := func(scope string, parts ...string) string {
		key := r.dayKey(day, scope, parts...)
		touched[key] = true
		return key
	}
	// Every batch marks the chat active, in every scope, and in the index.
	if a := ev.Chat + "|" + day + "|" + ref; !active[a] {
		active[a] = true
		for _, sc := range scopes {
			w.pfadd(k(sc, "u"), ev.Chat)
			w.pfadd(k(sc, "u", ch), ev.Chat)
			w.sadd(k(sc, "i"), "ch|"+ch)
		}
		w.active(ev.Chat, float64(ev.Time.Unix()))
	}

	incr := func(field string) {
		for _, sc := range scopes {
			w.hincr(k(sc, "c"), field)
		}
	}
	switch ev.Kind {
	case flows.EventFirstContact:
		incr("new")
		incr("new|" + ch)
		if ref != "" {
			r.started(w, ref, k)
		}
		// Trim the index now and then: once per batch with a new chat is
		// often enough.
		w.trim = true
	case flows.EventReferred:
		if ref != "" {
			w.hincr(k(refScope(ref), "c"), "new")
			w.hincr(k(refScope(ref), "c"), "new|"+ch)
			r.started(w, ref, k)
		}
	case flows.EventStep:
		if !content.ValidID(ev.Flow) || !content.ValidID(ev.Step) {
			return
		}
		for _, sc := range scopes {
			w.pfadd(k(sc, "s", ev.Flow, ev.Step), ev.Chat)
			w.sadd(k(sc, "i"), "s|"+ev.Flow+"|"+ev.Step)
		}
	case flows.EventCompleted:
		if !content.ValidID(ev.Flow) {
			return
		}
		incr("done|" + ev.Flow)
		for _, sc := range scopes {
			w.pfadd(k(sc, "d", ev.Flow), ev.Chat)
			w.pfadd(k(sc, "d"), ev.Chat)
			w.sadd(k(sc, "i"), "d|"+ev.Flow)
		}
		if ref != "" {
			w.pfadd(r.st.StatsKey("rdone", ref), ev.Chat)
		}
		p.ZRem(ctx, r.st.StatsSegmentKey("stuck", ev.Flow), ev.Chat)
	case flows.EventStuck:
		if !content.ValidID(ev.Flow) || !content.ValidID(ev.Step) {
			return
		}
		incr("stuck")
		for _, sc := range scopes {
			w.pfadd(k(sc, "k", ev.Flow, ev.Step), ev.Chat)
			w.sadd(k(sc, "i"), "k|"+ev.Flow+"|"+ev.Step)
		}
		seg := r.st.StatsSegmentKey("stuck", ev.Flow)
		p.ZAdd(ctx, seg, redis.Z{Score: float64(ev.Time.Unix()), Member: ev.Chat})
		p.ZRemRangeByScore(ctx, seg, "-inf", strconv.FormatInt(r.now().Add(-r.indexFor).Unix(), 10))
		p.Expire(ctx, seg, r.indexFor)
	case flows.EventFAQAnswered:
		incr("faq_answered")
		if content.ValidID(ev.Entry) {
			incr("e|" + ev.Entry)
		}
	case flows.EventFAQUnsure, flows.EventFAQMissed:
		kind, verdict := "missed", faq.NoMatch
		if ev.Kind == flows.EventFAQUnsure {
			kind, verdict = "unsure", faq.Unsure
		}
		incr("faq_" + kind)
		r.missed(ctx, p, ev, ch, kind)
		r.misses.Queue(ctx, p, ev.Text, verdict)
	case flows.EventFAQOutOfScope:
		incr("faq_out_of_scope")
		r.misses.Queue(ctx, p, ev.Text, faq.OutOfScope)
	case flows.EventHelpful, flows.EventNotHelpful:
		_ = r.votes.Queue(ctx, p, ev.Entry, ev.Kind == flows.EventHelpful) // refuses a forged entry id
		if content.ValidID(ev.Entry) {
			if ev.Kind == flows.EventHelpful {
				incr("y|" + ev.Entry)
			} else {
				incr("n|" + ev.Entry)
			}
		}
	case flows.EventShared:
		incr("shared")
	case EventBlocked:
		incr("blocked")
		incr("blocked|" + ch)
	}
}

// started counts a user brought by ref: per day (for periods) and all time
// (for a volunteer's own "/thongke").
func (r *Recorder) started(w *writes, ref string, k func(string, ...string) string) {
	w.hincr(k(scopeAll, "c"), "ref|"+ref)
	w.hincr(r.st.StatsKey("tot"), "started|"+ref)
}

// Missed is one question the bot could not answer, redacted.
type Missed struct {
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"`
	Kind    string    `json:"kind"` // "missed" (nothing matched) or "unsure" (suggestions offered)
	Text    string    `json:"text"`
}

func (r *Recorder) missed(ctx context.Context, p redis.Pipeliner, ev flows.Event, ch, kind string) {
	text := strings.TrimSpace(redact.String(ev.Text)) // the engine redacts already; twice is cheap
	if text == "" {
		return
	}
	if utf8.RuneCountInString(text) > maxMissedText {
		text = string([]rune(text)[:maxMissedText-1]) + "…"
	}
	b, err := json.Marshal(Missed{Time: ev.Time.UTC().Truncate(time.Second), Channel: ch, Kind: kind, Text: text})
	if err != nil {
		return
	}
	key := r.st.StatsKey("missed")
	p.LPush(ctx, key, b)
	p.LTrim(ctx, key, 0, MissedCap-1)
}

// scopeAll is the scope of every user; refScope that of one referral's users.
const scopeAll = "a"

func refScope(ref string) string { return "r=" + ref }

func (r *Recorder) dayKey(day, scope string, parts ...string) string {
	return dayKey(r.st, day, scope, parts...)
}

func dayKey(st *store.Store, day, scope string, parts ...string) string {
	return st.StatsKey(append([]string{day, scope}, parts...)...)
}

// Day is the statistics day of t: its date in Vietnam.
func Day(t time.Time) string { return t.In(Zone).Format(time.DateOnly) }

// cleanChannel keeps channel names to what the adapters use, so a key can
// never be built from something unexpected.
func cleanChannel(ch string) string {
	if ch == "" || len(ch) > 16 {
		return "other"
	}
	for _, r := range ch {
		if r < 'a' || r > 'z' {
			return "other"
		}
	}
	return ch
}
