// Package telegram is the Telegram channel: it receives updates by long
// polling or by webhook, turns them into flows.Inbound, and renders the
// engine's replies as Telegram messages with inline keyboards, within
// Telegram's rate limits. Telegram's types never leave this package.
//
// It uses github.com/go-telegram-bot-api/telegram-bot-api/v5 for the wire
// types and fills the library's gaps itself: contexts on every call,
// secret_token on setWebhook, retries, flood control and the polling lease.
//
// Redis keys (under the store's prefix, <bot> is the token's numeric id):
//
//	tg:<bot>:poller            the polling lease (store.Lease)
//	tg:<bot>:u:<update_id>     an update claimed for handling (48 h)
//	tg:<bot>:budget, :pause    the token's message budget and 429 pause
//	tg:<bot>:webhook_secret    the generated secret_token, when none is configured
//	tg:<bot>:group_notice:<chat>  a group told recently that the bot works in private
//	tg:blocked                 the set of chats that blocked the bot
//
// What each kind of update becomes is documented on classify.
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/retry"
	"github.com/vneid-guide/vneidbot/internal/store"
)

var _ delivery.Sender = (*Adapter)(nil)

// DefaultAPIURL is the Bot API endpoint format: %s for the token, %s for the method.
const DefaultAPIURL = "https://api.telegram.org/bot%s/%s"

// Options configure an Adapter. Token, Delivery, Content and Store are
// required; every duration left zero gets the production default in brackets.
type Options struct {
	Token      string       // the bot token from @BotFather
	APIURL     string       // endpoint format with %s for token and method (DefaultAPIURL)
	HTTPClient *http.Client // (a client with no overall timeout: each call has its own)
	// Delivery takes each update in and sees it answered through Send
	// (delivery.Core: the engine, the outbox, retries). Without it the
	// adapter only sends (broadcasts from the command line).
	Delivery delivery.Processor
	// Content is the content being served: the adapter's own sentences
	// (the group notice, the command menu) come from it.
	Content   func() *content.Catalog
	Store     *store.Store // Redis: the polling lease, blocked chats, the generated webhook secret
	Logger    *slog.Logger // (discard)
	Metrics   prometheus.Registerer
	ReplicaID string // names this process in logs and update claims (host name and a random suffix)

	PollTimeout   time.Duration // long-poll timeout of getUpdates (25s)
	IdlePause     time.Duration // pause after a poll that came back at once with nothing (500ms)
	PollBackoff   Backoff       // after a failed poll (1s to 30s)
	LeaseTTL      time.Duration // polling lease lifetime; a dead poller is replaced within LeaseTTL·4/3 (15s)
	SendBackoff   Backoff       // between attempts of a failed call (500ms to 10s)
	SendAttempts  int           // attempts per call on 5xx and network errors (4)
	PerSecond     float64       // messages per second overall (30)
	ChatEvery     time.Duration // spacing of messages in one chat (1s)
	ChatBurst     int           // messages a chat may get at once before the spacing applies (3)
	UpdateTimeout time.Duration // longest time one update may take, sends included (60s)
	DrainTimeout  time.Duration // how long shutdown waits for updates in flight (8s)
}

// Adapter is the Telegram channel for one bot token. It is safe for concurrent use.
type Adapter struct {
	o          Options
	unblocked  sync.Map // chat id → when this process last unmarked it as blocked
	unblockedN atomic.Int64
	api        *client
	log        *slog.Logger
	store      *store.Store
	metrics    *metrics
	dispatch   *dispatcher
	botID      string // the numeric part of the token, to keep keys per bot

	me    atomic.Pointer[me]        // set by init
	ops   atomic.Pointer[operators] // the operators group, when set (issue 14)
	ready atomic.Bool

	// life is the parent of every update's context; it ends when shutdown
	// has waited DrainTimeout for updates in flight.
	life     context.Context
	stopLife context.CancelFunc
	stopOnce sync.Once
}

