package handoff

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/lograte"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// ZaloWindow is how long after a citizen's last message the Zalo OA lets
// the bot write to them.
const ZaloWindow = 7 * 24 * time.Hour

// Group is the Telegram operators group: the service posts each ticket
// there and officers answer by replying to the post.
type Group interface {
	// Post sends text to the group, as a reply to replyTo when it is not
	// 0, and returns the new message's id.
	Post(ctx context.Context, text string, replyTo int64) (int64, error)
}

// Areas lists the areas officers answer for (the accounts with role
// officer), so a citizen's typed commune matches the officers' spelling.
type Areas interface {
	OfficerAreas(ctx context.Context) ([]string, error)
}

// Referrals returns the area of a volunteer's referral ("v_<code>").
type Referrals interface {
	AreaOfRef(ctx context.Context, ref string) (string, error)
}

// Options configure a Service.
type Options struct {
	Store   *store.Store
	Content func() *content.Catalog
	Hours   Hours         // HANDOFF_HOURS (DefaultHours)
	SLA     time.Duration // HANDOFF_SLA, the first-answer target (30m)
	Group   Group         // the Telegram operators group; nil: none
	Areas   Areas
	Refs    Referrals
	// Senders, when set, finds the sender of a channel no RegisterSender
	// named: the engine's (flows.Engine.SenderOf).
	Senders func(channel string) flows.Sender
	Logger  *slog.Logger
	Now     func() time.Time
	// MaxNewPerMinute bounds the tickets opened in a minute, over every
	// replica (30): past it a citizen is pointed to the hotline, so that
	// a script cannot bury the officers under tickets.
	MaxNewPerMinute int
	// MaxNewPerClient bounds the tickets one client (the web chat's
	// address) opens in an hour (5).
	MaxNewPerClient int
}

// Service is the handoff: tickets, the relay to the citizen's channel, the
// operators group and the first-answer target. It implements flows.Handoff.
type Service struct {
	o       Options
	tickets *Store
	live    *Live
	log     *slog.Logger
	warn    *lograte.Limiter // what strangers can cause: one line a minute
	now     func() time.Time

	mu      sync.RWMutex
	senders map[string]flows.Sender
}

var _ flows.Handoff = (*Service)(nil)

// New returns the handoff service.
func New(o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Hours.Loc == nil {
		o.Hours = DefaultHours()
	}
	if o.SLA <= 0 {
		o.SLA = 30 * time.Minute
	}
	s := &Service{o: o, tickets: NewStore(o.Store, o.Now), log: o.Logger, warn: lograte.New(o.Logger, time.Minute, o.Now), now: o.Now, senders: map[string]flows.Sender{}}
	s.live = &Live{rdb: o.Store.Client(), key: func(chat string) string { return s.tickets.key("live", chat) }, tickets: s.tickets}
	s.senders["web"] = s.live
	return s
}

// SetGroup posts tickets to the Telegram operators group from now on (set
// it before serving).
func (s *Service) SetGroup(g Group) { s.o.Group = g }

// Tickets returns the ticket store.
func (s *Service) Tickets() *Store { return s.tickets }

// Live returns the web chat's live stream of officer replies.
func (s *Service) Live() *Live { return s.live }

// RegisterSender makes replies to channel's citizens go through sender
// (the same senders the engine delivers with).
func (s *Service) RegisterSender(channel string, sender flows.Sender) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.senders[channel] = sender
}

func (s *Service) sender(channel string) flows.Sender {
	s.mu.RLock()
	sender := s.senders[channel]
	s.mu.RUnlock()
	if sender == nil && s.o.Senders != nil {
		if found := s.o.Senders(channel); found != nil {
			return found
		}
	}
	return sender
}

func (s *Service) cat() *content.Catalog { return s.o.Content() }

// msg is a content message in locale.
func (s *Service) msg(locale, key string, pairs ...string) string {
	c := s.cat()
	if locale == "" {
		locale = c.DefaultLocale()
	}
	return c.Msg(locale, key, pairs...)
}

