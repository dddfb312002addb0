package zalobot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
)

var update = flag.Bool("update", false, "update golden files")

func count(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}

func TestWebhookSecret(t *testing.T) {
	body := readUpdate(t, "text")
	tests := []struct {
		name, secret string
		status       int
		result       string
	}{
		{"Missing", "", http.StatusUnauthorized, "no_secret"},
		{"Wrong", "s3cret-token-for-tesTs", http.StatusUnauthorized, "bad_secret"},
		{"Prefix", testSecret[:8], http.StatusUnauthorized, "bad_secret"},
		{"Right", testSecret, http.StatusOK, "accepted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, testSecret, nil)
			if w := r.post(t, body, tt.secret); w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
			if got := count(r.a.m.Webhook.WithLabelValues(tt.result)); got != 1 {
				t.Errorf("%s counted %v", tt.result, got)
			}
			r.drain(t)
			if sent := len(r.fake.sent()) > 0; sent != (tt.status == http.StatusOK) {
				t.Errorf("replies sent: %v", sent)
			}
		})
	}
}

// TestWebhookRejectionsDoNotFloodTheLog: a thousand wrong secrets write one
// warn line (the rest are counted in the metric and in the next line).
func TestWebhookRejectionsDoNotFloodTheLog(t *testing.T) {
	r := newRig(t, testSecret, nil)
	var logs bytes.Buffer
	r.a.hook = delivery.NewWebhook("zalo bot webhook", r.a.m.Webhook, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	for range 1000 {
		r.post(t, readUpdate(t, "text"), "s3cret-token-for-tesTs")
	}
	if n := strings.Count(logs.String(), "request dropped"); n != 1 {
		t.Errorf("%d warn lines for 1000 wrong secrets, want 1", n)
	}
	if got := count(r.a.m.Webhook.WithLabelValues("bad_secret")); got != 1000 {
		t.Errorf("bad_secret counted %v, want 1000", got)
	}
}

func TestWebhookWithoutSecretRefusesAll(t *testing.T) {
	r := newRig(t, "", nil) // polling mode
	if w := r.post(t, readUpdate(t, "text"), "anything"); w.Code != http.StatusUnauthorized {
		t.Errorf("status %d", w.Code)
	}
}

func TestWebhookBadBodies(t *testing.T) {
	r := newRig(t, testSecret, nil)
	if w := r.post(t, []byte("{"), testSecret); w.Code != http.StatusBadRequest {
		t.Errorf("malformed: %d", w.Code)
	}
	if w := r.post(t, bytes.Repeat([]byte(" "), delivery.MaxBody+1), testSecret); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", w.Code)
	}
	for _, name := range []string{"from_bot", "other_event"} {
		if w := r.post(t, readUpdate(t, name), testSecret); w.Code != http.StatusOK {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
	if n, _ := r.a.intake.Len(context.Background()); n != 0 {
		t.Errorf("%d ignored or bad updates queued", n)
	}
}

// Both image fields lead to the same friendly answer.
func TestMediaAnswered(t *testing.T) {
	for _, name := range []string{"image_photo", "image_photo_url", "sticker", "voice", "unsupported"} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, testSecret, nil)
			r.post(t, readUpdate(t, name), testSecret)
			r.drain(t)
			sent := r.fake.sent()
			if len(sent) == 0 || !strings.Contains(sent[0].Body["text"].(string), "chữ") {
				t.Errorf("sent %+v", sent)
			}
		})
	}
}

// A whole conversation by typed numbers through the webhook: the fake
// platform posts updates, the adapter queues them, the real engine answers,
// and every request the platform receives is compared with
// testdata/flow.golden (go test -update rewrites it).
func TestFlowByTypedNumbers(t *testing.T) {
	r := newRig(t, testSecret, nil)
	var transcript bytes.Buffer
	step := func(label string, body []byte) {
		t.Helper()
		before := len(r.fake.sent())
		if w := r.post(t, body, testSecret); w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", label, w.Code)
		}
		r.drain(t)
		fmt.Fprintf(&transcript, "### %s\n", label)
		for _, c := range r.fake.sent()[before:] {
			b, _ := json.MarshalIndent(c.Body, "", "  ")
			fmt.Fprintf(&transcript, "POST /bot<token>/%s\n%s\n", c.Method, b)
		}
	}
	step("hello: greeting and the numbered menu", textUpdate("m1", "/start"))
	step("typed 1: install", textUpdate("m2", "1"))
	step("typed 2: iPhone", textUpdate("m3", "2"))
	step("the same update again: nothing", textUpdate("m3", "2"))
	step("typed 1: installed", textUpdate("m4", "1"))
	step("a photo: please type", readUpdate(t, "image_photo"))

	got := transcript.Bytes()
	if *update {
		os.WriteFile("testdata/flow.golden", got, 0o644)
	}
	want, err := os.ReadFile("testdata/flow.golden")
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("requests differ from testdata/flow.golden (go test -update rewrites it):\n%s", got)
	}
	if !strings.Contains(string(got), "Mở App Store") {
		t.Error("typing 1 then 2 did not reach the iPhone step")
	}
}