// New builds an Adapter. It makes no network call; Run… does.
func New(o Options) (*Adapter, error) {
	if o.Token == "" {
		return nil, errors.New("telegram: token is empty")
	}
	if o.Content == nil || o.Store == nil {
		return nil, errors.New("telegram: the content and a store are required")
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if strings.Count(o.APIURL, "%s") != 2 {
		return nil, errors.New("telegram: API URL must contain %s twice (token, then method)")
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReplicaID == "" {
		host, _ := os.Hostname()
		o.ReplicaID = host + "-" + randomHex(4)
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&o.PollTimeout, 25*time.Second)
	def(&o.IdlePause, 500*time.Millisecond)
	def(&o.LeaseTTL, 15*time.Second)
	def(&o.ChatEvery, time.Second)
	def(&o.UpdateTimeout, 60*time.Second)
	def(&o.DrainTimeout, 8*time.Second)
	if o.PollBackoff.Min <= 0 {
		o.PollBackoff = Backoff{Min: time.Second, Max: 30 * time.Second}
	}
	if o.SendBackoff.Min <= 0 {
		o.SendBackoff = Backoff{Min: 500 * time.Millisecond, Max: 10 * time.Second}
	}
	if o.SendAttempts <= 0 {
		o.SendAttempts = 4
	}
	if o.PerSecond <= 0 {
		o.PerSecond = 30
	}
	if o.ChatBurst <= 0 {
		o.ChatBurst = 3
	}
	m := newMetrics(o.Metrics)
	b := &Adapter{
		o:        o,
		log:      o.Logger,
		store:    o.Store,
		metrics:  m,
		dispatch: newDispatcher(64, 1024),
		botID:    strings.SplitN(o.Token, ":", 2)[0],
		api: &client{
			format:   o.APIURL,
			token:    o.Token,
			http:     o.HTTPClient,
			limit:    newLimiter(o.PerSecond, o.ChatEvery, o.ChatBurst),
			attempts: o.SendAttempts,
			backoff:  o.SendBackoff,
			metrics:  m,
		},
	}
	b.api.limit.shared = &shared{
		rdb:      o.Store.Client(),
		budget:   o.Store.TelegramKey(b.botID, "budget"),
		pauseKey: o.Store.TelegramKey(b.botID, "pause"),
		every:    b.api.limit.global.every,
		burst:    b.api.limit.global.burst,
	}
	b.life, b.stopLife = context.WithCancel(context.Background())
	return b, nil
}

func randomHex(n int) string {
	buf := make([]byte, n)
	rand.Read(buf)
	return hex.EncodeToString(buf)
}

// Ready reports whether the bot has reached Telegram (getMe answered and the
// intake is set up), for /readyz.
func (b *Adapter) Ready(context.Context) error {
	if !b.ready.Load() {
		return errors.New("telegram: not connected to the Bot API yet")
	}
	return nil
}

// init learns the bot's own name (getMe), retrying until Telegram answers,
// and sets the command menu (best effort: a failure is logged, not fatal).
func (b *Adapter) init(ctx context.Context) error {
	var u tgbotapi.User
	for n := 0; ; n++ {
		err := b.api.call(ctx, "getMe", tgbotapi.Params{}, &u, callOpts{attempts: 1})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		d := b.o.PollBackoff.delay(n)
		b.log.Warn("telegram: getMe failed, retrying", "err", err, "in", d)
		if err := retry.Sleep(ctx, d); err != nil {
			return err
		}
	}
	b.me.Store(&me{id: u.ID, username: u.UserName})
	b.log.Info("telegram: connected", "bot", "@"+u.UserName)
	for _, l := range commandLanguages {
		js, _ := json.Marshal(b.commands(l.locale))
		p := tgbotapi.Params{"commands": string(js)}
		p.AddNonEmpty("language_code", l.code)
		if err := b.api.call(ctx, "setMyCommands", p, nil, callOpts{attempts: 1}); err != nil {
			b.log.Warn("telegram: setMyCommands failed; the command menu stays as it was", "language", l.code, "err", err)
			break
		}
	}
	return nil
}

func (b *Adapter) self() me {
	if m := b.me.Load(); m != nil {
		return *m
	}
	return me{}
}

// handle processes one update: classify, ask the engine, answer the button
// press, send the replies. It logs its own failures, and returns an error
// only when the update was not handled and Telegram should send it again
// (the webhook then answers 503).
func (b *Adapter) handle(ctx context.Context, u tgbotapi.Update) error {
	if b.operatorUpdate(ctx, u) { // the operators group (issue 14)
		return nil
	}
	ev := classify(u, b.self())
	b.metrics.updates.WithLabelValues(ev.kind).Inc()
	log := b.log.With("update", u.UpdateID, "kind", ev.kind)
	if ev.act == ignore && ev.callbackID == "" {
		return nil
	}
	// The engine deduplicates a conversation update and keeps its replies
	// in the outbox until sent, so a retry after a crash is answered once;
	// a claim here would instead drop an update whose handling a crash cut
	// short. Everything else is claimed, so a replay does nothing.
	if ev.act != converse {
		if !b.claim(ctx, u.UpdateID, log) {
			b.metrics.updates.WithLabelValues("duplicate").Inc()
			log.Debug("telegram: update already handled")
			return nil
		}
	}
	switch ev.act {
	case ignore:
		if ev.callbackID != "" {
			b.answerCallback(ctx, ev.callbackID)
		}
		return nil
	case memberState:
		b.setBlocked(ctx, ev.chat, ev.blocked, log)
		return nil
	case groupNotice:
		b.sendGroupNotice(ctx, ev, log)
		return nil
	}
	// the user wrote, so they have not blocked the bot (any more)
	b.setBlocked(ctx, ev.chat, false, log)
	// A button press is answered first, before the engine's round trips:
	// the spinner stops at once, and the pressed choices go. The claim
	// covers only that answer: a replay does not repeat it, and the engine
	// still sees the replay (it deduplicates, and delivers from the outbox
	// what a crash left there).
	if ev.callbackID != "" && b.claim(ctx, u.UpdateID, log) {
		b.answerCallback(ctx, ev.callbackID)
		b.removeChoices(ctx, ev, log)
	}
	if b.o.Delivery == nil {
		return errSendOnly
	}
	if err := b.o.Delivery.Process(ctx, ev.in); err != nil {
		log.Error("telegram: processing failed", "chat", ev.chat, "err", err)
		return err
	}
	return nil
}

// claim marks an update as handled, for 48 hours; false means it was
// handled before (a webhook retry, a poller that took over) and must not be
// answered again. The engine deduplicates too, but only its session change:
// this covers the button answer and the sending. An update claimed by a
// process that then crashed is not handled again (never twice beats at
// least once). If Redis fails, the update goes on to the engine, which
// fails or deduplicates on its own.
func (b *Adapter) claim(ctx context.Context, updateID int, log *slog.Logger) bool {
	key := b.store.TelegramKey(b.botID, "u", strconv.Itoa(updateID))
	ok, err := b.store.Client().SetNX(ctx, key, b.o.ReplicaID, dedupTTL).Result()
	if err != nil {
		log.Warn("telegram: could not record the update as handled", "err", err)
		return true
	}
	return ok
}

// dedupTTL is how long handled update ids are remembered (as the engine does).
const dedupTTL = 48 * time.Hour

// removeChoices edits the message whose button was pressed so that its
// choices cannot be pressed again; its links stay.
func (b *Adapter) removeChoices(ctx context.Context, ev event, log *slog.Logger) {
	markup, ok := keepLinks(ev.cbMarkup)
	if !ok || ev.cbMessage == 0 {
		return
	}
	p := tgbotapi.Params{"chat_id": strconv.FormatInt(ev.chat, 10), "message_id": strconv.Itoa(ev.cbMessage), "reply_markup": markup}
	err := b.api.call(ctx, "editMessageReplyMarkup", p, nil, callOpts{chat: ev.chat, limited: true})
	if err != nil && !isNotModified(err) {
		log.Warn("telegram: could not remove the pressed keyboard", "chat", ev.chat, "err", err)
	}
}

// answerCallback stops the spinner on a pressed button.
func (b *Adapter) answerCallback(ctx context.Context, id string) {
	if err := b.api.call(ctx, "answerCallbackQuery", tgbotapi.Params{"callback_query_id": id}, nil, callOpts{attempts: 2}); err != nil {
		b.log.Warn("telegram: answerCallbackQuery failed", "err", err)
	}
}

// groupNoticeEvery is how often a group may get the "private chats only"
// notice: a group that keeps calling the bot gets it once, not every time.
const groupNoticeEvery = 10 * time.Minute

func (b *Adapter) sendGroupNotice(ctx context.Context, ev event, log *slog.Logger) {
	key := b.store.TelegramKey(b.botID, "group_notice", strconv.FormatInt(ev.chat, 10))
	if fresh, err := b.store.Client().SetNX(ctx, key, 1, groupNoticeEvery).Result(); err == nil && !fresh {
		log.Debug("telegram: group was told recently; not again", "chat", ev.chat)
		return
	}
	r := flows.Reply{Text: b.say(ev.lang, "tg_group_notice")}
	if name := b.self().username; name != "" {
		r.Buttons = [][]flows.Button{{{Label: b.say(ev.lang, "tg_group_button"), URL: "https://t.me/" + name}}}
	}
	b.deliver(ctx, ev.chat, []flows.Reply{r}, false, log)
}

// deliver sends replies to chat in order. It stops at the first failure: a
// later message must not arrive without the one before it. A 403 marks the
// chat blocked.
func (b *Adapter) deliver(ctx context.Context, chat int64, replies []flows.Reply, bulk bool, log *slog.Logger) error {
	for _, r := range replies {
		for _, m := range render(chat, r) {
			err := b.api.call(ctx, m.method, m.params, nil, callOpts{chat: chat, limited: true, bulk: bulk})
			if err != nil && m.fallback != nil && !isForbidden(err) && ctx.Err() == nil {
				log.Warn("telegram: photo not sent, sending the text alone", "chat", chat, "err", err)
				for _, f := range m.fallback {
					if err = b.api.call(ctx, f.method, f.params, nil, callOpts{chat: chat, limited: true, bulk: bulk}); err != nil {
						break
					}
				}
			}
			if err == nil {
				continue
			}
			if isForbidden(err) {
				log.Info("telegram: chat blocked the bot; no more sends to it", "chat", chat, "err", err)
				b.setBlocked(ctx, chat, true, log)
				return err
			}
			log.Error("telegram: send failed", "chat", chat, "method", m.method, "err", err)
			return err
		}
	}
	return nil
}

// ErrBlocked is returned by Broadcast for a chat that has blocked the bot.
var ErrBlocked = errors.New("telegram: chat has blocked the bot")

// Send delivers one turn's replies to a chat, in order, as replies (ahead of
// bulk sends); it is the channel's delivery.Sender. A chat that blocked the bot is marked and its
// replies are dropped with a nil error: sending again cannot help. Other
// failures, after the retries, are returned.
func (b *Adapter) Send(ctx context.Context, chatID string, replies []flows.Reply) error {
	chat, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: chat id %q: %w", chatID, err)
	}
	if err := b.deliver(ctx, chat, replies, false, b.log); err != nil && b.Classify(err) != delivery.Blocked {
		return err
	}
	return nil
}

// Broadcast delivers replies outside a conversation turn (a notice, a
// campaign). It yields to replies in the shared rate limit, skips chats that
// blocked the bot (ErrBlocked) and marks newly blocked ones.
func (b *Adapter) Broadcast(ctx context.Context, chatID string, replies []flows.Reply) error {
	chat, err := strconv.ParseInt(chatID, 10, 64)
	if err != nil {
		return fmt.Errorf("telegram: chat id %q: %w", chatID, err)
	}
	blocked, err := b.Blocked(ctx, chatID)
	if err != nil {
		return err
	}
	if blocked {
		return ErrBlocked
	}
	return b.deliver(ctx, chat, replies, true, b.log)
}

// Classify tells what a failed send means: Blocked when the chat blocked
// the bot (ErrBlocked, or 403 from Telegram), RetryLater on flood control,
// a server error or the network, GiveUp when Telegram refused the message.
func (b *Adapter) Classify(err error) delivery.Fate {
	var ae *APIError
	switch {
	case errors.Is(err, ErrBlocked) || isForbidden(err):
		return delivery.Blocked
	case errors.As(err, &ae) && !ae.retryable():
		return delivery.GiveUp
	}
	return delivery.RetryLater
}

// Blocked reports whether chatID is marked as having blocked the bot.
func (b *Adapter) Blocked(ctx context.Context, chatID string) (bool, error) {
	ok, err := b.store.Client().SIsMember(ctx, b.blockedKey(), chatID).Result()
	if err != nil {
		return false, fmt.Errorf("telegram: read blocked chats: %w", err)
	}
	return ok, nil
}

func (b *Adapter) blockedKey() string { return b.store.TelegramBlockedKey() }

// setBlocked marks or unmarks a chat as blocked; a new mark is counted.
func (b *Adapter) setBlocked(ctx context.Context, chat int64, blocked bool, log *slog.Logger) {
	if chat == 0 {
		return
	}
	id := strconv.FormatInt(chat, 10)
	rdb := b.store.Client()
	if blocked {
		b.unblocked.Delete(chat)
		n, err := rdb.SAdd(ctx, b.blockedKey(), id).Result()
		if err != nil {
			log.Error("telegram: could not mark chat blocked", "chat", chat, "err", err)
			return
		}
		if n > 0 {
			b.metrics.blocked.Inc()
		}
		return
	}
	// Every message of a chat would unmark it otherwise: one Redis round trip
	// per update for what is nearly always a no-op. The mark only matters to
	// broadcasts, and a "member" status update unmarks it too.
	if at, ok := b.unblocked.Load(chat); ok && time.Since(at.(time.Time)) < unblockEvery {
		return
	}
	n, err := rdb.SRem(ctx, b.blockedKey(), id).Result()
	if err != nil {
		log.Warn("telegram: could not unmark blocked chat", "chat", chat, "err", err)
		return
	}
	b.unblocked.Store(chat, time.Now())
	if b.unblockedN.Add(1)%4096 == 0 { // forget chats not seen lately, so memory stays bounded
		b.unblocked.Range(func(k, v any) bool {
			if time.Since(v.(time.Time)) >= unblockEvery {
				b.unblocked.Delete(k)
			}
			return true
		})
	}
	if n > 0 {
		log.Info("telegram: chat unblocked the bot", "chat", chat)
	}
}

// unblockEvery is how often one process unmarks a chat that keeps writing.
const unblockEvery = 10 * time.Minute

// submit queues an update behind its chat's earlier updates. The update gets
// its own context: it finishes even when the request or poll that brought it
// has ended, until shutdown's drain time is up.
// The returned function, called after done is closed, tells whether the
// update must be sent again.
func (b *Adapter) submit(ctx context.Context, u tgbotapi.Update) (done <-chan struct{}, result func() error, err error) {
	var herr error
	done, err = b.dispatch.submit(ctx, chatOf(u), func() {
		uctx, cancel := context.WithTimeout(b.life, b.o.UpdateTimeout)
		defer cancel()
		herr = b.handle(uctx, u)
	})
	return done, func() error { return herr }, err
}

// chatOf is the chat an update belongs to, for ordering (0 when none).
func chatOf(u tgbotapi.Update) int64 {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil && u.EditedMessage.Chat != nil:
		return u.EditedMessage.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

// drain waits up to DrainTimeout for updates in flight, then cancels them.
func (b *Adapter) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), b.o.DrainTimeout)
	defer cancel()
	if err := b.dispatch.wait(ctx); err != nil {
		b.log.Warn("telegram: updates still in flight at shutdown were cancelled")
	}
	b.stopOnce.Do(b.stopLife)
}

// errSendOnly is the error of an update taken in by an adapter built
// without Options.Delivery.
var errSendOnly = errors.New("telegram: built without Options.Delivery; it only sends")
