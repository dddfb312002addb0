package loadtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/loadtest"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		raw  string
		mode loadtest.Mode
		path string
	}{
		{"http://127.0.0.1:8080", loadtest.ModeWeb, "/api/chat"},
		{"http://127.0.0.1:8080/", loadtest.ModeWeb, "/api/chat"},
		{"http://localhost:8080/api/chat", loadtest.ModeWeb, "/api/chat"},
		{"http://127.8.9.10:1/bot/api/chat", loadtest.ModeWeb, "/bot/api/chat"},
		{"http://[::1]:8080/webhook/telegram", loadtest.ModeTelegram, "/webhook/telegram"},
		{"https://app.localhost/healthz", loadtest.ModeHealth, "/healthz"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, mode, err := loadtest.ParseTarget(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if mode != tt.mode || u.Path != tt.path {
				t.Errorf("got %v %q, want %v %q", mode, u.Path, tt.mode, tt.path)
			}
		})
	}
}

func TestRefusesNonLoopbackTargets(t *testing.T) {
	for _, raw := range []string{
		"http://10.0.0.5:8080/api/chat",
		"http://192.168.1.10/api/chat",
		"http://172.16.0.1/healthz",
		"http://8.8.8.8/healthz",
		"http://example.com/api/chat",
		"http://localhost.example.com/api/chat",
		"http://[::ffff:10.0.0.1]/api/chat",
		"http://[fe80::1]/api/chat",
		"http://0.0.0.0:8080/api/chat",
	} {
		t.Run(raw, func(t *testing.T) {
			_, _, err := loadtest.ParseTarget(raw)
			if !errors.Is(err, loadtest.ErrNotLoopback) {
				t.Fatalf("ParseTarget: err %v, want ErrNotLoopback", err)
			}
			_, err = loadtest.Run(context.Background(), loadtest.Options{Target: raw, Chats: 1, Duration: time.Second})
			if !errors.Is(err, loadtest.ErrNotLoopback) {
				t.Fatalf("Run: err %v, want ErrNotLoopback", err)
			}
		})
	}
	for _, raw := range []string{"ftp://127.0.0.1/api/chat", "http://127.0.0.1/metrics", "http://u:p@127.0.0.1/api/chat"} {
		if _, _, err := loadtest.ParseTarget(raw); err == nil {
			t.Errorf("%s: accepted", raw)
		}
	}
}

// The dialer checks the address a name resolved to, so a "localhost" that
// points elsewhere, or a redirect, cannot carry the load off the machine.
func TestClientConnectsOnlyToLoopback(t *testing.T) {
	c := loadtest.NewClient(1, time.Second)
	_, err := c.Get("http://192.0.2.1:9/healthz") // TEST-NET-1: never reached
	if !errors.Is(err, loadtest.ErrNotLoopback) {
		t.Fatalf("err %v, want ErrNotLoopback", err)
	}
}

func TestBounds(t *testing.T) {
	for name, o := range map[string]loadtest.Options{
		"no chats":        {Target: "http://127.0.0.1:1/healthz", Chats: 0, Duration: time.Second},
		"too many chats":  {Target: "http://127.0.0.1:1/healthz", Chats: loadtest.MaxChats + 1, Duration: time.Second},
		"no duration":     {Target: "http://127.0.0.1:1/healthz", Chats: 1},
		"too long":        {Target: "http://127.0.0.1:1/healthz", Chats: 1, Duration: loadtest.MaxDuration + time.Second},
		"telegram secret": {Target: "http://127.0.0.1:1/webhook/telegram", Chats: 1, Duration: time.Second},
	} {
		if _, err := loadtest.Run(context.Background(), o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// fakeBot is a web chat that answers like the bot: a greeting with two
// payload buttons on start, and a reply with one button to anything else.
type fakeBot struct {
	mu       sync.Mutex
	requests []map[string]any
	fail     atomic.Bool
}

func (b *fakeBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/chat" {
		http.NotFound(w, r)
		return
	}
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	b.requests = append(b.requests, req)
	b.mu.Unlock()
	if b.fail.Load() {
		http.Error(w, `{"error":"try again"}`, http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if _, ok := req["start"]; ok {
		io.WriteString(w, `{"replies":[{"text":"Xin chào","buttons":[[{"label":"Cài đặt","payload":"c:menu:root:install","number":1}],[{"label":"Mức 2","payload":"c:menu:root:level2","number":2}],[{"label":"Web","url":"https://vneid.gov.vn"}]]}]}`)
		return
	}
	io.WriteString(w, `{"replies":[{"text":"Bước 1","buttons":[[{"label":"Xong","payload":"c:install:s1:done","number":1}]]}]}`)
}

func TestWebChatWalksFlows(t *testing.T) {
	bot := &fakeBot{}
	srv := httptest.NewServer(bot)
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL, Chats: 4, Duration: 5 * time.Second, Requests: 200, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent != 200 || res.OK != 200 || res.Errors != 0 {
		t.Fatalf("sent %d ok %d errors %d, want 200 200 0", res.Sent, res.OK, res.Errors)
	}
	if res.RPS <= 0 || res.P50 <= 0 || res.P50 > res.P95 || res.P95 > res.P99 {
		t.Errorf("rps %v p50 %v p95 %v p99 %v", res.RPS, res.P50, res.P95, res.P99)
	}
	bot.mu.Lock()
	defer bot.mu.Unlock()
	kinds := map[string]int{}
	firstOf := map[string]string{}
	ids := map[string]bool{}
	for _, req := range bot.requests {
		user, _ := req["user"].(string)
		id, _ := req["id"].(string)
		if user == "" || id == "" || ids[user+"/"+id] {
			t.Fatalf("request %v: want a user and a message id unique in its chat", req)
		}
		ids[user+"/"+id] = true
		for _, k := range []string{"start", "button", "text"} {
			if _, ok := req[k]; ok {
				kinds[k]++
				if _, seen := firstOf[user]; !seen {
					firstOf[user] = k
				}
			}
		}
		if p, ok := req["button"].(string); ok && !strings.HasPrefix(p, "c:") {
			t.Errorf("pressed %q, a payload the bot never sent", p)
		}
	}
	for user, k := range firstOf {
		if k != "start" {
			t.Errorf("citizen %s began with %s, want start", user, k)
		}
	}
	if kinds["start"] < 4 || kinds["button"] == 0 || kinds["text"] == 0 {
		t.Errorf("moves %v: want starts, button presses and typed text", kinds)
	}
	if len(firstOf) <= 4 {
		t.Errorf("%d citizens in 200 requests: citizens should leave and new ones come", len(firstOf))
	}
}

func TestCountsErrorsAndStopsOnTime(t *testing.T) {
	bot := &fakeBot{}
	bot.fail.Store(true)
	srv := httptest.NewServer(bot)
	defer srv.Close()
	start := time.Now()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL + "/api/chat", Chats: 3, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %s for a 300ms run", took)
	}
	if res.Errors == 0 || res.OK != 0 || res.Sent != res.Errors || res.ErrorKinds["status 503"] != res.Errors {
		t.Errorf("sent %d ok %d errors %d kinds %v", res.Sent, res.OK, res.Errors, res.ErrorKinds)
	}
}

func TestHealthzBaselineUsesGET(t *testing.T) {
	var gets atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/healthz" {
			http.Error(w, "no", http.StatusBadRequest)
			return
		}
		gets.Add(1)
		io.WriteString(w, "ok\n")
	}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL + "/healthz", Chats: 2, Duration: time.Second, Requests: 50})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 50 || gets.Load() != 50 || res.Errors != 0 {
		t.Errorf("ok %d, server saw %d GETs, errors %d; want 50, 50, 0", res.OK, gets.Load(), res.Errors)
	}
}

