// Package feedback keeps what citizens' questions tell operators: the
// questions the FAQ could not answer (Misses) and the "did this help?"
// votes on each entry (Votes), in Redis, with the "vneidbot faq misses" and
// "faq votes" commands that read them. The retrieval itself (package faq)
// stays free of Redis.
package feedback

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/redact"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Misses is the unanswered-questions log for operators: every question the
// FAQ could not answer confidently, redacted of ID numbers, phone numbers,
// codes and passwords, counted by its folded text and capped in size. It
// is kept in Redis and safe for concurrent use.
type Misses struct {
	rdb         redis.UniversalClient
	counts      string
	details     string
	recent      string
	MaxDistinct int              // distinct questions kept (5000); the least asked go first
	MaxRecent   int              // latest questions kept in order (500)
	Now         func() time.Time // time.Now by default
}

// Miss is one unanswered question as operators see it.
type Miss struct {
	Text    string    `json:"text"`    // as typed, redacted: the latest wording
	Key     string    `json:"key"`     // folded text the count is kept under
	Count   int64     `json:"count"`   // times asked (1 in the recent list)
	Verdict string    `json:"verdict"` // latest verdict: none, unsure or out_of_scope
	Last    time.Time `json:"last"`    // when it was last asked
}

// maxMissText bounds the stored wording of one question, in runes.
const maxMissText = 300

//go:embed misses.lua
var missesScript string

var recordMiss = redis.NewScript(missesScript)

// NewMisses returns the log kept in st's Redis under st's key prefix.
func NewMisses(st *store.Store) *Misses {
	// One hash tag keeps the three keys in one cluster slot for the script.
	return &Misses{
		rdb:         st.Client(),
		counts:      st.MissesKey("counts"),
		details:     st.MissesKey("details"),
		recent:      st.MissesKey("recent"),
		MaxDistinct: 5000,
		MaxRecent:   500,
		Now:         time.Now,
	}
}

// Logged reports whether Record keeps questions with verdict v: misses
// (NoMatch), low-confidence questions (Unsure) and questions about other
// services (OutOfScope), which tell operators what people look for.
func Logged(v faq.Verdict) bool { return v == faq.NoMatch || v == faq.Unsure || v == faq.OutOfScope }

// Record logs text with the verdict the index gave it. Verdicts that are
// not Logged, and text with nothing left once redacted, are ignored. An
// error means Redis failed; the caller should log it and go on answering.
func (m *Misses) Record(ctx context.Context, text string, v faq.Verdict) error {
	keys, args, ok := m.prepare(text, v)
	if !ok {
		return nil
	}
	if err := recordMiss.Run(ctx, m.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("faq: record miss: %w", err)
	}
	return nil
}

// Queue adds what Record does to p, for a caller that sends a pipeline
// anyway (a flows.PipelineRecorder): the miss then costs no round trip of
// its own. Errors come with p's.
func (m *Misses) Queue(ctx context.Context, p redis.Pipeliner, text string, v faq.Verdict) {
	if keys, args, ok := m.prepare(text, v); ok {
		recordMiss.Eval(ctx, p, keys, args...) // not EvalSha: a pipeline cannot fall back on NOSCRIPT
	}
}

// prepare redacts and folds text into the script's keys and arguments.
func (m *Misses) prepare(text string, v faq.Verdict) (keys []string, args []any, ok bool) {
	if !Logged(v) {
		return nil, nil, false
	}
	clean := truncate(strings.TrimSpace(redact.String(text)), maxMissText)
	key := vntext.Fold(clean)
	if key == "" {
		return nil, nil, false
	}
	now := m.Now().UTC().Truncate(time.Second)
	detail, err := json.Marshal(Miss{Text: clean, Key: key, Count: 1, Verdict: v.String(), Last: now})
	if err != nil {
		return nil, nil, false
	}
	return []string{m.counts, m.details, m.recent}, []any{key, detail, detail, m.MaxDistinct, m.MaxRecent}, true
}

