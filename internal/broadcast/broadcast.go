// Package broadcast sends one message to a segment of the bot's users, and
// automatic reminders to users who stopped inside a flow, through each
// channel's sender and within each platform's rules.
//
// A broadcast is a job kept in Redis: its message, the recipients chosen
// when it was created (one list per channel), and each recipient's state.
// A recipient is claimed (HSETNX) before the send and marked after it, so a
// run that stops, crashes or is restarted resumes where it was and never
// sends anyone the message twice. Only a process killed during one send
// leaves that recipient "uncertain" (the platform may or may not have
// delivered it); those are counted and re-sent only on request.
//
//	bc:jobs           zset  job id → creation time
//	bc:<id>           hash  message, segment, creation time, recipients
//	bc:<id>:q:<chan>  list  recipients of one channel ("tg:123"), in order
//	bc:<id>:st        hash  recipient → sending:<run> | sent | outside_window | blocked | failed | gone
//	bc:<id>:lease     string the run that may send, with a TTL it renews
package broadcast

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/retry"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

// Sender delivers replies to one chat of its channel, outside a
// conversation turn. chatID is the platform's id (without the "tg:"
// prefix). The channel adapters' Send methods are Senders.
type Sender interface {
	Send(ctx context.Context, chatID string, replies []flows.Reply) error
}

// Channel is one channel's way out and its platform's rules.
type Channel struct {
	Sender Sender
	// PerSecond paces this channel's sends. Telegram allows about 30/s for
	// the whole bot, so a broadcast takes less and leaves live replies room.
	PerSecond float64
	// Window is how long after the user's last message the platform lets
	// the bot write (Zalo OA: 7 days); zero means no limit.
	Window time.Duration
	// Buttons says payload buttons work (false on the Zalo Bot Platform,
	// whose numbered text choices would clash with the last turn's numbers).
	Buttons bool
	// Unreachable reports errors meaning the user blocked or left the bot:
	// counted as blocked, never retried.
	Unreachable func(error) bool
}

// Message is what a broadcast says: a text, or a FAQ entry (in each user's
// language, with its links).
type Message struct {
	Text  string `json:"text,omitempty"`
	Entry string `json:"entry,omitempty"`
}

// Segment chooses the recipients.
type Segment struct {
	Kind string // "all", "stuck", "unfinished" or "ref"
	Arg  string // the flow of "stuck", the referral ("v_<code>") of "ref"
}

func (s Segment) String() string {
	if s.Arg == "" {
		return s.Kind
	}
	if s.Kind == "ref" {
		return "ref:" + strings.TrimPrefix(s.Arg, volunteer.RefPrefix)
	}
	return s.Kind + ":" + s.Arg
}

// ParseSegment reads "all", "unfinished", "stuck:<flow>" or "ref:<code>".
func ParseSegment(s string) (Segment, error) {
	kind, arg, _ := strings.Cut(strings.TrimSpace(s), ":")
	switch kind {
	case "", "all":
		return Segment{Kind: "all"}, nil
	case "unfinished":
		return Segment{Kind: "unfinished"}, nil
	case "stuck":
		if !content.ValidID(arg) {
			return Segment{}, fmt.Errorf("segment %q: give the flow, e.g. stuck:level2_activate", s)
		}
		return Segment{Kind: "stuck", Arg: arg}, nil
	case "ref":
		ref := volunteer.RefPrefix + strings.TrimPrefix(strings.ToLower(arg), volunteer.RefPrefix)
		if !volunteer.ValidRef(ref) {
			return Segment{}, fmt.Errorf("segment %q: give a volunteer code, e.g. ref:k7m2p9xq", s)
		}
		return Segment{Kind: "ref", Arg: ref}, nil
	}
	return Segment{}, fmt.Errorf("segment %q: must be all, unfinished, stuck:<flow> or ref:<code>", s)
}

