// Package zalobot is the Zalo Bot Platform channel, for pilots and small
// deployments: a Telegram-like API without buttons, where choices are
// numbered lines that the user answers by typing the number.
//
// Updates arrive by webhook (POST /webhook/zalobot, checked against
// X-Bot-Api-Secret-Token in constant time) when a webhook secret is
// configured, or else by getUpdates polling (the platform allows one or the
// other). Either way an update is added to a Redis stream before it is
// acknowledged, and workers handle it, like the OA channel (see package
// queue): the webhook answers in one Redis write, and an acknowledged update
// survives the process.
//
// A webhook request with a missing or wrong secret gets 401, is counted and
// logged at warn without its body. Unlike the OA platform, the Bot Platform
// is not known to disable a failing webhook, and a refusal shows the
// misconfiguration in the platform's delivery status.
package zalobot

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/retry"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// Channel is the engine's name for this channel.
const Channel = flows.ZaloBot

var _ delivery.Sender = (*Adapter)(nil)

// Options configure an Adapter.
type Options struct {
	Token  string // ZALO_BOT_TOKEN
	APIURL string // ZALO_BOT_API_URL (https://bot-api.zaloplatforms.com)
	// WebhookSecret is the secret_token given to setWebhook
	// (ZALO_BOT_WEBHOOK_SECRET). Empty means polling.
	WebhookSecret string

	delivery.ChannelOptions // 2 workers by default

	// PollTimeout is getUpdates' long-poll timeout (30s).
	PollTimeout time.Duration
	// PollPause is the least time between two getUpdates calls that brought
	// nothing, so that a platform answering at once cannot make the poller
	// spin (1s).
	PollPause time.Duration
}

// Adapter is the Zalo Bot Platform channel.
type Adapter struct {
	o      Options
	log    *slog.Logger
	client *Client
	intake *delivery.Intake
	m      *metrics
	lease  *store.Lease // the poller's

	retries int           // retries after 429 (3)
	backoff time.Duration // first pause after 429, doubling (1s)
	sleep   func(context.Context, time.Duration) error
	hook    *delivery.Webhook
}

// New builds the adapter. It starts nothing: serve Webhook (webhook mode)
// and call Run.
func New(o Options) (*Adapter, error) {
	if o.Token == "" {
		return nil, errors.New("zalo bot: token is required")
	}
	if o.WebhookSecret != "" && (len(o.WebhookSecret) < 8 || len(o.WebhookSecret) > 256) {
		return nil, errors.New("zalo bot: the webhook secret must be 8-256 characters")
	}
	if err := o.Check("zalo bot", 2); err != nil { // 2 workers
		return nil, err
	}
	if o.APIURL == "" {
		o.APIURL = "https://bot-api.zaloplatforms.com"
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 30 * time.Second
	}
	if o.PollPause <= 0 {
		o.PollPause = time.Second
	}
	a := &Adapter{
		o: o, log: o.Logger, m: newMetrics(o.Metrics),
		client:  &Client{BaseURL: o.APIURL, Token: o.Token, HTTP: o.HTTP},
		retries: 3, backoff: time.Second, sleep: retry.Sleep,
	}
	a.hook = delivery.NewWebhook("zalo bot webhook", a.m.Webhook, o.Logger, nil)
	a.intake = delivery.NewIntake(o.Store, Channel, o.Delivery, a.parse, delivery.IntakeOptions{
		Workers: o.Workers, Queue: o.Queue, OnDrop: a.m.Dropped.Inc, Logger: o.Logger,
	})
	a.lease = o.Store.NewLease(o.Store.ZaloBotPollerKey(), o.PollTimeout+time.Minute)
	return a, nil
}

// Client is the adapter's API client (for setWebhook).
func (a *Adapter) Client() *Client { return a.client }

// Polling reports whether updates come by getUpdates (no webhook secret).
func (a *Adapter) Polling() bool { return a.o.WebhookSecret == "" }

// Run handles queued updates, and polls when there is no webhook, until ctx
// ends.
func (a *Adapter) Run(ctx context.Context) error {
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		if a.Polling() {
			a.Poll(ctx)
		}
	}()
	err := a.intake.Run(ctx)
	<-polled
	return err
}

