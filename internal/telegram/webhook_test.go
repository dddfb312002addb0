package telegram

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/vneid-guide/vneidbot/flows"
)

// TestWebhookSecret: only the exact secret is accepted; anything else is 401
// and nothing is processed.
func TestWebhookSecret(t *testing.T) {
	body := func(t *testing.T) []byte { return readUpdate(t, "message.json") }
	cases := []struct {
		name   string
		header []string
		want   int
	}{
		{"right", []string{SecretHeader, "s3cret"}, http.StatusOK},
		{"header name in lower case", []string{"x-telegram-bot-api-secret-token", "s3cret"}, http.StatusOK},
		{"missing", nil, http.StatusUnauthorized},
		{"empty", []string{SecretHeader, ""}, http.StatusUnauthorized},
		{"wrong", []string{SecretHeader, "guess"}, http.StatusUnauthorized},
		{"differently cased", []string{SecretHeader, "S3CRET"}, http.StatusUnauthorized},
		{"prefix", []string{SecretHeader, "s3cre"}, http.StatusUnauthorized},
		{"longer", []string{SecretHeader, "s3cret0"}, http.StatusUnauthorized},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			if got := h.post(t, "s3cret", body(t), tc.header...); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
			sent := len(h.api.sent()) > 0
			if sent != (tc.want == http.StatusOK) {
				t.Fatalf("processed = %v with status %d", sent, tc.want)
			}
		})
	}
}

// TestWebhookNoSecretConfigured: a handler built with an empty secret
// rejects everything, even a request without the header.
func TestWebhookNoSecretConfigured(t *testing.T) {
	h := newHarness(t, Options{})
	if got := h.post(t, "", readUpdate(t, "message.json")); got != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", got)
	}
	if got := h.post(t, "", readUpdate(t, "message.json"), SecretHeader, ""); got != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", got)
	}
}

// TestWebhookReplay: Telegram (or an attacker with the secret) sending the
// same update twice gets one answer: no message, no callback answer, no
// keyboard edit the second time.
func TestWebhookReplay(t *testing.T) {
	for _, file := range []string{"message.json", "callback_query.json", "group_command.json"} {
		t.Run(file, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.feed(t, file)
			first := len(h.api.sent())
			if first == 0 {
				t.Fatal("first delivery not answered")
			}
			h.feed(t, file)
			if n := len(h.api.sent()); n != first {
				t.Fatalf("replay sent %d more requests, want none", n-first)
			}
		})
	}
}

// TestWebhookBody: bodies over 1 MiB get 413 and garbage 400, unprocessed.
func TestWebhookBody(t *testing.T) {
	h := newHarness(t, Options{})
	big := bytes.Repeat([]byte(" "), MaxWebhookBody)
	big = append(big, readUpdate(t, "message.json")...)
	if got := h.post(t, "s3cret", big, SecretHeader, "s3cret"); got != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: status %d, want 413", got)
	}
	for _, b := range []string{"", "not json", "[]", `{"update_id":0}`, `{"message":{"text":"x"}}`} {
		if got := h.post(t, "s3cret", []byte(b), SecretHeader, "s3cret"); got != http.StatusBadRequest {
			t.Errorf("body %q: status %d, want 400", b, got)
		}
	}
	if n := len(h.api.sent()); n != 0 {
		t.Fatalf("%d requests sent for rejected bodies", n)
	}
}