// Open implements flows.Handoff.
func (s *Service) Open(ctx context.Context, r flows.HandoffRequest) (flows.HandoffOpened, error) {
	now := s.now()
	if err := s.admitNew(ctx, r.Chat, r.Client, now); err != nil {
		return flows.HandoffOpened{}, err
	}
	t, created, err := s.tickets.Open(ctx, OpenRequest{
		Chat: r.Chat, Area: r.Area, Step: r.Step, Locale: r.Locale, Text: r.Text, MsgID: r.MsgID,
		Due: s.o.Hours.Due(now, s.o.SLA),
	})
	if err != nil {
		return flows.HandoffOpened{}, err
	}
	s.log.Info("handoff: ticket", "ticket", t.ID, "new", created, "channel", t.Channel, "area", t.Area)
	if created {
		s.post(ctx, t)
	}
	o := flows.HandoffOpened{ID: t.ID, InHours: s.o.Hours.Open(now), Hours: s.o.Hours.String(), Minutes: int(s.o.SLA / time.Minute)}
	if !o.InHours {
		o.When = s.o.Hours.NextOpen(now).In(s.o.Hours.Loc).Format("15:04 02/01/2006")
	}
	return o, nil
}

// admitNew counts a new ticket for chat in the minute of now, and returns
// flows.ErrHandoffBusy past MaxNewPerMinute, or past MaxNewPerClient in the
// hour from one client (the web chat's address): one address could
// otherwise take every ticket of the minute, every minute. A chat whose
// ticket is open is not counted: Open gives it that ticket.
func (s *Service) admitNew(ctx context.Context, chat, client string, now time.Time) error {
	if _, err := s.tickets.OpenFor(ctx, chat); err == nil {
		return nil
	}
	// One chat on any channel: a Telegram or Zalo account has no address,
	// and repeating "gặp cán bộ" after each close took every ticket of the
	// minute (security review T2).
	sum := sha256.Sum256([]byte(chat))
	n, err := s.count(ctx, s.tickets.key("openedchat", hex.EncodeToString(sum[:8]), strconv.FormatInt(now.Unix()/3600, 10)), 2*time.Hour)
	if err != nil {
		return fmt.Errorf("handoff: count new tickets of a chat: %w", err)
	}
	if n > defaultMaxNewPerChat {
		s.warn.Warn("chat", "handoff: one chat asked for too many officers this hour; pointing it to the hotline", "limit", defaultMaxNewPerChat)
		return flows.ErrHandoffBusy
	}
	if client != "" {
		sum := sha256.Sum256([]byte(client)) // the address is not kept as such
		n, err := s.count(ctx, s.tickets.key("openedby", hex.EncodeToString(sum[:8]), strconv.FormatInt(now.Unix()/3600, 10)), 2*time.Hour)
		if err != nil {
			return fmt.Errorf("handoff: count new tickets of a client: %w", err)
		}
		if limit := cmp.Or(s.o.MaxNewPerClient, defaultMaxNewPerClient); n > int64(limit) {
			s.warn.Warn("client", "handoff: one client asked for too many officers this hour; pointing it to the hotline", "limit", limit)
			return flows.ErrHandoffBusy
		}
	}
	n, err = s.count(ctx, s.tickets.key("opened", strconv.FormatInt(now.Unix()/60, 10)), 2*time.Minute)
	if err != nil {
		return fmt.Errorf("handoff: count new tickets: %w", err)
	}
	if limit := cmp.Or(s.o.MaxNewPerMinute, defaultMaxNewPerMinute); n > int64(limit) {
		s.log.Warn("handoff: too many new tickets this minute; pointing citizens to the hotline", "limit", limit)
		return flows.ErrHandoffBusy
	}
	return nil
}

// count adds one to the counter at key, which lasts ttl, and returns it.
func (s *Service) count(ctx context.Context, key string, ttl time.Duration) (int64, error) {
	p := s.tickets.rdb.TxPipeline()
	n := p.Incr(ctx, key)
	p.Expire(ctx, key, ttl)
	_, err := p.Exec(ctx)
	return n.Val(), err
}

