// Package handoff hands a stuck citizen to a person: a commune officer of
// the citizen's area answers on the citizen's own channel (Telegram, Zalo OA,
// Zalo Bot, the web chat). A request becomes a ticket in Redis; officers see
// the tickets of their area in /admin/inbox, in the Telegram operators group
// or with "vneidbot handoff", claim one, and reply; the reply is checked
// (never a request for an OTP, password or passcode, never a link outside the
// content's allowed domains) and relayed.
//
// Redis keys, all in one cluster slot ({handoff}) under the store's prefix:
//
//	{handoff}:t:<id>        string  the ticket, JSON (closed ones expire after 90 days)
//	{handoff}:seq           counter the last ticket id
//	{handoff}:chat:<chat>   string  the open ticket of a conversation
//	{handoff}:active        zset    tickets not closed, by opening time
//	{handoff}:closed        zset    closed tickets, by closing time
//	{handoff}:tg:<msg>      string  ticket of a post in the Telegram operators group
//	{handoff}:ver           counter bumped on every change (the inbox's live list)
//	{handoff}:live:<chat>   list    messages for the web chat's live stream
//	{handoff}:n:<area>      hash    opened, answered, closed counts of an area
//	{handoff}:fa:<area>     list    seconds to first answer, newest first (bounded)
//	{handoff}:areas         hash    area key → area as first written
//
// A ticket never holds an ID number, phone number, OTP or password: every
// text is passed through internal/redact before it is stored.
package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/redact"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// States of a ticket, in order.
const (
	StateOpen     = "open"     // waiting for an officer
	StateClaimed  = "claimed"  // an officer took it
	StateAnswered = "answered" // an officer replied at least once
	StateClosed   = "closed"   // done (an officer closed it, or the citizen left)
)

// Who wrote a message of a ticket.
const (
	FromCitizen = "citizen"
	FromOfficer = "officer"
	FromBot     = "bot"
)

// MaxMessages is how many messages a ticket keeps (the newest).
const MaxMessages = 10

// Errors of the ticket store. Their text is shown to officers.
var (
	ErrNotFound = errors.New("no such ticket")
	ErrClosed   = errors.New("the ticket is closed")
	ErrTaken    = errors.New("another officer has claimed the ticket")
	ErrArea     = errors.New("the ticket belongs to another area")
	ErrNoOpen   = errors.New("the conversation has no open ticket")
)