// Webhook is the handler of POST /webhook/zalobot.
func (a *Adapter) Webhook() http.Handler { return http.HandlerFunc(a.serveWebhook) }

func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("X-Bot-Api-Secret-Token")
	// Comparing hashes keeps the comparison constant-time in the length too.
	gotSum, wantSum := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(a.o.WebhookSecret))
	if a.o.WebhookSecret == "" || subtle.ConstantTimeCompare(gotSum[:], wantSum[:]) != 1 {
		result := "bad_secret"
		if got == "" {
			result = "no_secret"
		}
		a.hook.Reject(w, r, result, http.StatusUnauthorized, nil)
		return
	}
	body, ok := a.hook.Body(w, r)
	if !ok {
		return
	}
	ups, err := ParseUpdates(body)
	if err != nil {
		a.hook.Reject(w, r, "malformed", http.StatusBadRequest, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 1500*time.Millisecond)
	defer cancel()
	if err := a.accept(ctx, body, ups); err != nil {
		a.m.Webhook.WithLabelValues("store_error").Inc()
		a.log.Error("zalo bot webhook: could not store the update; answering 503", "err", err)
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	a.m.Webhook.WithLabelValues("accepted").Inc()
	w.WriteHeader(http.StatusOK)
}

// accept counts the updates in raw and queues raw when any is handled.
func (a *Adapter) accept(ctx context.Context, raw []byte, ups []Update) error {
	handled := false
	for _, u := range ups {
		k := u.Kind()
		a.m.Inbound.WithLabelValues(eventLabel(u.EventName), fmt.Sprint(k != KindIgnored)).Inc()
		handled = handled || k != KindIgnored
	}
	if !handled {
		return nil
	}
	_, err := a.intake.Accept(ctx, raw)
	return err
}

var eventName = regexp.MustCompile(`^[a-z_.]{1,60}$`)

func eventLabel(name string) string {
	if eventName.MatchString(name) {
		return name
	}
	return "other"
}

// Poll calls getUpdates until ctx ends, queueing each update. One replica
// polls at a time, holding a lease in Redis; the others wait to take over.
// A call that brings nothing (error_code 408) or fails is followed by a
// pause of at least PollPause, growing with consecutive failures up to 30s,
// so the poller never spins; a call that brings an update is followed at
// once by the next.
func (a *Adapter) Poll(ctx context.Context) error {
	defer func() {
		// give the lease up so that another replica takes over without
		// waiting for it to lapse
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		a.lease.Release(ctx)
	}()
	failures := 0
	for ctx.Err() == nil {
		held, err := a.lease.Acquire(ctx)
		if err != nil || !held {
			if err != nil && ctx.Err() == nil {
				a.log.Warn("zalo bot: poll lease", "err", err)
			}
			if err := a.sleep(ctx, leaseRetry); err != nil {
				return err
			}
			continue
		}
		start := time.Now()
		raws, err := a.client.GetUpdates(ctx, a.o.PollTimeout)
		var ae *APIError
		switch {
		case err == nil:
			failures = 0
			a.m.polls.WithLabelValues("ok").Inc()
			for _, raw := range raws {
				a.polled(ctx, raw)
			}
			if len(raws) > 0 {
				continue
			}
		case errors.As(err, &ae) && ae.Code == CodeNothingYet:
			failures = 0
			a.m.polls.WithLabelValues("empty").Inc()
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			failures++
			a.m.polls.WithLabelValues("error").Inc()
			a.log.Warn("zalo bot getUpdates failed (polling and a webhook are exclusive: is a webhook set?)", "err", err, "failures", failures)
		}
		pause := a.o.PollPause - time.Since(start)
		if failures > 0 {
			pause = max(pause, min(a.o.PollPause<<min(failures-1, 5), 30*time.Second))
		}
		if pause > 0 {
			if err := a.sleep(ctx, pause); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// polled queues one update from getUpdates. The platform has already let go
// of it, so when Redis fails it is handled at once rather than lost.
func (a *Adapter) polled(ctx context.Context, raw json.RawMessage) {
	ups, err := ParseUpdates(raw)
	if err != nil {
		a.log.Warn("zalo bot: unreadable update dropped", "err", err)
		return
	}
	if err := a.accept(ctx, raw, ups); err != nil {
		a.log.Warn("zalo bot: could not queue the update; handling it now", "err", err)
		if err := a.intake.Handle(context.WithoutCancel(ctx), raw); err != nil {
			a.log.Error("zalo bot: update lost", "err", err)
		}
	}
}

// Drain handles the updates queued now, then returns; for tests and tools.
func (a *Adapter) Drain(ctx context.Context) (int, error) {
	return a.intake.Drain(ctx)
}

// parse turns one stored body into the updates for the engine. An error
// leaves it stored, to be tried again after a while; the engine does not
// handle an update twice and answers the retry from its outbox.
func (a *Adapter) parse(_ context.Context, raw []byte) ([]flows.Inbound, error) {
	ups, err := ParseUpdates(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", delivery.ErrPermanent, err)
	}
	var out []flows.Inbound
	for _, u := range ups {
		in := flows.Inbound{Channel: Channel, ChatID: u.Chat(), MessageID: u.DedupID(), Time: u.Date}
		switch u.Kind() {
		case KindText:
			in.Kind, in.Text = flows.KindText, u.Text
		case KindMedia:
			in.Kind = flows.KindMedia
		default:
			continue
		}
		if in.ChatID != "" {
			out = append(out, in)
		}
	}
	return out, nil
}

// Send renders replies and sends them to chat, in order; it is the
// engine's Sender for this channel. 429 backs off and retries. It returns
// an error only when a later try may succeed (429 again, a server error,
// the network), so that the engine keeps the replies in its outbox; a
// refusal (400, 401, 403, 404) is logged and the replies given up.
func (a *Adapter) Send(ctx context.Context, chat string, replies []flows.Reply) error {
	err := a.send(ctx, chat, replies)
	var ae *APIError
	if err != nil && a.Classify(err) == delivery.GiveUp && errors.As(err, &ae) {
		a.log.Warn("zalo bot: replies refused; not retrying", "chat", chat, "code", ae.Code, "description", ae.Description)
		return nil
	}
	return err
}

// Classify tells what a failed send means: GiveUp when the platform
// refused the message (400, 401, 403, 404), RetryLater on 429, a server
// error or the network. The platform tells no blocked chat apart.
func (a *Adapter) Classify(err error) delivery.Fate {
	var ae *APIError
	if errors.As(err, &ae) && ae.Code != http.StatusTooManyRequests && ae.Code != CodeNothingYet && ae.Code < 500 {
		return delivery.GiveUp
	}
	return delivery.RetryLater
}

// send sends the rendered replies and stops at the first failure.
func (a *Adapter) send(ctx context.Context, chat string, replies []flows.Reply) error {
	for _, m := range Render(replies, a.say) {
		for attempt := 0; ; attempt++ {
			var err error
			if m.Photo != "" {
				err = a.client.SendPhoto(ctx, chat, m.Photo, "")
			} else {
				err = a.client.SendMessage(ctx, chat, m.Text)
			}
			var ae *APIError
			if err == nil {
				a.m.Sends.WithLabelValues("ok").Inc()
				break
			}
			if errors.As(err, &ae) && ae.Code == http.StatusTooManyRequests && attempt < a.retries {
				a.m.Sends.WithLabelValues("rate_limited").Inc()
				if err := a.sleep(ctx, a.backoff<<attempt); err != nil {
					return err
				}
				continue
			}
			a.m.Sends.WithLabelValues("error").Inc()
			return err
		}
	}
	return nil
}

// leaseRetry is how often a replica that does not poll checks whether the
// poller's lease has lapsed.
const leaseRetry = 5 * time.Second

// say returns a UI message of the content being served, so that a content
// update changes the adapter's words too.
func (a *Adapter) say(locale, key string, pairs ...string) string {
	return a.o.Content().Msg(locale, key, pairs...)
}