// defaultMaxNewPerMinute is MaxNewPerMinute when it is not set.
const defaultMaxNewPerMinute = 30

// defaultMaxNewPerChat is how many tickets one chat may open in an hour:
// one closed early and asked again is fine, a loop is not.
const defaultMaxNewPerChat = 3

// defaultMaxNewPerClient is MaxNewPerClient when it is not set: a family
// sharing one connection may ask for a few officers in an hour.
const defaultMaxNewPerClient = 5

// Message implements flows.Handoff.
func (s *Service) Message(ctx context.Context, chat, msgID, text string) error {
	t, err := s.tickets.AddCitizen(ctx, chat, msgID, text)
	if errors.Is(err, ErrNoOpen) {
		return flows.ErrHandoffClosed
	}
	if err != nil {
		return err
	}
	if s.o.Group != nil && t.TGPost != 0 && len(t.Messages) > 0 {
		last := t.Messages[len(t.Messages)-1]
		if last.From == FromCitizen {
			gctx, cancel := context.WithTimeout(ctx, groupWait)
			id, err := s.o.Group.Post(gctx, s.msg("", "handoff_post_citizen", "id", t.ID, "text", last.Text), t.TGPost)
			cancel()
			if err != nil {
				s.log.Warn("handoff: post the citizen's message to the operators group", "ticket", t.ID, "err", err)
			} else if err := s.tickets.SetPost(ctx, t.ID, id, false); err != nil {
				s.log.Warn("handoff: remember the group post", "ticket", t.ID, "err", err)
			}
		}
	}
	return nil
}

// Leave implements flows.Handoff.
func (s *Service) Leave(ctx context.Context, chat string) error {
	t, err := s.tickets.Leave(ctx, chat)
	if errors.Is(err, ErrNoOpen) || errors.Is(err, ErrClosed) {
		return nil
	}
	if err != nil {
		return err
	}
	s.log.Info("handoff: citizen left the ticket", "ticket", t.ID, "channel", t.Channel, "area", t.Area)
	s.groupNote(ctx, t, s.msg("", "handoff_post_closed", "id", t.ID))
	return nil
}

// AreaOf implements flows.Handoff.
func (s *Service) AreaOf(ctx context.Context, ref string) string {
	if s.o.Refs == nil || ref == "" {
		return ""
	}
	area, err := s.o.Refs.AreaOfRef(ctx, ref)
	if err != nil {
		s.log.Warn("handoff: area of a referral", "err", err)
		return ""
	}
	return area
}

// MatchArea implements flows.Handoff.
func (s *Service) MatchArea(ctx context.Context, typed string) string {
	typed = strings.TrimSpace(typed)
	if s.o.Areas == nil {
		return typed
	}
	areas, err := s.o.Areas.OfficerAreas(ctx)
	if err != nil {
		s.log.Warn("handoff: officers' areas", "err", err)
		return typed
	}
	if a, ok := MatchArea(typed, areas); ok {
		return a
	}
	return typed
}

// areaWords are the words that name the kind of area, left out when
// comparing ("Phường Bến Nghé" and "bến nghé" are one).
var areaWords = map[string]bool{"xa": true, "phuong": true, "thi tran": true, "dac khu": true, "p": true, "p.": true, "x.": true}

// MatchArea finds the area of areas that typed names: equal when folded,
// or equal once "xã", "phường", "thị trấn" are left out.
func MatchArea(typed string, areas []string) (string, bool) {
	k := AreaKey(typed)
	bare := func(s string) string {
		f := strings.Fields(AreaKey(s))
		for len(f) > 1 && (areaWords[f[0]] || len(f) > 2 && areaWords[f[0]+" "+f[1]]) {
			if areaWords[f[0]+" "+f[1]] {
				f = f[2:]
			} else {
				f = f[1:]
			}
		}
		return strings.Join(f, " ")
	}
	for _, a := range areas {
		if AreaKey(a) == k {
			return a, true
		}
	}
	for _, a := range areas {
		if b := bare(a); b != "" && b == bare(typed) {
			return a, true
		}
	}
	return "", false
}