// Message is one message of a ticket, redacted.
type Message struct {
	From string    `json:"from"`
	Who  string    `json:"who,omitempty"` // the officer's name
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// Ticket is one citizen's request to talk to a person.
type Ticket struct {
	ID      string `json:"id"`
	Chat    string `json:"chat"`    // "tg:123", "web:w…": the conversation
	Channel string `json:"channel"` // "tg", "zalo", "zalobot", "web"
	Area    string `json:"area"`    // commune or ward, as given
	Step    string `json:"step,omitempty"`
	Locale  string `json:"locale,omitempty"`
	State   string `json:"state"`

	Messages []Message `json:"messages"`

	Opened      time.Time `json:"opened"`
	Due         time.Time `json:"due"` // the first-answer target
	Claimed     time.Time `json:"claimed,omitzero"`
	Answered    time.Time `json:"answered,omitzero"` // first answer
	Closed      time.Time `json:"closed,omitzero"`
	LastCitizen time.Time `json:"last_citizen"` // the citizen's last message (Zalo OA's 7-day window)

	Officer   string `json:"officer,omitempty"` // who claimed it: an account id, "tg:<user>" or "cli"
	OfficerNm string `json:"officer_name,omitempty"`
	Late      bool   `json:"late,omitempty"` // the first-answer target passed with no answer
	ClosedBy  string `json:"closed_by,omitempty"`
	TGPost    int64  `json:"tg_post,omitempty"` // the ticket's post in the Telegram operators group
	LastMsgID string `json:"last_msg,omitempty"`
}

// ChatID is the conversation's id within its channel.
func (t *Ticket) ChatID() string {
	_, id, _ := strings.Cut(t.Chat, ":")
	return id
}

// Active reports whether the ticket is not closed.
func (t *Ticket) Active() bool { return t.State != StateClosed }

// MaxMessageRunes bounds a kept message: a ticket is read by a person, and
// ten of a stranger's longest messages would otherwise fill Redis
// (probe S4: 241 KB a ticket).
const MaxMessageRunes = 1000

// MaxAreaRunes bounds the commune or ward a citizen types.
const MaxAreaRunes = 80

// stored is text as a ticket keeps it: redacted, its invisible direction
// and zero-width characters made visible (they reversed what officers read),
// and at most max characters.
func stored(text string, max int) string {
	text = vntext.Visible(redact.String(strings.TrimSpace(text)))
	if r := []rune(text); len(r) > max {
		text = string(r[:max-1]) + "…"
	}
	return text
}

// add appends a message, redacted, keeping the newest MaxMessages.
func (t *Ticket) add(from, who, text string, at time.Time) {
	t.Messages = append(t.Messages, Message{From: from, Who: who, Text: stored(text, MaxMessageRunes), At: at.UTC()})
	if len(t.Messages) > MaxMessages {
		t.Messages = slices.Delete(t.Messages, 0, len(t.Messages)-MaxMessages)
	}
}

// AreaKey is the form areas are compared in: folded, spaces collapsed, so
// "Phường Bến Nghé" and "phuong  ben nghe" are one area.
func AreaKey(area string) string { return strings.Join(strings.Fields(vntext.Fold(area)), " ") }

// Officer is who acts on a ticket. An empty Area with All set is an
// operator who sees every area (ADMIN_TOKEN, the command line).
type Officer struct {
	ID   string // stable: an account id, "tg:<user id>", "admin", "cli"
	Name string
	Area string
	All  bool
}

// May reports whether o may see and act on t.
func (o Officer) May(t *Ticket) bool { return o.All || AreaKey(o.Area) == AreaKey(t.Area) }

// mayAct returns why o may not act on t, or nil: t must be in o's area and
// open, and not claimed by another officer. An officer who sees all areas
// may reply to or close a ticket another claimed, but not claim it.
func (o Officer) mayAct(t *Ticket, claiming bool) error {
	switch {
	case !o.May(t):
		return ErrArea
	case !t.Active():
		return ErrClosed
	case t.Officer != "" && t.Officer != o.ID && (claiming || !o.All):
		return fmt.Errorf("%w (%s)", ErrTaken, t.OfficerNm)
	}
	return nil
}

// Store keeps tickets in Redis. Any number of Stores (replicas) may share
// one Redis: every change is a compare-and-set on the ticket's key.
type Store struct {
	rdb redis.UniversalClient
	key func(parts ...string) string
	now func() time.Time
}

// NewStore returns the ticket store kept in st. now is the clock (time.Now
// when nil).
func NewStore(st *store.Store, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{rdb: st.Client(), key: st.HandoffKey, now: now}
}

// closedTTL is how long a closed ticket is kept.
const closedTTL = 90 * 24 * time.Hour

// OpenRequest is what opening a ticket needs.
type OpenRequest struct {
	Chat   string // "tg:123"
	Area   string
	Step   string
	Locale string
	Text   string // what the citizen wrote, if anything (redacted before it is stored)
	MsgID  string
	Due    time.Time
}

// Open opens a ticket for a conversation, or returns its open one (created
// false) with the text added.
func (s *Store) Open(ctx context.Context, r OpenRequest) (t *Ticket, created bool, err error) {
	now := s.now()
	if _, err := s.rdb.Get(ctx, s.key("chat", r.Chat)).Result(); err == nil {
		t, err := s.AddCitizen(ctx, r.Chat, r.MsgID, r.Text)
		if !errors.Is(err, ErrNoOpen) {
			return t, false, err
		}
		// the ticket closed in between: open a new one
	} else if !errors.Is(err, redis.Nil) {
		return nil, false, fmt.Errorf("handoff: look up the open ticket: %w", err)
	}
	n, err := s.rdb.Incr(ctx, s.key("seq")).Result()
	if err != nil {
		return nil, false, fmt.Errorf("handoff: new ticket id: %w", err)
	}
	channel, _, _ := strings.Cut(r.Chat, ":")
	t = &Ticket{
		ID: strconv.FormatInt(n, 10), Chat: r.Chat, Channel: channel, Area: stored(r.Area, MaxAreaRunes),
		Step: r.Step, Locale: r.Locale, State: StateOpen, Opened: now.UTC(), Due: r.Due.UTC(), LastCitizen: now.UTC(), LastMsgID: r.MsgID,
	}
	if strings.TrimSpace(r.Text) != "" {
		t.add(FromCitizen, "", r.Text, now)
	}
	data, err := json.Marshal(t)
	if err != nil {
		return nil, false, fmt.Errorf("handoff: encode ticket: %w", err)
	}
	// One open ticket per conversation: the chat key is set only if absent.
	ok, err := s.rdb.SetNX(ctx, s.key("chat", r.Chat), t.ID, 0).Result()
	if err != nil {
		return nil, false, fmt.Errorf("handoff: reserve the conversation: %w", err)
	}
	if !ok {
		t, err := s.AddCitizen(ctx, r.Chat, r.MsgID, r.Text)
		return t, false, err
	}
	ak := AreaKey(t.Area)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key("t", t.ID), data, 0)
		p.ZAdd(ctx, s.key("active"), redis.Z{Score: float64(now.Unix()), Member: t.ID})
		p.HIncrBy(ctx, s.key("n", ak), "opened", 1)
		p.HSetNX(ctx, s.key("areas"), ak, t.Area)
		p.Incr(ctx, s.key("ver"))
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("handoff: save ticket: %w", err)
	}
	return t, true, nil
}