// Options configure a Broadcaster.
type Options struct {
	Store    *store.Store
	Content  func() *content.Catalog
	Channels map[string]Channel // by channel name: "tg", "zalo", "zalobot"
	Stats    *stats.Reader      // the chat index
	Recorder *stats.Recorder    // counts blocked chats; optional
	Logger   *slog.Logger
	Now      func() time.Time
	// Since bounds "all": chats active within it (90 days).
	Since time.Duration
	// Workers sends to this many chats of one channel at once (4).
	Workers int
	// LeaseTTL is how long a crashed run blocks a new one (30 s).
	LeaseTTL time.Duration
	// SendTimeout bounds one send (30 s).
	SendTimeout time.Duration

	crash     func(point, chat string) error // tests: simulate a crash at a point
	chooseGap time.Duration                  // tests: pause between batches of recipients (0: chooseGap; <0: none)
}

// Broadcaster creates and runs broadcasts.
type Broadcaster struct {
	o   Options
	rdb redis.UniversalClient
	log *slog.Logger
}

// New returns a Broadcaster.
func New(o Options) *Broadcaster {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Since <= 0 {
		o.Since = stats.DefaultIndexFor
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 30 * time.Second
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = 30 * time.Second
	}
	return &Broadcaster{o: o, rdb: o.Store.Client(), log: o.Logger}
}

// jobTTL is how long a job's keys are kept after its last change.
const jobTTL = 30 * 24 * time.Hour

func (b *Broadcaster) key(id string, parts ...string) string {
	return b.o.Store.BroadcastKey(id, parts...)
}

// Recipient states.
const (
	stSent          = "sent"
	stOutsideWindow = "outside_window"
	stBlocked       = "blocked"
	stFailed        = "failed"
	stGone          = "gone" // no session any more: nothing to say it in
	stSending       = "sending:"
)

// Counts are one channel's numbers in a plan or a job.
type Counts struct {
	Recipients    int64 `json:"recipients"`     // in the segment
	Sent          int64 `json:"sent"`           // delivered
	OutsideWindow int64 `json:"outside_window"` // skipped: the platform's window had closed
	Blocked       int64 `json:"blocked"`        // the user blocked or left the bot
	Failed        int64 `json:"failed"`         // the send failed; "--retry-failed" tries again
	Gone          int64 `json:"gone"`           // the conversation had expired
	Uncertain     int64 `json:"uncertain"`      // a crash during the send: maybe delivered
	Pending       int64 `json:"pending"`        // not handled yet
	NoSender      bool  `json:"no_sender,omitempty"`
}

// Status is a job and its numbers per channel.
type Status struct {
	ID       string            `json:"id"`
	Segment  string            `json:"segment"`
	Message  Message           `json:"message"`
	Created  time.Time         `json:"created"`
	Done     bool              `json:"done"`
	Channels map[string]Counts `json:"channels"`
}

// recipient is one chosen chat with what the send needs from its session.
type recipient struct {
	chat    string
	channel string
	id      string
	sess    flows.Session
	found   bool
}

// Plan chooses the recipients of seg and counts them per channel, as of
// now, without sending or storing anything (the dry run).
func (b *Broadcaster) Plan(ctx context.Context, seg Segment) (map[string]Counts, error) {
	out := map[string]Counts{}
	now := b.o.Now()
	err := b.choose(ctx, seg, func(r recipient) error {
		c := out[r.channel]
		c.Recipients++
		ch, ok := b.o.Channels[r.channel]
		switch {
		case !ok:
			c.NoSender = true
		case !r.found:
			c.Gone++
		case ch.Window > 0 && now.Sub(time.Unix(r.sess.Updated, 0)) > ch.Window:
			c.OutsideWindow++
		default:
			c.Pending++
		}
		out[r.channel] = c
		return nil
	})
	return out, err
}

// Choosing recipients is bulk work: it reads sessions in pipelined batches
// and pauses between batches, so that a broadcast to tens of thousands of
// users never crowds out the conversations going on meanwhile (issue 13).
const (
	chooseBatch = 256                  // sessions read per round trip
	chooseGap   = 5 * time.Millisecond // pause after each batch: ~50,000 users in 1-2 s
)