// The JSON form is exactly the contract: seven keys, numbers.
func TestResultJSONShape(t *testing.T) {
	res := loadtest.Result{Sent: 10, OK: 9, Errors: 1, RPS: 4.5, P50: 1.25, P95: 2, P99: 3, Chats: 2, URL: "x"}
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k, v := range m {
		keys = append(keys, k)
		if _, ok := v.(float64); !ok {
			t.Errorf("%s = %v, want a number", k, v)
		}
	}
	slices.Sort(keys)
	want := []string{"errors", "ok", "p50_ms", "p95_ms", "p99_ms", "rps", "sent"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	if m["p50_ms"] != 1.25 || m["sent"] != 10.0 {
		t.Errorf("values %v", m)
	}
}

// A Telegram run sends updates with the secret header and increasing
// update_id, and citizens press the buttons the fake Bot API recorded.
func TestTelegramWebhookWithFakeAPI(t *testing.T) {
	fake := loadtest.NewFakeTelegram()
	api := httptest.NewServer(fake)
	defer api.Close()
	var (
		mu        sync.Mutex
		lastID    = map[float64]float64{} // chat → last update_id
		pressed   []string
		badSecret atomic.Int64
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" {
			badSecret.Add(1)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u struct {
			UpdateID float64 `json:"update_id"`
			Message  *struct {
				Chat struct{ ID float64 } `json:"chat"`
				Text string               `json:"text"`
			} `json:"message"`
			CallbackQuery *struct {
				Message struct {
					Chat struct{ ID float64 } `json:"chat"`
				} `json:"message"`
				Data string `json:"data"`
			} `json:"callback_query"`
		}
		if err := json.NewDecoder(r.Body).Decode(&u); err != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		var chat float64
		switch {
		case u.Message != nil:
			chat = u.Message.Chat.ID
		case u.CallbackQuery != nil:
			chat = u.CallbackQuery.Message.Chat.ID
			mu.Lock()
			pressed = append(pressed, u.CallbackQuery.Data)
			mu.Unlock()
		default:
			http.Error(w, "empty update", http.StatusBadRequest)
			return
		}
		mu.Lock()
		if u.UpdateID <= lastID[chat] {
			mu.Unlock()
			http.Error(w, "update_id went back", http.StatusConflict)
			return
		}
		lastID[chat] = u.UpdateID
		mu.Unlock()
		// the bot replies through the Bot API before answering the webhook
		form := url.Values{"chat_id": {jsonNumber(chat)}, "text": {"Bước"}, "reply_markup": {`{"inline_keyboard":[[{"text":"Xong","callback_data":"c:f:s:done"}],[{"text":"Web","url":"https://vneid.gov.vn"}]]}`}}
		resp, err := http.PostForm(api.URL+"/bot1:x/sendMessage", form)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		resp.Body.Close()
		io.WriteString(w, "{}")
	}))
	defer hook.Close()

	res, err := loadtest.Run(context.Background(), loadtest.Options{
		Target: hook.URL + "/webhook/telegram", Chats: 3, Duration: 5 * time.Second, Requests: 120, Secret: "s3cret", Telegram: fake, Seed: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 120 || res.Errors != 0 || badSecret.Load() != 0 {
		t.Fatalf("ok %d errors %d (%v), bad secret %d", res.OK, res.Errors, res.ErrorKinds, badSecret.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(pressed) == 0 {
		t.Fatal("no button was pressed")
	}
	for _, p := range pressed {
		if p != "c:f:s:done" {
			t.Errorf("pressed %q, not a button the bot sent", p)
		}
	}
	if fake.Calls("sendMessage") != 120 {
		t.Errorf("fake API saw %d sendMessage, want 120", fake.Calls("sendMessage"))
	}
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(int64(f))
	return string(b)
}