// Get returns a ticket.
func (s *Store) Get(ctx context.Context, id string) (*Ticket, error) {
	var t Ticket
	if err := store.ReadJSON(s.rdb.Get(ctx, s.key("t", id)), &t, "ticket "+id, ErrNotFound); err != nil {
		return nil, err
	}
	return &t, nil
}

// OpenFor returns the open ticket of a conversation.
func (s *Store) OpenFor(ctx context.Context, chat string) (*Ticket, error) {
	id, err := s.rdb.Get(ctx, s.key("chat", chat)).Result()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNoOpen
	}
	if err != nil {
		return nil, fmt.Errorf("handoff: look up the open ticket: %w", err)
	}
	t, err := s.Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return nil, ErrNoOpen
	}
	if err == nil && !t.Active() {
		return nil, ErrNoOpen
	}
	return t, err
}

// maxCAS bounds the retries of a ticket change that collided with another.
const maxCAS = 50

// update changes ticket id with fn under a compare-and-set: a change made by
// another replica in between makes fn run again on the fresh ticket. extra
// queues more commands into the same transaction.
func (s *Store) update(ctx context.Context, id string, fn func(t *Ticket) error, extra func(p redis.Pipeliner, t *Ticket)) (*Ticket, error) {
	key := s.key("t", id)
	for range maxCAS {
		var out *Ticket
		err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
			data, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			var t Ticket
			if err := json.Unmarshal(data, &t); err != nil {
				return fmt.Errorf("decode ticket %s: %w", id, err)
			}
			if err := fn(&t); err != nil {
				return err
			}
			data, err = json.Marshal(&t)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				if t.Active() {
					p.Set(ctx, key, data, 0)
				} else {
					p.Set(ctx, key, data, closedTTL)
				}
				p.Incr(ctx, s.key("ver"))
				if extra != nil {
					extra(p, &t)
				}
				return nil
			})
			out = &t
			return err
		}, key)
		if errors.Is(err, redis.TxFailedErr) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	return nil, fmt.Errorf("handoff: ticket %s: gave up after %d colliding changes", id, maxCAS)
}

