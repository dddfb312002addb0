package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// zaloFake records what the fake Zalo platforms (OA API, OAuth, Bot
// Platform) receive.
type zaloFake struct {
	mu   sync.Mutex
	sent []string // "<path> <access_token> <body>"
	seen chan struct{}
}

func (f *zaloFake) record(s string) {
	f.mu.Lock()
	f.sent = append(f.sent, s)
	f.mu.Unlock()
	select {
	case f.seen <- struct{}{}:
	default:
	}
}

func (f *zaloFake) all() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

// waitFor waits until a recorded request contains want.
func (f *zaloFake) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		for _, s := range f.all() {
			if strings.Contains(s, want) {
				return s
			}
		}
		select {
		case <-f.seen:
		case <-deadline:
			t.Fatalf("no request with %q; got %q", want, f.all())
		}
	}
}

func newZaloFakes(t *testing.T) (*zaloFake, *httptest.Server) {
	f := &zaloFake{seen: make(chan struct{}, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v4/oa/access_token": // OAuth: any refresh works once here
			f.record(r.URL.Path + " " + r.Header.Get("secret_key") + " " + string(body))
			io.WriteString(w, `{"access_token":"access-new","refresh_token":"refresh-new","expires_in":"90000"}`)
		case r.URL.Path == "/v3.0/oa/message/cs":
			f.record(r.URL.Path + " " + r.Header.Get("access_token") + " " + string(body))
			io.WriteString(w, `{"data":{"message_id":"m1"},"error":0,"message":"Success"}`)
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			io.WriteString(w, `{"ok":false,"error_code":408,"description":"Request timeout"}`)
		case strings.HasPrefix(r.URL.Path, "/botbot-token/"):
			f.record(r.URL.Path + " - " + string(body))
			io.WriteString(w, `{"ok":true,"result":{}}`)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

// With the ZALO_* variables pointing at fakes: a signed user_send_text
// produces a /v3.0/oa/message/cs request with buttons, sent with the token
// refreshed from the seeds; a forged event produces nothing; the Zalo Bot
// webhook answers with a numbered list; /readyz reports the Zalo channel.
func TestZaloChannelsEndToEnd(t *testing.T) {
	fake, srv := newZaloFakes(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	maddr := freeAddr(t)
	const appID, oaKey = "2553928453557884079", "oa-secret-key"
	getenv := env(
		// No REDIS_URL: an in-process Redis, empty, so that the seeds apply.
		"VNEIDBOT_ADDR", addr, "METRICS_ADDR", maddr, "CONTENT_DIR", "../internal/zalo/testdata/content",
		"ZALO_APP_ID", appID, "ZALO_APP_SECRET", "app-secret", "ZALO_OA_SECRET_KEY", oaKey,
		"ZALO_OA_ACCESS_TOKEN", "seed-access", "ZALO_OA_REFRESH_TOKEN", "seed-refresh",
		"ZALO_API_URL", srv.URL, "ZALO_OAUTH_URL", srv.URL,
		"ZALO_BOT_TOKEN", "bot-token", "ZALO_BOT_API_URL", srv.URL, "ZALO_BOT_WEBHOOK_SECRET", "bot-webhook-secret",
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, nil, io.Discard, io.Discard, getenv) }()
	base := "http://" + addr
	for i := 0; i < 100; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}

	now := fmt.Sprint(time.Now().UnixMilli()) // events older than a day are replays
	event := func(user, msgID, text string) []byte {
		return []byte(fmt.Sprintf(`{"app_id":%q,"user_id_by_app":"1","event_name":"user_send_text","timestamp":%q,"sender":{"id":%q},"recipient":{"id":"99"},"message":{"text":%q,"msg_id":%q}}`,
			appID, now, user, text, msgID))
	}
	post := func(body []byte, sig string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook/zalo", strings.NewReader(string(body)))
		req.Header.Set("X-ZEvent-Signature", sig)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %v %v", err, res)
		}
		res.Body.Close()
	}
	forged := event("1111111111111111111", "forged-1", "Chào")
	post(forged, "mac="+strings.Repeat("0", 64))
	signed := event("6142494823190574713", "msg-1", "Chào")
	sum := sha256.Sum256([]byte(appID + string(signed) + now + oaKey))
	post(signed, "mac="+hex.EncodeToString(sum[:]))

	got := fake.waitFor(t, `"oa.query.hide"`)
	if !strings.HasPrefix(got, "/v3.0/oa/message/cs access-new ") || !strings.Contains(got, `"user_id":"6142494823190574713"`) || !strings.Contains(got, `"payload":"#f:install"`) {
		t.Errorf("OA request: %s", got)
	}
	var msg struct {
		Message struct {
			Attachment struct {
				Payload struct{ Buttons []json.RawMessage }
			}
		}
	}
	json.Unmarshal([]byte(got[strings.Index(got, "{"):]), &msg)
	if n := len(msg.Message.Attachment.Payload.Buttons); n == 0 || n > 5 {
		t.Errorf("%d buttons", n)
	}

	req, _ := http.NewRequest(http.MethodPost, base+"/webhook/zalobot", strings.NewReader(
		`{"ok":true,"result":{"event_name":"message.text.received","message":{"from":{"id":"u1","is_bot":false},"chat":{"id":"c1","chat_type":"PRIVATE"},"text":"/start","message_id":"b1","date":1764406800000}}}`))
	req.Header.Set("X-Bot-Api-Secret-Token", "bot-webhook-secret")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("zalobot webhook: %v %v", err, res)
	}
	if got := fake.waitFor(t, `1. `); !strings.HasPrefix(got, "/botbot-token/sendMessage") || !strings.Contains(got, `"chat_id":"c1"`) {
		t.Errorf("bot request: %s", got)
	}

	res, err := http.Get("http://" + maddr + "/readyz") // the detail is on the metrics listener
	if err != nil {
		t.Fatal(err)
	}
	ready, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(ready), "zalo: ok") {
		t.Errorf("/readyz: %s", ready)
	}
	for _, s := range fake.all() {
		if strings.Contains(s, "1111111111111111111") {
			t.Errorf("the forged event was answered: %s", s)
		}
		if strings.Contains(s, "/v4/oa/access_token") && !strings.Contains(s, "refresh_token=seed-refresh") {
			t.Errorf("refresh did not use the seed: %s", s)
		}
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d", code)
		}
	case <-time.After(12 * time.Second):
		t.Fatal("serve did not stop within 12 s of shutdown")
	}
}

