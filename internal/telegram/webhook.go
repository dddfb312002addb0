package telegram

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vneid-guide/vneidbot/internal/retry"
)

// SecretHeader carries the webhook's secret_token on every update Telegram posts.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// MaxWebhookBody bounds an update, in bytes; real ones are a few KiB.
const MaxWebhookBody = 1 << 20

// WebhookHandler serves POST /webhook/telegram. A request without the
// secret, or with any other value (compared in constant time, case
// included), gets 401 and is not read. A body over 1 MiB gets 413, one that
// is not an update 400. A valid update is handled before the 200, in order
// with its chat's other updates, so Telegram's retry of an update that
// failed is possible and a replayed update is answered once (the engine
// deduplicates by update_id).
func (b *Adapter) WebhookHandler(secret string) http.Handler {
	return b.RequireSecret(secret, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxWebhookBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				b.metrics.rejected.WithLabelValues("too_large").Inc()
				http.Error(w, "update too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		u, err := parseUpdate(body)
		if err != nil {
			b.metrics.rejected.WithLabelValues("bad_json").Inc()
			http.Error(w, "not a Telegram update", http.StatusBadRequest)
			return
		}
		done, result, err := b.submit(r.Context(), u)
		if err != nil {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		select {
		case <-done:
			if result() != nil {
				// Not handled (Redis is down, say): Telegram sends it again.
				http.Error(w, "try again", http.StatusServiceUnavailable)
				return
			}
		case <-r.Context().Done():
			// Telegram gave up waiting; the update still finishes
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
	}))
}

// RequireSecret serves next only to requests carrying secret in
// SecretHeader (compared in constant time, case included); any other gets
// 401 before its body is read. Mounted outside the admission gate, it
// keeps strangers from taking the gate's slots or making the bot read a
// megabyte each (security review T8).
func (b *Adapter) RequireSecret(secret string, next http.Handler) http.Handler {
	want := sha256.Sum256([]byte(secret))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := r.Header.Get(SecretHeader)
		sum := sha256.Sum256([]byte(got))
		// hashing first keeps the comparison constant-time in the length too
		if secret == "" || got == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			b.metrics.rejected.WithLabelValues("secret").Inc()
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// RunWebhook connects to Telegram, registers url as the webhook with secret
// (secret_token) and the update types the bot handles, and then waits for
// ctx. Updates arrive through WebhookHandler. When ctx ends it finishes the
// updates in flight (up to DrainTimeout). The webhook stays registered, so
// updates that come during a restart wait at Telegram.
func (b *Adapter) RunWebhook(ctx context.Context, url, secret string) error {
	defer b.drain()
	if err := b.init(ctx); err != nil {
		return nil
	}
	js, _ := json.Marshal(allowedUpdates)
	p := tgbotapi.Params{"url": url, "secret_token": secret, "allowed_updates": string(js), "max_connections": "40"}
	for n := 0; ; n++ {
		err := b.api.call(ctx, "setWebhook", p, nil, callOpts{})
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		d := b.o.PollBackoff.delay(n)
		b.log.Error("telegram: setWebhook failed, retrying", "err", err, "in", d)
		if retry.Sleep(ctx, d) != nil {
			return nil
		}
	}
	b.ready.Store(true)
	b.log.Info("telegram: webhook registered", "url", url)
	<-ctx.Done()
	return nil
}

// WebhookSecret returns the secret_token to use: configured when not empty;
// otherwise a random one, generated once and kept in Redis so that every
// replica registers and checks the same secret.
func (b *Adapter) WebhookSecret(ctx context.Context, configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	key := b.store.TelegramKey(b.botID, "webhook_secret")
	rdb := b.store.Client()
	if _, err := rdb.SetNX(ctx, key, randomHex(32), 0).Result(); err != nil {
		return "", fmt.Errorf("telegram: store webhook secret: %w", err)
	}
	s, err := rdb.Get(ctx, key).Result()
	if err != nil {
		return "", fmt.Errorf("telegram: read webhook secret: %w", err)
	}
	return s, nil
}