// List returns the most asked unanswered questions, most asked first (then
// most recent), at most limit of them (all when limit <= 0).
func (m *Misses) List(ctx context.Context, limit int) ([]Miss, error) {
	zs, err := m.rdb.ZRevRangeWithScores(ctx, m.counts, 0, lastIndex(limit)).Result()
	if err != nil {
		return nil, fmt.Errorf("faq: list misses: %w", err)
	}
	if len(zs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(zs))
	for i, z := range zs {
		keys[i] = z.Member.(string)
	}
	vals, err := m.rdb.HMGet(ctx, m.details, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("faq: list misses: %w", err)
	}
	out := make([]Miss, len(zs))
	for i, z := range zs {
		out[i] = Miss{Text: keys[i], Key: keys[i]}
		if s, ok := vals[i].(string); ok {
			_ = json.Unmarshal([]byte(s), &out[i]) // a damaged detail still lists its key
		}
		out[i].Key, out[i].Count = keys[i], int64(z.Score)
	}
	// ZREVRANGE orders ties by member; most recent first reads better.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Count == out[j-1].Count && out[j].Last.After(out[j-1].Last); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// Recent returns the latest unanswered questions, newest first, at most
// limit of them (all kept when limit <= 0). Count is 1 for each.
func (m *Misses) Recent(ctx context.Context, limit int) ([]Miss, error) {
	vals, err := m.rdb.LRange(ctx, m.recent, 0, lastIndex(limit)).Result()
	if err != nil {
		return nil, fmt.Errorf("faq: recent misses: %w", err)
	}
	return store.DecodeEach[Miss](vals), nil
}

// lastIndex is the last index of a range of at most limit items, -1 (the
// end) when limit <= 0.
func lastIndex(limit int) int64 {
	if limit <= 0 {
		return -1
	}
	return int64(limit) - 1
}

// Reset forgets every logged question.
func (m *Misses) Reset(ctx context.Context) error {
	if err := m.rdb.Del(ctx, m.counts, m.details, m.recent).Err(); err != nil {
		return fmt.Errorf("faq: reset misses: %w", err)
	}
	return nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// Votes counts the answers to "Câu trả lời có giúp bạn không?" per FAQ
// entry. It is kept in Redis and safe for concurrent use.
type Votes struct {
	rdb redis.UniversalClient
	key string
}

// Tally is one entry's votes.
type Tally struct {
	Helpful    int64 `json:"helpful"`
	NotHelpful int64 `json:"not_helpful"`
}

// ErrBadEntryID is returned by Votes.Record for an id that cannot be an
// entry id (they are lower-case letters, digits and underscores).
var ErrBadEntryID = errors.New("faq: not an entry id")

var entryID = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// NewVotes returns the vote counts kept in st's Redis under st's key prefix.
func NewVotes(st *store.Store) *Votes {
	return &Votes{rdb: st.Client(), key: st.VotesKey()}
}

// Record counts one vote for entry id. The caller passes ids of entries the
// bot showed; anything else shaped unlike an id is refused with ErrBadEntryID.
func (v *Votes) Record(ctx context.Context, id string, helpful bool) error {
	field, err := voteField(id, helpful)
	if err != nil {
		return err
	}
	if err := v.rdb.HIncrBy(ctx, v.key, field, 1).Err(); err != nil {
		return fmt.Errorf("faq: record vote: %w", err)
	}
	return nil
}

// Queue adds what Record does to p, for a caller that sends a pipeline anyway.
func (v *Votes) Queue(ctx context.Context, p redis.Pipeliner, id string, helpful bool) error {
	field, err := voteField(id, helpful)
	if err != nil {
		return err
	}
	p.HIncrBy(ctx, v.key, field, 1)
	return nil
}

func voteField(id string, helpful bool) (string, error) {
	if !entryID.MatchString(id) {
		return "", fmt.Errorf("%w: %q", ErrBadEntryID, id)
	}
	if helpful {
		return id + ":up", nil
	}
	return id + ":down", nil
}

// Counts returns the tally of every entry that has votes.
func (v *Votes) Counts(ctx context.Context) (map[string]Tally, error) {
	all, err := v.rdb.HGetAll(ctx, v.key).Result()
	if err != nil {
		return nil, fmt.Errorf("faq: vote counts: %w", err)
	}
	out := map[string]Tally{}
	for field, s := range all {
		id, kind, ok := strings.Cut(field, ":")
		n, err := strconv.ParseInt(s, 10, 64)
		if !ok || err != nil {
			continue
		}
		t := out[id]
		if kind == "up" {
			t.Helpful += n
		} else {
			t.NotHelpful += n
		}
		out[id] = t
	}
	return out, nil
}
