// Package zalo is the Zalo Official Account (OA) channel: a thin net/http
// client of the OA Open API and OAuth v4, the verified webhook, the token
// store that rotates the single-use refresh token safely across replicas,
// and the adapter that turns OA events into engine updates and replies into
// OA messages.
//
// # Webhook: answer fast, never lose an acknowledged event
//
// POST /webhook/zalo reads at most 1 MiB, checks X-ZEvent-Signature, and for
// an event the bot handles, adds the raw body to a Redis stream (package
// queue) before it answers 200. Workers on every replica drain the stream
// into the engine's Process, which saves the session with the replies in
// its outbox and delivers them through Send. The answer therefore costs one
// Redis write and comes well within Zalo's 2 s, whatever the engine or the
// OA API do; an event that was answered 200 is in Redis, so a process that
// dies right after loses nothing: another worker reclaims the event, and
// the engine's deduplication and outbox make sure it is answered once. If
// Redis cannot take the event, it is written to a local, fsync'd, bounded
// spool (Spool) and answered 200; the spool is replayed into the stream once
// Redis is back. Only when the spool is full too is the answer 503, so that
// Zalo sends it again.
//
// # Bad signatures are answered 200
//
// A request whose signature is missing or wrong (or that names another
// app_id) is not processed, is counted in
// vneidbot_zalo_webhook_requests_total and logged at warn without its body,
// and is answered 200 with an empty body. Zalo disables a webhook whose
// deliveries keep failing, and its console "Test" events may be unsigned; a
// 4xx would turn a misconfigured ZALO_OA_SECRET_KEY into a disabled webhook
// that an admin must re-enable by hand, and would tell a forger that the
// check exists. The counter and the log make the misconfiguration visible
// instead. A malformed body (not JSON) gets 400 and a body over 1 MiB gets
// 413: Zalo sends neither.
package zalo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/retry"
)

// Channel is the engine's name for this channel.
const Channel = flows.Zalo

var _ delivery.Sender = (*Adapter)(nil)

// Options configure an Adapter.
type Options struct {
	AppID       string // ZALO_APP_ID
	AppSecret   string // ZALO_APP_SECRET
	OASecretKey string // ZALO_OA_SECRET_KEY, which signs webhook events
	APIURL      string // ZALO_API_URL (https://openapi.zalo.me)
	OAuthURL    string // ZALO_OAUTH_URL (https://oauth.zaloapp.com)

	// ChannelOptions: HTTP serves the OA API and OAuth (10 s timeout when
	// nil); 4 workers by default.
	delivery.ChannelOptions

	Now    func() time.Time
	Tokens TokenOptions
	// Spool, when set, keeps events on local disk while Redis is down, so
	// the webhook can still acknowledge them (see Spool).
	Spool *queue.Spool
	// MaxEventAge is how old a verified event may be (24h; negative: no
	// limit). Zalo retries a delivery for about two hours (30 s, 5, 15, 30
	// and 60 min); anything much older is a replay of a captured event,
	// whose msg_id the engine no longer remembers.
	MaxEventAge time.Duration
}

// Adapter is the Zalo OA channel.
type Adapter struct {
	o      Options
	log    *slog.Logger
	m      *metrics
	tokens *Tokens
	auth   *Authorizer
	intake *delivery.Intake
	send   *sender
	hook   *delivery.Webhook
}