// AddCitizen adds a citizen's message to their open ticket. A message id
// seen last (a retried update) is not added twice.
func (s *Store) AddCitizen(ctx context.Context, chat, msgID, text string) (*Ticket, error) {
	t, err := s.OpenFor(ctx, chat)
	if err != nil {
		return nil, err
	}
	now := s.now()
	return s.update(ctx, t.ID, func(t *Ticket) error {
		if !t.Active() {
			return ErrNoOpen
		}
		t.LastCitizen = now.UTC()
		if msgID != "" && msgID == t.LastMsgID || strings.TrimSpace(text) == "" {
			return nil
		}
		t.LastMsgID = msgID
		t.add(FromCitizen, "", text, now)
		return nil
	}, nil)
}

// Claim gives ticket id to o. Claims are exclusive: a ticket claimed by
// another officer is refused with ErrTaken.
func (s *Store) Claim(ctx context.Context, id string, o Officer) (*Ticket, error) {
	now := s.now()
	return s.update(ctx, id, func(t *Ticket) error {
		if err := o.mayAct(t, true); err != nil || t.Officer == o.ID {
			return err
		}
		t.Officer, t.OfficerNm, t.State, t.Claimed = o.ID, o.Name, StateClaimed, now.UTC()
		return nil
	}, nil)
}

// Reply records an officer's reply (already checked, see CheckReply),
// claiming the ticket when nobody has. The first reply sets Answered and
// feeds the area's time-to-first-answer figures.
func (s *Store) Reply(ctx context.Context, id string, o Officer, text string) (*Ticket, error) {
	now := s.now()
	first := false
	return s.update(ctx, id, func(t *Ticket) error {
		first = false
		if err := o.mayAct(t, false); err != nil {
			return err
		}
		if t.Officer == "" {
			t.Officer, t.OfficerNm, t.Claimed = o.ID, o.Name, now.UTC()
		}
		if t.Answered.IsZero() {
			t.Answered, first = now.UTC(), true
		}
		t.State = StateAnswered
		t.add(FromOfficer, o.Name, text, now)
		return nil
	}, func(p redis.Pipeliner, t *Ticket) {
		if first {
			ak := AreaKey(t.Area)
			p.HIncrBy(ctx, s.key("n", ak), "answered", 1)
			p.LPush(ctx, s.key("fa", ak), int64(t.Answered.Sub(t.Opened)/time.Second))
			p.LTrim(ctx, s.key("fa", ak), 0, maxFirstAnswers-1)
		}
	})
}

// maxFirstAnswers bounds the times to first answer kept per area.
const maxFirstAnswers = 1000

// Close closes ticket id for o (an officer, or citizen when they leave).
func (s *Store) Close(ctx context.Context, id string, o Officer) (*Ticket, error) {
	now := s.now()
	return s.update(ctx, id, func(t *Ticket) error {
		if err := o.mayAct(t, false); err != nil {
			return err
		}
		t.State, t.Closed, t.ClosedBy = StateClosed, now.UTC(), o.ID
		return nil
	}, func(p redis.Pipeliner, t *Ticket) { s.closing(ctx, p, t, now) })
}

// closing queues what closing t changes besides the ticket itself.
func (s *Store) closing(ctx context.Context, p redis.Pipeliner, t *Ticket, now time.Time) {
	p.Del(ctx, s.key("chat", t.Chat))
	p.ZRem(ctx, s.key("active"), t.ID)
	p.ZAdd(ctx, s.key("closed"), redis.Z{Score: float64(now.Unix()), Member: t.ID})
	p.HIncrBy(ctx, s.key("n", AreaKey(t.Area)), "closed", 1)
}

// StaleAfter is how long an open ticket may go with no message from anyone
// before it is closed. Past Zalo OA's 7-day window an officer's reply could
// not reach the citizen anyway, and a ticket left open keeps the citizen's
// conversation away from the automatic assistant and stays in every
// officer's list.
const StaleAfter = 7 * 24 * time.Hour

// ClosedStale is the ClosedBy of a ticket closed for going stale.
const ClosedStale = "stale"