func TestZaloAuthorizeCommand(t *testing.T) {
	zaloEnv := []string{"ZALO_APP_ID", "1", "ZALO_APP_SECRET", "s", "ZALO_OA_SECRET_KEY", "k", "ZALO_OAUTH_URL", "https://oauth.example"}
	if code, _, stderr := runCmd(t, env(zaloEnv...), "zalo", "authorize"); code != exitUsage || !strings.Contains(stderr, "--redirect-uri") {
		t.Errorf("without --redirect-uri: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, env(), "zalo", "authorize", "--redirect-uri", "https://bot.example/zalo/oauth/callback"); code != exitUsage || !strings.Contains(stderr, "ZALO_APP_ID") {
		t.Errorf("without the app: %d %s", code, stderr)
	}
	if code, _, stderr := runCmd(t, env(zaloEnv...), "zalo", "authorize", "--redirect-uri", "https://bot.example/zalo/oauth/callback"); code != exitUsage || !strings.Contains(stderr, "REDIS_URL") {
		t.Errorf("without REDIS_URL: %d %s", code, stderr)
	}
	url := os.Getenv("REDIS_URL")
	if url == "" {
		t.Skip("REDIS_URL is not set: the rest needs a Redis shared with the bot")
	}
	code, stdout, stderr := runCmd(t, env(append(zaloEnv, "REDIS_URL", url)...), "zalo", "authorize", "--redirect-uri", "https://bot.example/zalo/oauth/callback")
	if code != 0 || !strings.Contains(stdout, "https://oauth.example/v4/oa/permission?") || !strings.Contains(stdout, "code_challenge=") || !strings.Contains(stdout, "state=") {
		t.Errorf("authorize: %d %q %q", code, stdout, stderr)
	}
}