// Polling: one update per call; a call that brings one is followed at once
// by the next; 408 and failures are followed by a pause, so the poller
// never spins even against a platform that answers at once.
func TestPolling(t *testing.T) {
	r := newRig(t, "", nil)
	r.a.o.PollPause = time.Hour // far longer than any call, so the pauses do not depend on speed
	r.fake.queue(string(textUpdateResult("p1", "/start")), string(textUpdateResult("p2", "1")))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.onSleep = func(n int) {
		if n == 3 {
			cancel()
		}
	}
	if err := r.a.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Poll = %v", err)
	}
	// Calls: update, update, 408, 408, 408 (then stopped in the third pause).
	if got := r.fake.polls.Load(); got != 5 {
		t.Errorf("%d getUpdates calls, want 5", got)
	}
	if len(r.slept) != 3 {
		t.Fatalf("pauses %v, want 3 (one after each empty answer, none after an update)", r.slept)
	}
	for _, d := range r.slept {
		if d <= 0 || d > time.Hour {
			t.Errorf("pause %v, want the rest of PollPause", d)
		}
	}
	if got := count(r.a.m.polls.WithLabelValues("empty")); got != 3 {
		t.Errorf("empty polls counted %v", got)
	}
	r.drain(t)
	sent := r.fake.sent()
	if len(sent) < 2 || !strings.Contains(fmt.Sprint(sent[len(sent)-1].Body["text"]), "1. Android") {
		t.Errorf("the polled updates were not answered: %+v", sent)
	}
}

func textUpdateResult(msgID, text string) []byte {
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	json.Unmarshal(textUpdate(msgID, text), &env)
	return env.Result
}

// Two replicas: only the one holding the lease calls getUpdates.
func TestOnlyOneReplicaPolls(t *testing.T) {
	a := newRig(t, "", nil)
	b := newRig(t, "", nil)
	b.a.lease = a.st.NewLease(a.a.lease.Key(), a.a.lease.TTL()) // same Redis, same key
	held, err := a.a.lease.Acquire(context.Background())
	if err != nil || !held {
		t.Fatalf("A: hold = %v, %v", held, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.onSleep = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	b.a.Poll(ctx)
	if n := b.fake.polls.Load(); n != 0 {
		t.Errorf("replica B polled %d times while A held the lease", n)
	}
	if len(b.slept) != 2 || b.slept[0] != leaseRetry {
		t.Errorf("B paused %v", b.slept)
	}
	// A stops: B takes over at once.
	a.a.lease.Release(context.Background())
	if held, _ := b.a.lease.Acquire(context.Background()); !held {
		t.Error("B did not take over the released lease")
	}
}

func TestPollingBacksOffOnErrors(t *testing.T) {
	r := newRig(t, "", nil)
	r.a.client.Token = "wrong" // every call: 401
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.onSleep = func(n int) {
		if n == 7 {
			cancel()
		}
	}
	r.a.Poll(ctx)
	want := []time.Duration{1, 2, 4, 8, 16, 30, 30}
	for i, d := range r.slept {
		if d != want[i]*time.Second {
			t.Errorf("pause %d = %v, want %v", i, d, want[i]*time.Second)
		}
	}
}

func TestSendRetriesOn429(t *testing.T) {
	r := newRig(t, testSecret, &fixedEngine{})
	r.fake.answer = func(n int, _ string) (int, string) {
		if n == 0 {
			return http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests"}`
		}
		return http.StatusOK, `{"ok":true,"result":{}}`
	}
	if err := r.a.Send(context.Background(), testChat, []flows.Reply{{Text: "a"}}); err != nil {
		t.Fatal(err)
	}
	if len(r.fake.sent()) != 2 || len(r.slept) != 1 || r.slept[0] != time.Second {
		t.Errorf("%d sends, pauses %v", len(r.fake.sent()), r.slept)
	}
	r.fake.answer = func(int, string) (int, string) {
		return http.StatusForbidden, `{"ok":false,"error_code":403,"description":"Forbidden"}`
	}
	var ae *APIError
	if err := r.a.send(context.Background(), testChat, []flows.Reply{{Text: "a"}, {Text: "b"}}); !errors.As(err, &ae) || ae.Code != 403 {
		t.Errorf("err = %v", err)
	}
	// As the engine's Sender: a refusal is given up, a server error retried later.
	if err := r.a.Send(context.Background(), testChat, []flows.Reply{{Text: "a"}}); err != nil {
		t.Errorf("Send after 403 = %v, want nil (not retryable)", err)
	}
	r.fake.answer = func(int, string) (int, string) {
		return http.StatusBadGateway, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`
	}
	if err := r.a.Send(context.Background(), testChat, []flows.Reply{{Text: "a"}}); err == nil {
		t.Error("Send after 502 = nil, want an error so the outbox retries")
	}
}

// The token is part of every URL; it must not leak into errors (and so logs).
func TestErrorsHideToken(t *testing.T) {
	c := &Client{BaseURL: "http://127.0.0.1:1", Token: testToken}
	err := c.SendMessage(context.Background(), testChat, "x")
	if err == nil || strings.Contains(err.Error(), testToken) {
		t.Errorf("err = %v", err)
	}
}

func TestSetWebhook(t *testing.T) {
	r := newRig(t, testSecret, &fixedEngine{})
	if err := r.a.Client().SetWebhook(context.Background(), "https://bot.example.vn/webhook/zalobot", testSecret); err != nil {
		t.Fatal(err)
	}
	if c := r.fake.sent()[0]; c.Method != "setWebhook" || c.Body["secret_token"] != testSecret || c.Body["url"] != "https://bot.example.vn/webhook/zalobot" {
		t.Errorf("request %+v", c)
	}
}

// fixedEngine answers "ok" through the adapter, as the engine's outbox does.
type fixedEngine struct{ sender flows.Sender }

func (e *fixedEngine) Process(ctx context.Context, in flows.Inbound) error {
	return e.sender.Send(ctx, in.ChatID, []flows.Reply{{Text: "ok"}})
}