// Undeliverable is a reply that cannot reach the citizen (the Zalo OA's
// 7-day window has closed, the channel is not configured here).
type Undeliverable struct{ Reason string }

func (u *Undeliverable) Error() string { return "reply cannot be delivered: " + u.Reason }

// Reply checks an officer's reply, records it and relays it to the citizen
// on their channel. A refused reply (*Refusal: it asks for a secret or
// holds a link outside the allowed domains) or one that cannot be
// delivered (*Undeliverable) is neither recorded nor sent; the error says
// why, for the officer.
func (s *Service) Reply(ctx context.Context, id string, o Officer, text string) (*Ticket, error) {
	text = strings.TrimSpace(text)
	t, err := s.tickets.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case !o.May(t):
		return nil, ErrArea
	case !t.Active():
		return nil, ErrClosed
	}
	if err := CheckReply(text, s.cat().Meta.AllowedDomains); err != nil {
		s.log.Warn("handoff: reply refused", "ticket", id, "officer", o.ID, "area", t.Area, "reason", err)
		return nil, err
	}
	if err := s.deliverable(t); err != nil {
		s.log.Warn("handoff: reply cannot be delivered", "ticket", id, "officer", o.ID, "channel", t.Channel, "reason", err)
		return nil, err
	}
	t, err = s.tickets.Reply(ctx, id, o, text)
	if err != nil {
		return nil, err
	}
	r := flows.Reply{Text: s.msg(t.Locale, "handoff_officer_says", "name", o.Name, "text", text), Locale: t.Locale,
		Buttons: [][]flows.Button{{{Label: s.msg(t.Locale, "btn_handoff_leave"), Payload: "handoff_leave"}}}}
	if err := s.send(ctx, t, r); err != nil {
		return t, err
	}
	s.log.Info("handoff: reply relayed", "ticket", id, "officer", o.ID, "channel", t.Channel, "area", t.Area, "chars", len([]rune(text)))
	return t, nil
}

// deliverable says whether a message can reach t's citizen now.
func (s *Service) deliverable(t *Ticket) error {
	if s.sender(t.Channel) == nil {
		return &Undeliverable{fmt.Sprintf("the channel %q is not configured on this replica", t.Channel)}
	}
	if t.Channel == "zalo" && s.now().Sub(t.LastCitizen) > ZaloWindow {
		return &Undeliverable{fmt.Sprintf("Zalo lets the bot write only within 7 days of the citizen's last message (%s); ask them to write again, or call", t.LastCitizen.In(s.o.Hours.Loc).Format("02/01/2006 15:04"))}
	}
	return nil
}

// send delivers one message to t's citizen.
func (s *Service) send(ctx context.Context, t *Ticket, r flows.Reply) error {
	if err := s.deliverable(t); err != nil {
		return err
	}
	if err := s.sender(t.Channel).Send(ctx, t.ChatID(), []flows.Reply{r}); err != nil {
		s.log.Error("handoff: relay to the citizen failed", "ticket", t.ID, "channel", t.Channel, "err", err)
		return &Undeliverable{fmt.Sprintf("the %s platform refused the message: %v", t.Channel, err)}
	}
	return nil
}

// Claim gives ticket id to officer o (exclusive).
func (s *Service) Claim(ctx context.Context, id string, o Officer) (*Ticket, error) {
	t, err := s.tickets.Claim(ctx, id, o)
	if err != nil {
		return nil, err
	}
	s.log.Info("handoff: ticket claimed", "ticket", id, "officer", o.ID, "area", t.Area)
	s.groupNote(ctx, t, s.msg("", "handoff_post_claimed", "id", t.ID, "name", o.Name))
	return t, nil
}

// Close closes ticket id and tells the citizen they are back with the
// automatic assistant.
func (s *Service) Close(ctx context.Context, id string, o Officer) (*Ticket, error) {
	t, err := s.tickets.Close(ctx, id, o)
	if err != nil {
		return nil, err
	}
	s.log.Info("handoff: ticket closed", "ticket", id, "officer", o.ID, "area", t.Area)
	if err := s.send(ctx, t, flows.Reply{Text: s.msg(t.Locale, "handoff_closed_by_officer"), Locale: t.Locale}); err != nil {
		s.log.Warn("handoff: could not tell the citizen the ticket closed", "ticket", id, "err", err)
	}
	s.groupNote(ctx, t, s.msg("", "handoff_post_closed", "id", t.ID))
	return t, nil
}