// choose walks the chat index and calls fn for each member of seg.
func (b *Broadcaster) choose(ctx context.Context, seg Segment, fn func(recipient) error) error {
	now := b.o.Now()
	from := now.Add(-b.o.Since)
	chats := make([]string, 0, chooseBatch)
	visit := func(batch []stats.Seen) error {
		for len(batch) > 0 {
			part := batch[:min(chooseBatch, len(batch))]
			batch = batch[len(part):]
			chats = chats[:0]
			for _, s := range part {
				chats = append(chats, s.Chat)
			}
			snaps, err := b.o.Store.LoadSessions(ctx, chats)
			if err != nil {
				return err
			}
			for i, chat := range chats {
				r := newRecipient(chat, snaps[i])
				if !b.inSegment(seg, r) {
					continue
				}
				if err := fn(r); err != nil {
					return err
				}
			}
			if b.o.chooseGap >= 0 {
				if err := retry.Sleep(ctx, cmp.Or(b.o.chooseGap, chooseGap)); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if seg.Kind == "stuck" {
		return b.o.Stats.StuckChats(ctx, seg.Arg, from, now, visit)
	}
	return b.o.Stats.Chats(ctx, from, now, visit)
}

func (b *Broadcaster) inSegment(seg Segment, r recipient) bool {
	switch seg.Kind {
	case "unfinished":
		return r.found && unfinished(b.o.Content(), &r.sess)
	case "ref":
		return r.found && r.sess.Ref == seg.Arg
	}
	return true
}

// load reads chat's session.
func (b *Broadcaster) load(ctx context.Context, chat string) (recipient, error) {
	return loadRecipient(ctx, b.o.Store, chat)
}

func loadRecipient(ctx context.Context, st *store.Store, chat string) (recipient, error) {
	snap, err := st.LoadSession(ctx, chat, "")
	if err != nil {
		channel, id, _ := strings.Cut(chat, ":")
		return recipient{chat: chat, channel: channel, id: id}, err
	}
	return newRecipient(chat, snap), nil
}

// newRecipient is chat with its loaded session.
func newRecipient(chat string, snap store.Snapshot) recipient {
	channel, id, _ := strings.Cut(chat, ":")
	r := recipient{chat: chat, channel: channel, id: id}
	if len(snap.Data) > 0 && json.Unmarshal(snap.Data, &r.sess) == nil {
		r.found = true
	}
	return r
}

// unfinished reports whether s is inside a flow it has not completed.
func unfinished(cat *content.Catalog, s *flows.Session) bool {
	if s.Flow == "" || cat == nil {
		return false
	}
	f := cat.Flow(s.Flow)
	if f == nil || f.Step(s.Step) == nil {
		return false
	}
	return !f.Step(s.Step).End
}

// Create stores a new job: the message and the recipients chosen now.
func (b *Broadcaster) Create(ctx context.Context, msg Message, seg Segment) (Status, error) {
	if err := b.checkMessage(msg); err != nil {
		return Status{}, err
	}
	id := b.o.Now().UTC().Format("20060102-150405") + "-" + randomHex(3)
	queues := map[string][]string{}
	err := b.choose(ctx, seg, func(r recipient) error {
		queues[r.channel] = append(queues[r.channel], r.chat)
		return nil
	})
	if err != nil {
		return Status{}, err
	}
	data, _ := json.Marshal(msg)
	created := b.o.Now().UTC().Truncate(time.Second)
	_, err = b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		fields := []any{"msg", data, "seg", seg.String(), "created", created.Unix()}
		for ch, q := range queues {
			fields = append(fields, "n|"+ch, len(q))
			qk := b.key(id, "q", ch)
			for i := 0; i < len(q); i += 1000 {
				chunk := make([]any, 0, 1000)
				for _, c := range q[i:min(i+1000, len(q))] {
					chunk = append(chunk, c)
				}
				p.RPush(ctx, qk, chunk...)
			}
			p.Expire(ctx, qk, jobTTL)
		}
		p.HSet(ctx, b.key(id), fields...)
		p.Expire(ctx, b.key(id), jobTTL)
		return nil
	})
	if err != nil {
		return Status{}, fmt.Errorf("create broadcast: %w", err)
	}
	// The index is in another cluster slot than the job, so it is written
	// after the job's MULTI: a job is listed only once it exists whole.
	if err := b.rdb.ZAdd(ctx, b.o.Store.BroadcastJobsKey(), redis.Z{Score: float64(created.Unix()), Member: id}).Err(); err != nil {
		return Status{}, fmt.Errorf("list broadcast: %w", err)
	}
	return b.Status(ctx, id)
}

func (b *Broadcaster) checkMessage(msg Message) error {
	switch {
	case (msg.Text == "") == (msg.Entry == ""):
		return errors.New("broadcast: give a text or a FAQ entry, not both")
	case msg.Entry != "" && (b.o.Content() == nil || b.o.Content().Entry(msg.Entry) == nil):
		return fmt.Errorf("broadcast: no FAQ entry %q", msg.Entry)
	case len([]rune(msg.Text)) > 4000:
		return errors.New("broadcast: the text is longer than 4000 characters")
	}
	return nil
}

// ErrBusy means another run holds the job's lease.
var ErrBusy = errors.New("broadcast: another run is sending this broadcast")

// errCrash is returned by the test hook to simulate a process dying.
var errCrash = errors.New("broadcast: simulated crash")

// RunOptions tune one run.
type RunOptions struct {
	// RetryFailed re-sends to recipients whose send failed.
	RetryFailed bool
	// RetryUncertain re-sends to recipients a crash left uncertain, who may
	// then get the message twice.
	RetryUncertain bool
}

// Run sends job id's message to each recipient not handled yet, channel by
// channel in parallel, until all are handled or ctx ends. A stopped or
// crashed run is resumed by calling Run again.
func (b *Broadcaster) Run(ctx context.Context, id string, ro RunOptions) (Status, error) {
	job, err := b.job(ctx, id)
	if err != nil {
		return Status{}, err
	}
	run := randomHex(6)
	lease := b.o.Store.NewLease(b.key(id, "lease"), b.o.LeaseTTL)
	ok, err := lease.Acquire(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("broadcast: %w", err)
	}
	if !ok {
		return Status{}, ErrBusy
	}
	runCtx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go b.keepLease(runCtx, stop, lease)
	defer lease.Release(ctx)

	var wg sync.WaitGroup
	errs := make(chan error, len(job.channels))
	for _, ch := range job.channels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := b.runChannel(runCtx, job, ch, run, ro); err != nil {
				errs <- fmt.Errorf("%s: %w", ch, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	var all []error
	for e := range errs {
		all = append(all, e)
	}
	if cause := context.Cause(runCtx); cause != nil && !errors.Is(cause, context.Canceled) {
		all = append(all, cause)
	}
	st, err := b.Status(context.WithoutCancel(ctx), id)
	if err != nil {
		all = append(all, err)
	}
	if err := errors.Join(all...); err != nil {
		return st, err
	}
	return st, ctx.Err()
}

var errLeaseLost = errors.New("broadcast: lease lost (another run took over)")

// keepLease renews the lease until ctx ends; losing it stops the run.
func (b *Broadcaster) keepLease(ctx context.Context, stop context.CancelCauseFunc, lease *store.Lease) {
	t := time.NewTicker(lease.TTL() / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			ok, err := lease.Renew(ctx)
			if err != nil {
				if ctx.Err() == nil {
					b.log.Warn("broadcast: lease renewal failed", "err", err)
				}
				continue
			}
			if !ok {
				stop(errLeaseLost)
				return
			}
		}
	}
}

type job struct {
	id       string
	msg      Message
	channels []string
}

// header reads job id's hash. A job written before its keys shared the
// job's cluster slot is moved to its new keys first.
func (b *Broadcaster) header(ctx context.Context, id string) (map[string]string, error) {
	h, err := b.rdb.HGetAll(ctx, b.key(id)).Result()
	if err != nil || len(h) > 0 {
		return h, err
	}
	st := b.o.Store
	old, err := b.rdb.HGetAll(ctx, st.OldBroadcastKey(id)).Result()
	if err != nil || len(old) == 0 {
		return h, err
	}
	moves := [][2]string{{st.OldBroadcastKey(id, "st"), b.key(id, "st")}}
	for f := range old {
		if ch, ok := strings.CutPrefix(f, "n|"); ok {
			moves = append(moves, [2]string{st.OldBroadcastKey(id, "q", ch), b.key(id, "q", ch)})
		}
	}
	moves = append(moves, [2]string{st.OldBroadcastKey(id), b.key(id)}) // the header last: it marks the move done
	for _, m := range moves {
		if err := st.MoveKey(ctx, m[0], m[1]); err != nil {
			return nil, fmt.Errorf("broadcast %s: %w", id, err)
		}
	}
	return b.rdb.HGetAll(ctx, b.key(id)).Result()
}

func (b *Broadcaster) job(ctx context.Context, id string) (job, error) {
	h, err := b.header(ctx, id)
	if err != nil {
		return job{}, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	if len(h) == 0 {
		return job{}, fmt.Errorf("broadcast %s: no such job (jobs are kept 30 days)", id)
	}
	j := job{id: id}
	if err := json.Unmarshal([]byte(h["msg"]), &j.msg); err != nil {
		return job{}, fmt.Errorf("broadcast %s: message: %w", id, err)
	}
	for f := range h {
		if ch, ok := strings.CutPrefix(f, "n|"); ok {
			j.channels = append(j.channels, ch)
		}
	}
	sort.Strings(j.channels)
	return j, nil
}

// runChannel sends to one channel's queue with Workers at a time, paced.
func (b *Broadcaster) runChannel(ctx context.Context, j job, channel, run string, ro RunOptions) error {
	ch, ok := b.o.Channels[channel]
	if !ok {
		return nil // no sender: left pending and counted as such
	}
	pace := newPacer(ch.PerSecond)
	qk := b.key(j.id, "q", channel)
	work := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range b.o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chat := range work {
				if err := b.deliver(ctx, j, ch, chat, run, ro, pace); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	var err error
feed:
	for start := int64(0); ; start += 500 {
		var chats []string
		chats, err = b.rdb.LRange(ctx, qk, start, start+499).Result()
		if err != nil || len(chats) == 0 {
			break
		}
		for _, c := range chats {
			mu.Lock()
			stopped := firstErr != nil
			mu.Unlock()
			if stopped {
				break feed
			}
			select {
			case work <- c:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(work)
	wg.Wait()
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("read recipients: %w", err)
	}
	return firstErr
}

// deliver handles one recipient: claim, check, send, mark.
func (b *Broadcaster) deliver(ctx context.Context, j job, ch Channel, chat, run string, ro RunOptions, pace *pacer) error {
	if ctx.Err() != nil {
		return nil
	}
	stk := b.key(j.id, "st")
	claimed, err := b.claim(ctx, stk, chat, run, ro)
	if err != nil || !claimed {
		return err
	}
	// From here on the recipient is ours: finish it even if the run is
	// being stopped, so a graceful stop never leaves anyone uncertain.
	ctx = context.WithoutCancel(ctx)
	if b.o.crash != nil {
		if err := b.o.crash("before_send", chat); err != nil {
			return err
		}
	}
	r, err := b.load(ctx, chat)
	if err != nil {
		b.rdb.HDel(ctx, stk, chat)
		return err
	}
	state := stSent
	switch {
	case !r.found:
		state = stGone
	case ch.Window > 0 && b.o.Now().Sub(time.Unix(r.sess.Updated, 0)) > ch.Window:
		state = stOutsideWindow
	default:
		if err := pace.wait(ctx); err != nil {
			b.rdb.HDel(ctx, stk, chat)
			return err
		}
		sctx, cancel := context.WithTimeout(ctx, b.o.SendTimeout)
		err := ch.Sender.Send(sctx, r.id, render(b.o.Content(), j.msg, r.sess.Locale, ch.Buttons))
		cancel()
		if b.o.crash != nil {
			if err := b.o.crash("after_send", chat); err != nil {
				return err
			}
		}
		switch {
		case err == nil:
		case ch.Unreachable != nil && ch.Unreachable(err):
			state = stBlocked
			if b.o.Recorder != nil {
				b.o.Recorder.Record(ctx, []flows.Event{{Kind: stats.EventBlocked, Channel: r.channel, Chat: chat, Ref: r.sess.Ref, Time: b.o.Now()}})
			}
		default:
			state = stFailed
			b.log.Warn("broadcast: send failed", "job", j.id, "chat", chat, "err", err)
		}
	}
	_, err = b.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, stk, chat, state)
		p.Expire(ctx, stk, jobTTL)
		return nil
	})
	return err
}

// claimScript takes recipient ARGV[4] of the states hash KEYS[1] for run
// ARGV[1]: a free one always; a failed one or one left by a crashed run
// only when asked (ARGV[2], ARGV[3]).
var claimScript = redis.NewScript(`
local cur = redis.call("HGET", KEYS[1], ARGV[4])
if cur == false or (cur == "failed" and ARGV[2] == "1") or (string.sub(cur, 1, 8) == "sending:" and cur ~= ARGV[1] and ARGV[3] == "1") then
  redis.call("HSET", KEYS[1], ARGV[4], ARGV[1])
  return 1
end
return 0`)

func (b *Broadcaster) claim(ctx context.Context, stk, chat, run string, ro RunOptions) (bool, error) {
	n, err := claimScript.Run(ctx, b.rdb, []string{stk}, stSending+run, flag(ro.RetryFailed), flag(ro.RetryUncertain), chat).Int()
	if err != nil {
		return false, fmt.Errorf("claim recipient: %w", err)
	}
	return n == 1, nil
}

func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// render builds the replies of msg for one user.
func render(cat *content.Catalog, msg Message, locale string, buttons bool) []flows.Reply {
	r := flows.Reply{Text: msg.Text}
	if cat != nil {
		if locale == "" || !cat.HasLocale(locale) {
			locale = cat.DefaultLocale()
		}
		if e := cat.Entry(msg.Entry); e != nil {
			r.Text = e.Answer.Get(locale, cat.DefaultLocale())
			for _, l := range e.Links {
				r.Buttons = append(r.Buttons, []flows.Button{{Label: l.Label.Get(locale, cat.DefaultLocale()), URL: l.URL}})
			}
		}
		if buttons {
			r.Buttons = append(r.Buttons, []flows.Button{{Label: cat.Msg(locale, "btn_menu"), Payload: "menu"}})
		}
	}
	return []flows.Reply{r}
}

// Status returns job id's numbers, counted from the recipients' states.
func (b *Broadcaster) Status(ctx context.Context, id string) (Status, error) {
	h, err := b.header(ctx, id)
	if err != nil {
		return Status{}, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	if len(h) == 0 {
		return Status{}, fmt.Errorf("broadcast %s: no such job", id)
	}
	s := Status{ID: id, Segment: h["seg"], Channels: map[string]Counts{}}
	json.Unmarshal([]byte(h["msg"]), &s.Message)
	if c, err := strconv.ParseInt(h["created"], 10, 64); err == nil {
		s.Created = time.Unix(c, 0).UTC()
	}
	for f, v := range h {
		if ch, ok := strings.CutPrefix(f, "n|"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			_, has := b.o.Channels[ch]
			s.Channels[ch] = Counts{Recipients: n, Pending: n, NoSender: !has}
		}
	}
	iter := b.rdb.HScan(ctx, b.key(id, "st"), 0, "", 1000).Iterator()
	for iter.Next(ctx) {
		chat := iter.Val()
		if !iter.Next(ctx) {
			break
		}
		state := iter.Val()
		channel, _, _ := strings.Cut(chat, ":")
		c := s.Channels[channel]
		c.Pending--
		switch {
		case state == stSent:
			c.Sent++
		case state == stOutsideWindow:
			c.OutsideWindow++
		case state == stBlocked:
			c.Blocked++
		case state == stFailed:
			c.Failed++
		case state == stGone:
			c.Gone++
		default:
			c.Uncertain++
		}
		s.Channels[channel] = c
	}
	if err := iter.Err(); err != nil {
		return Status{}, fmt.Errorf("read broadcast %s: %w", id, err)
	}
	s.Done = true
	for _, c := range s.Channels {
		if c.Pending > 0 && !c.NoSender {
			s.Done = false
		}
	}
	return s, nil
}

// Jobs lists the broadcasts of the last 30 days, newest first.
func (b *Broadcaster) Jobs(ctx context.Context) ([]string, error) {
	key := b.o.Store.BroadcastJobsKey()
	b.rdb.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(b.o.Now().Add(-jobTTL).Unix(), 10))
	return b.rdb.ZRevRange(ctx, key, 0, 99).Result()
}

// pacer spaces sends evenly at a rate shared by a channel's workers.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newPacer(perSecond float64) *pacer {
	p := &pacer{}
	if perSecond > 0 {
		p.interval = time.Duration(float64(time.Second) / perSecond)
	}
	return p
}

func (p *pacer) wait(ctx context.Context) error {
	if p.interval == 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now() // real time: pacing is about the platform's clock, not the test's
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	d := time.Until(at)
	if d <= 0 {
		return nil
	}
	return retry.Sleep(ctx, d)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