// New builds the adapter. It starts nothing: serve Webhook and Callback, and
// call Run.
func New(o Options) (*Adapter, error) {
	if o.AppID == "" || o.OASecretKey == "" {
		return nil, errors.New("zalo: app id and OA secret key are required")
	}
	if err := o.Check("zalo", 4); err != nil { // 4 workers
		return nil, err
	}
	if o.MaxEventAge == 0 {
		o.MaxEventAge = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.APIURL == "" {
		o.APIURL = "https://openapi.zalo.me"
	}
	if o.OAuthURL == "" {
		o.OAuthURL = "https://oauth.zaloapp.com"
	}
	o.Tokens.Logger, o.Tokens.Now = o.Logger, o.Now
	a := &Adapter{o: o, log: o.Logger, m: newMetrics(o.Metrics)}
	a.hook = delivery.NewWebhook("zalo webhook", a.m.Webhook, o.Logger, o.Now)
	oauth := &OAuth{BaseURL: o.OAuthURL, AppID: o.AppID, AppSecret: o.AppSecret, HTTP: o.HTTP, Now: o.Now}
	a.tokens = newTokens(o.Store, oauth, o.Tokens, a.m)
	a.auth = NewAuthorizer(o.Store, oauth, a.tokens, o.Logger)
	a.intake = delivery.NewIntake(o.Store, Channel, o.Delivery, a.parse, delivery.IntakeOptions{
		Workers: o.Workers, Spool: o.Spool, Queue: o.Queue, OnDrop: a.m.Dropped.Inc, Logger: o.Logger,
	})
	st := o.Store
	a.send = &sender{
		api:    &Client{BaseURL: o.APIURL, AppSecret: o.AppSecret, HTTP: o.HTTP},
		tokens: a.tokens, rdb: st.Client(), log: o.Logger, m: a.m,
		key:         func(user string) string { return st.ZaloUnreachableKey(user) },
		rateRetries: 4, rateBackoff: time.Second, sleep: retry.Sleep,
	}
	return a, nil
}

// Tokens is the adapter's token store.
func (a *Adapter) Tokens() *Tokens { return a.tokens }

// Callback is the handler of GET /zalo/oauth/callback.
func (a *Adapter) Callback() http.Handler { return a.auth }

// Ready is the readiness check of the channel: see Tokens.Check.
func (a *Adapter) Ready(ctx context.Context) error { return a.tokens.Check(ctx) }

// Run handles queued events and keeps the tokens fresh until ctx ends.
func (a *Adapter) Run(ctx context.Context) error {
	refreshed := make(chan struct{})
	go func() {
		defer close(refreshed)
		a.tokens.Run(ctx)
	}()
	err := a.intake.Run(ctx)
	<-refreshed
	return err
}

// Webhook is the handler of POST /webhook/zalo.
func (a *Adapter) Webhook() http.Handler { return http.HandlerFunc(a.serveWebhook) }

func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if strings.TrimSpace(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(r.Header.Get("X-ZEvent-Signature"))), "mac=")) == "" {
		// No signature at all: refused before the body is read or parsed
		// (fifth probe T10). One that is there needs the event's own
		// timestamp, so the body is parsed to check it.
		a.hook.Reject(w, r, "no_signature", http.StatusOK, ErrNoSignature)
		return
	}
	body, ok := a.hook.Body(w, r)
	if !ok {
		return
	}
	ev, err := ParseEvent(body)
	if err != nil {
		a.hook.Reject(w, r, "malformed", http.StatusBadRequest, err)
		return
	}
	if err := Verify(ev, body, r.Header.Get("X-ZEvent-Signature"), a.o.AppID, a.o.OASecretKey); err != nil {
		result := map[error]string{ErrNoSignature: "no_signature", ErrWrongApp: "wrong_app"}[err]
		if result == "" {
			result = "bad_signature"
		}
		a.hook.Reject(w, r, result, http.StatusOK, err)
		return
	}
	if result, err := a.checkTime(ev); err != nil {
		a.hook.Reject(w, r, result, http.StatusOK, err)
		return
	}
	kind := ev.Kind()
	a.m.Inbound.WithLabelValues(eventLabel(ev.Name), fmt.Sprint(kind != KindIgnored)).Inc()
	if kind == KindIgnored {
		a.m.Webhook.WithLabelValues("ignored").Inc()
		w.WriteHeader(http.StatusOK)
		return
	}
	// Store before answering; leave time for the answer within Zalo's 2 s.
	ctx, cancel := context.WithTimeout(r.Context(), 1500*time.Millisecond)
	defer cancel()
	spooled, err := a.intake.Accept(ctx, body)
	switch {
	case err != nil:
		a.m.Webhook.WithLabelValues("store_error").Inc()
		a.log.Error("zalo webhook: could not store the event; answering 503 so that Zalo retries", "event", ev.Name, "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	case spooled:
		a.m.Webhook.WithLabelValues("spooled").Inc()
		a.log.Warn("zalo webhook: Redis unavailable; event kept on local disk until it is back", "event", ev.Name)
		w.WriteHeader(http.StatusOK)
		return
	}
	a.m.Webhook.WithLabelValues("accepted").Inc()
	w.WriteHeader(http.StatusOK)
}

// MaxClockSkew is how far in the future a verified event's timestamp may be:
// Zalo's clock and ours may differ a little, never by more.
const MaxClockSkew = 5 * time.Minute