// CheckLate flags the open tickets past their first-answer target with no
// answer, and tells each citizen once. Every replica may run it: a ticket
// is flagged by one compare-and-set only.
func (s *Service) CheckLate(ctx context.Context) error {
	all, err := s.tickets.List(ctx, Officer{All: true}, false)
	if err != nil {
		return err
	}
	return s.checkLate(ctx, all)
}

// checkLate is CheckLate over the open tickets all.
func (s *Service) checkLate(ctx context.Context, all []*Ticket) error {
	now := s.now()
	for _, t := range all {
		if t.Late || !t.Answered.IsZero() || t.Due.IsZero() || now.Before(t.Due) {
			continue
		}
		t, late, err := s.tickets.MarkLate(ctx, t.ID)
		if err != nil {
			return err
		}
		if !late {
			continue
		}
		s.log.Warn("handoff: first-answer target passed", "ticket", t.ID, "area", t.Area, "channel", t.Channel)
		if err := s.send(ctx, t, flows.Reply{Text: s.msg(t.Locale, "handoff_late"), Locale: t.Locale}); err != nil {
			s.log.Warn("handoff: could not tell the citizen the target passed", "ticket", t.ID, "err", err)
		}
		s.groupNote(ctx, t, s.msg("", "handoff_post_late", "id", t.ID))
	}
	return nil
}

// CloseStale closes the open tickets nobody wrote in for StaleAfter. Every
// replica may run it: a ticket is closed by one compare-and-set only.
func (s *Service) CloseStale(ctx context.Context) error {
	all, err := s.tickets.List(ctx, Officer{All: true}, false)
	if err != nil {
		return err
	}
	s.closeStale(ctx, all)
	return nil
}

// closeStale is CloseStale over the open tickets all; it returns the
// tickets it left open.
func (s *Service) closeStale(ctx context.Context, all []*Ticket) []*Ticket {
	now := s.now()
	return slices.DeleteFunc(all, func(t *Ticket) bool {
		if !t.Stale(now) {
			return false
		}
		done, closed, err := s.tickets.CloseStale(ctx, t.ID)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("handoff: close a stale ticket", "ticket", t.ID, "err", err)
			}
			return false
		}
		if closed {
			s.log.Info("handoff: ticket closed, nobody wrote for a week", "ticket", t.ID, "area", t.Area, "channel", t.Channel)
			s.groupNote(ctx, done, s.msg("", "handoff_post_closed", "id", t.ID))
		}
		return closed
	})
}