// Stale reports whether t is open and nobody wrote in it for StaleAfter.
func (t *Ticket) Stale(now time.Time) bool {
	last := t.Opened
	for _, m := range t.Messages {
		if m.At.After(last) {
			last = m.At
		}
	}
	return t.Active() && now.Sub(last) >= StaleAfter
}

// CloseStale closes ticket id if it is stale; closed is false when it was
// not (a message arrived in between, or it was closed already).
func (s *Store) CloseStale(ctx context.Context, id string) (t *Ticket, closed bool, err error) {
	now := s.now()
	t, err = s.update(ctx, id, func(t *Ticket) error {
		closed = t.Stale(now)
		if closed {
			t.State, t.Closed, t.ClosedBy = StateClosed, now.UTC(), ClosedStale
		}
		return nil
	}, func(p redis.Pipeliner, t *Ticket) {
		if closed {
			s.closing(ctx, p, t, now)
		}
	})
	return t, closed, err
}

// citizen is the Officer that stands for the citizen leaving a ticket.
var citizen = Officer{ID: "citizen", All: true}

// Leave closes the conversation's open ticket: the citizen went back to the
// automatic assistant.
func (s *Store) Leave(ctx context.Context, chat string) (*Ticket, error) {
	t, err := s.OpenFor(ctx, chat)
	if err != nil {
		return nil, err
	}
	return s.Close(ctx, t.ID, citizen)
}

// MarkLate flags ticket id as past its first-answer target; late is false
// when it was flagged before or answered (someone else told the citizen).
func (s *Store) MarkLate(ctx context.Context, id string) (t *Ticket, late bool, err error) {
	t, err = s.update(ctx, id, func(t *Ticket) error {
		late = false
		if t.Late || !t.Answered.IsZero() || !t.Active() {
			return nil
		}
		t.Late, late = true, true
		return nil
	}, nil)
	return t, late, err
}

// SetPost remembers the ticket's post in the Telegram operators group, so
// a reply to it reaches the ticket.
func (s *Store) SetPost(ctx context.Context, id string, msgID int64, first bool) error {
	if err := s.rdb.Set(ctx, s.key("tg", strconv.FormatInt(msgID, 10)), id, closedTTL).Err(); err != nil {
		return fmt.Errorf("handoff: remember the group post: %w", err)
	}
	if !first {
		return nil
	}
	_, err := s.update(ctx, id, func(t *Ticket) error { t.TGPost = msgID; return nil }, nil)
	return err
}

// ByPost returns the ticket id of a post in the Telegram operators group.
func (s *Store) ByPost(ctx context.Context, msgID int64) (string, error) {
	id, err := s.rdb.Get(ctx, s.key("tg", strconv.FormatInt(msgID, 10))).Result()
	if errors.Is(err, redis.Nil) {
		return "", ErrNotFound
	}
	return id, err
}

// List returns the tickets o may see that are not closed, oldest first,
// and, with closed, also those closed in the last day.
func (s *Store) List(ctx context.Context, o Officer, closed bool) ([]*Ticket, error) {
	ids, err := s.rdb.ZRange(ctx, s.key("active"), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("handoff: list tickets: %w", err)
	}
	if closed {
		since := s.now().Add(-24 * time.Hour).Unix()
		more, err := s.rdb.ZRangeByScore(ctx, s.key("closed"), &redis.ZRangeBy{Min: strconv.FormatInt(since, 10), Max: "+inf"}).Result()
		if err != nil {
			return nil, fmt.Errorf("handoff: list closed tickets: %w", err)
		}
		ids = append(ids, more...)
	}
	var out []*Ticket
	for _, id := range ids {
		t, err := s.Get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if o.May(t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Version is a number that changes whenever any ticket changes: the inbox
// page reloads its list when it moves.
func (s *Store) Version(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.key("ver")).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	return v, err
}

// Areas returns the areas tickets were opened for (key → name).
func (s *Store) Areas(ctx context.Context) (map[string]string, error) {
	return s.rdb.HGetAll(ctx, s.key("areas")).Result()
}