// TestWebhookSecretShared: with no configured secret, every replica gets the
// same generated one from Redis.
func TestWebhookSecretShared(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	a, err := h.bot.WebhookSecret(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	other, err := New(fastOptions(Options{APIURL: h.api.url(), Delivery: h.core, Content: h.eng.Content, Store: h.store}))
	if err != nil {
		t.Fatal(err)
	}
	b, err := other.WebhookSecret(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if a != b || len(a) < 32 || !validSecret(a) {
		t.Fatalf("secrets %q and %q: want one shared secret of 32+ allowed characters", a, b)
	}
	if c, _ := h.bot.WebhookSecret(ctx, "configured_1"); c != "configured_1" {
		t.Fatalf("configured secret not used: %q", c)
	}
}

func validSecret(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// TestRunWebhook registers the webhook with secret_token and allowed_updates.
func TestRunWebhook(t *testing.T) {
	h := newHarness(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.bot.RunWebhook(ctx, "https://bot.example.org/webhook/telegram", "s3cret") }()
	eventually(t, "setWebhook", func() bool { return h.api.count("setWebhook", "") == 1 })
	eventually(t, "ready", func() bool { return h.bot.Ready(ctx) == nil })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	h.api.mu.Lock()
	defer h.api.mu.Unlock()
	for _, c := range h.api.calls {
		if c.Method != "setWebhook" {
			continue
		}
		want := map[string]string{
			"url":             "https://bot.example.org/webhook/telegram",
			"secret_token":    "s3cret",
			"allowed_updates": `["message","edited_message","callback_query","my_chat_member"]`,
			"max_connections": "40",
		}
		for k, v := range want {
			if c.Params[k] != v {
				t.Errorf("setWebhook %s = %q, want %q", k, c.Params[k], v)
			}
		}
	}
}

// TestWebhookRetryWhenNotHandled: with the engine's outbox (Process), an
// update the engine could not handle (Redis down) gets 503 so that Telegram
// sends it again, and the retry is then answered, once.
func TestWebhookRetryWhenNotHandled(t *testing.T) {
	h := newHarness(t, Options{})
	down := true
	h.bot.o.Delivery = processFunc(func(ctx context.Context, in flows.Inbound) error {
		if down {
			return errors.New("redis: connection refused")
		}
		return h.core.Process(ctx, in)
	})
	body := readUpdate(t, "message.json")
	if got := h.post(t, "s3cret", body, SecretHeader, "s3cret"); got != http.StatusServiceUnavailable {
		t.Fatalf("update not handled: status %d, want 503", got)
	}
	if n := len(h.api.sent()); n != 0 {
		t.Fatalf("sent %d requests for an update that was not handled", n)
	}
	down = false
	for range 2 { // Telegram's retry, and a stray duplicate of it
		if got := h.post(t, "s3cret", body, SecretHeader, "s3cret"); got != http.StatusOK {
			t.Fatalf("retry: status %d, want 200", got)
		}
	}
	var messages int
	for _, c := range h.api.sent() {
		if c.Method == "sendMessage" {
			messages++
		}
	}
	if messages == 0 {
		t.Fatal("the retried update was not answered")
	}
	calls := len(h.api.sent())
	if got := h.post(t, "s3cret", body, SecretHeader, "s3cret"); got != http.StatusOK || len(h.api.sent()) != calls {
		t.Fatalf("a further replay sent more: status %d", got)
	}
}

// countingBody counts the bytes read from a request body.
type countingBody struct {
	r    *bytes.Reader
	read int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

// TestRequireSecretReadsNoBody: a request without the secret gets 401
// before its body is read or next (the admission gate, in the bot) runs.
func TestRequireSecretReadsNoBody(t *testing.T) {
	h := newHarness(t, Options{})
	reached := 0
	guard := h.bot.RequireSecret("s3cret", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	for _, secret := range []string{"", "guess", "s3cret"} {
		body := &countingBody{r: bytes.NewReader(bytes.Repeat([]byte("x"), 1<<20))}
		req := httptest.NewRequest(http.MethodPost, "/webhook/telegram", body)
		if secret != "" {
			req.Header.Set(SecretHeader, secret)
		}
		rec := httptest.NewRecorder()
		guard.ServeHTTP(rec, req)
		if secret != "s3cret" && (rec.Code != http.StatusUnauthorized || body.read != 0) {
			t.Errorf("secret %q: status %d, %d bytes read; want 401 and none", secret, rec.Code, body.read)
		}
	}
	if reached != 1 {
		t.Fatalf("next reached %d times, want once (the right secret)", reached)
	}
}