// checkTime refuses a verified event whose timestamp is missing or not a
// number, more than MaxClockSkew in the future, or older than MaxEventAge:
// the signature covers the timestamp, so an event without a usable one, or
// with one from the future, was not sent by Zalo as it is, and an old one
// is a replay after Zalo stopped retrying it (the engine no longer
// remembers its msg_id). With MaxEventAge negative nothing is checked.
func (a *Adapter) checkTime(ev *Event) (string, error) {
	if a.o.MaxEventAge < 0 {
		return "", nil
	}
	at, now := ev.Time(), a.o.Now()
	switch {
	case at.IsZero():
		return "no_timestamp", fmt.Errorf("timestamp %.20q is not epoch milliseconds", ev.Timestamp)
	case at.Sub(now) > MaxClockSkew:
		return "future", fmt.Errorf("event from %s, %s ahead", at.UTC().Format(time.RFC3339), at.Sub(now).Round(time.Second))
	case now.Sub(at) > a.o.MaxEventAge:
		return "stale", fmt.Errorf("event from %s", at.UTC().Format(time.RFC3339))
	}
	return "", nil
}

var eventName = regexp.MustCompile(`^[a-z_]{1,40}$`)

// eventLabel keeps the metric's label set small.
func eventLabel(name string) string {
	if eventName.MatchString(name) {
		return name
	}
	return "other"
}

// Drain handles the events queued now, then returns; for tests and tools.
func (a *Adapter) Drain(ctx context.Context) (int, error) {
	return a.intake.Drain(ctx)
}

// parse turns one stored event into the update for the engine (none for
// an unfollow, which only marks the user unreachable). An error leaves the
// event stored, to be tried again after a while: the engine then answers
// from its outbox whatever a failed send left there, and does not handle
// the event twice.
func (a *Adapter) parse(ctx context.Context, body []byte) ([]flows.Inbound, error) {
	ev, err := ParseEvent(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", delivery.ErrPermanent, err)
	}
	user := ev.UserID()
	if user == "" {
		return nil, fmt.Errorf("%w: zalo: event %s has no user id", delivery.ErrPermanent, ev.Name)
	}
	in := flows.Inbound{Channel: Channel, ChatID: user, Time: ev.Time()}
	switch ev.Kind() {
	case KindUnfollow:
		a.send.markUnreachable(ctx, user, "unfollow")
		return nil, nil
	case KindFollow:
		in.Kind = flows.KindFollow
		if ev.Timestamp != "" { // a follow has no msg_id; Zalo's retries repeat the timestamp
			in.MessageID = "follow:" + ev.Timestamp
		}
	case KindMedia:
		in.Kind = flows.KindMedia
		in.MessageID = ev.MsgID
	case KindText:
		in.MessageID = ev.MsgID
		in.Kind, in.Text, in.Payload = classifyText(ev.Text)
	default:
		return nil, nil
	}
	if err := a.send.reachable(ctx, user); err != nil {
		return nil, fmt.Errorf("zalo: %w", err)
	}
	return []flows.Inbound{in}, nil
}

// classifyText tells a pressed button ("#" and a valid payload) from typing.
func classifyText(text string) (flows.Kind, string, string) {
	if rest, ok := strings.CutPrefix(text, ButtonPrefix); ok {
		if _, valid := content.ParsePayload(rest); valid {
			return flows.KindButton, "", rest
		}
	}
	return flows.KindText, text, ""
}

// Send renders replies and sends them to user; it is the engine's Sender
// for this channel. It returns an error only when trying again later may
// succeed (no usable token, rate limited, Zalo or the network failing), so
// that the engine keeps the replies in its outbox. A user Zalo will not let
// the OA reach, or a message Zalo refuses, is logged and counted, and nil is
// returned: retrying cannot help. A retry resends the whole set of replies.
func (a *Adapter) Send(ctx context.Context, user string, replies []flows.Reply) error {
	err := a.send.send(ctx, user, Render(replies, a.say))
	if err == nil || a.Classify(err) != delivery.RetryLater {
		return nil
	}
	return err
}

// Classify tells what a failed send means: Blocked for a user Zalo will
// not let the OA reach (ErrUnreachable), RetryLater when rate limited, when
// the token was refused or missing, or on the network; GiveUp when Zalo
// refused the message itself.
func (a *Adapter) Classify(err error) delivery.Fate {
	var ae *APIError
	switch {
	case errors.Is(err, ErrUnreachable):
		return delivery.Blocked
	case errors.As(err, &ae) && ae.Code != CodeRateLimited && !ae.TokenRejected():
		return delivery.GiveUp
	}
	return delivery.RetryLater // tokens missing or refused, network, non-JSON answers
}

// Unreachable reports whether user is marked unreachable, and why (an API
// error code or "unfollow").
func (a *Adapter) Unreachable(ctx context.Context, user string) (string, bool, error) {
	why, err := a.send.rdb.Get(ctx, a.send.key(user)).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	}
	return why, err == nil, err
}

// say returns a UI message of the content being served, so that a content
// update changes the adapter's words too.
func (a *Adapter) say(locale, key string, pairs ...string) string {
	return a.o.Content().Msg(locale, key, pairs...)
}