// Run closes stale tickets, checks the first-answer target, and posts the tickets the operators
// group did not get at once, every interval until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		// One read of the open tickets serves both checks.
		all, err := s.tickets.List(ctx, Officer{All: true}, false)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("handoff: list open tickets", "err", err)
		case err == nil:
			all = s.closeStale(ctx, all)
			if err := s.checkLate(ctx, all); err != nil && ctx.Err() == nil {
				s.log.Warn("handoff: first-answer check", "err", err)
			}
			if err := s.postMissing(ctx, all); err != nil && ctx.Err() == nil {
				s.log.Warn("handoff: post missing tickets to the operators group", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// groupWait bounds how long a citizen's request waits for its post to the
// operators group. The group takes about one message a second; past that
// its backlog is the group's, not the citizen's: the post is refused at
// once (telegram.ErrNoSlot), the ticket is in the inbox, and PostMissing
// posts it later.
const groupWait = 2 * time.Second

// PostMissing posts the open tickets that have no post in the operators
// group yet (their first post was refused or failed), oldest first. A
// short lock per ticket keeps two replicas from posting one twice.
func (s *Service) PostMissing(ctx context.Context) error {
	if s.o.Group == nil {
		return nil
	}
	all, err := s.tickets.List(ctx, Officer{All: true}, false)
	if err != nil {
		return err
	}
	return s.postMissing(ctx, all)
}

// postMissing is PostMissing over the open tickets all.
func (s *Service) postMissing(ctx context.Context, all []*Ticket) error {
	if s.o.Group == nil {
		return nil
	}
	for _, t := range all {
		if t.TGPost != 0 {
			continue
		}
		lock := s.tickets.key("posting", t.ID)
		ok, err := s.tickets.rdb.SetNX(ctx, lock, 1, time.Minute).Result()
		if err != nil {
			return fmt.Errorf("handoff: lock a ticket to post: %w", err)
		}
		if ok && !s.post(ctx, t) {
			s.tickets.rdb.Del(ctx, lock) // the group is still full: the next round tries again
			return nil
		}
	}
	return nil
}

// post puts a new ticket in the operators group, and reports whether it
// did.
func (s *Service) post(ctx context.Context, t *Ticket) bool {
	if s.o.Group == nil {
		return false
	}
	var lines []string
	for _, m := range t.Messages {
		lines = append(lines, "› "+m.Text)
	}
	step := t.Step
	if step == "" {
		step = "-"
	}
	text := s.msg("", "handoff_post", "id", t.ID, "area", t.Area, "channel", t.Channel, "step", step, "messages", strings.Join(lines, "\n"))
	gctx, cancel := context.WithTimeout(ctx, groupWait)
	defer cancel()
	id, err := s.o.Group.Post(gctx, text, 0)
	if err != nil {
		s.log.Warn("handoff: post the ticket to the operators group; it is in the inbox and will be posted later", "ticket", t.ID, "err", err)
		return false
	}
	if err := s.tickets.SetPost(ctx, t.ID, id, true); err != nil {
		s.log.Warn("handoff: remember the group post", "ticket", t.ID, "err", err)
	}
	return true
}

// groupNote posts a short note about t under its post in the group.
func (s *Service) groupNote(ctx context.Context, t *Ticket, text string) {
	if s.o.Group == nil || t.TGPost == 0 {
		return
	}
	gctx, cancel := context.WithTimeout(ctx, groupWait)
	defer cancel()
	if _, err := s.o.Group.Post(gctx, text, t.TGPost); err != nil {
		s.log.Warn("handoff: note in the operators group", "ticket", t.ID, "err", err)
	}
}

// GroupMessage is a message an officer wrote in the operators group.
type GroupMessage struct {
	ReplyTo  int64  // the post it replies to (0: none)
	Text     string // the text, or a command: "/dong" closes, "/nhan" claims
	UserID   int64
	UserName string
}

// FromGroup handles an officer's message in the operators group: a reply
// to a ticket's post is relayed to the citizen; "/dong" closes the ticket,
// "/nhan" claims it. It returns what to post back (the outcome or the
// reason of a refusal), or "" for a message about no ticket.
func (s *Service) FromGroup(ctx context.Context, m GroupMessage) string {
	if m.ReplyTo == 0 {
		return ""
	}
	id, err := s.tickets.ByPost(ctx, m.ReplyTo)
	if err != nil {
		return ""
	}
	// The group is the operators' own: its members act for every area.
	o := Officer{ID: "tg:" + strconv.FormatInt(m.UserID, 10), Name: m.UserName, All: true}
	cmd := strings.ToLower(strings.SplitN(strings.TrimSpace(m.Text), "@", 2)[0])
	var t *Ticket
	switch cmd {
	case "/dong", "/close":
		t, err = s.Close(ctx, id, o)
		if err == nil {
			return "" // Close posted the note
		}
	case "/nhan", "/claim":
		t, err = s.Claim(ctx, id, o)
		if err == nil {
			return ""
		}
	default:
		t, err = s.Reply(ctx, id, o, m.Text)
		if err == nil {
			return s.msg("", "handoff_post_sent", "id", t.ID)
		}
	}
	return s.msg("", "handoff_post_refused", "id", id, "reason", err.Error())
}
