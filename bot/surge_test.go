package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admission"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// countingTelegram is a fake Bot API that counts the messages sent to each chat.
type countingTelegram struct {
	mu   sync.Mutex
	sent map[string]int
}

func (f *countingTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "getMe":
		io.WriteString(w, `{"ok":true,"result":{"id":42,"is_bot":true,"first_name":"bot","username":"vneid_test_bot"}}`)
	case "sendMessage", "sendPhoto":
		r.ParseForm()
		chat := r.FormValue("chat_id")
		f.mu.Lock()
		f.sent[chat]++
		n := f.sent[chat]
		f.mu.Unlock()
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":1,"chat":{"id":%s,"type":"private"}}}`, n, chat)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

func (f *countingTelegram) count(chat int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent[fmt.Sprint(chat)]
}

// TestTelegramOverloadLosesNothing: with MAX_INFLIGHT 2 and 12 chats
// sending at once, the webhook refuses most updates with 503 + Retry-After
// before doing anything, Telegram (here, each chat's loop) sends them
// again, and in the end every chat got exactly the messages that the same
// updates get without any refusal: none lost, none twice.
func TestTelegramOverloadLosesNothing(t *testing.T) {
	fake := &countingTelegram{sent: map[string]int{}}
	api := httptest.NewServer(fake)
	defer api.Close()
	const secret = "overload-test-secret"
	cfg, err := LoadConfig(env(
		"TELEGRAM_BOT_TOKEN", "123456:test-token",
		"TELEGRAM_API_URL", api.URL+"/bot%s/%s",
		"TELEGRAM_WEBHOOK_URL", "https://bot.example.gov.vn/webhook/telegram",
		"TELEGRAM_WEBHOOK_SECRET", secret,
		"MAX_INFLIGHT", "2",
	))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := newContentSource("")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	eng, err := flows.New(src.Catalog(), st, flows.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{cfg: cfg, log: log, store: st, engine: eng, delivery: delivery.New(delivery.Options{Store: st, Engine: eng}), content: src, mux: http.NewServeMux(), metrics: prometheus.NewRegistry()}
	if err := a.routes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := setupTelegram(ctx, a); err != nil {
		t.Fatal(err)
	}
	// The public listener as serve wraps it: some refusals come from the
	// connection, some from the handler.
	srv := httptest.NewUnstartedServer(a.mux)
	srv.Listener = a.gate.Listener(srv.Listener, a.shed, admission.ShedOptions{IdleTimeout: time.Minute, ReadHeaderTimeout: 5 * time.Second})
	srv.Start()
	defer srv.Close()

	var updateID atomic.Int64
	// few messages per chat: the bot keeps Telegram's limits (30/s overall,
	// 1/s in a chat after a burst of 3), and each update holds its slot
	// until its replies are sent
	texts := []string{"/start", "menu"}
	var refused atomic.Int64
	// send posts one update until it is accepted, as Telegram retries.
	send := func(chat int64, text string) {
		body := fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":"A"},"chat":{"id":%d,"type":"private"},"date":%d,"text":%q}}`,
			updateID.Add(1), updateID.Load(), chat, chat, time.Now().Unix(), text)
		for try, deadline := 0, time.Now().Add(60*time.Second); time.Now().Before(deadline); try++ {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/webhook/telegram", strings.NewReader(body))
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusOK:
				return
			case http.StatusServiceUnavailable:
				if res.Header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
				refused.Add(1)
				time.Sleep(time.Duration(5+try%16) * time.Millisecond)
			default:
				t.Errorf("status %d", res.StatusCode)
				return
			}
		}
		t.Errorf("chat %d: %q never accepted", chat, text)
	}
	// the control: one chat alone, never refused
	const control = 900_000_001
	for _, text := range texts {
		send(control, text)
	}
	want := fake.count(control)
	if want == 0 || refused.Load() != 0 {
		t.Fatalf("control chat: %d messages, %d refusals", want, refused.Load())
	}
	var wg sync.WaitGroup
	const chats = 12
	for c := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, text := range texts {
				send(int64(900_000_100+c), text)
			}
		}()
	}
	wg.Wait()
	if refused.Load() == 0 {
		t.Fatal("nothing was refused: the test proves nothing")
	}
	for c := range chats {
		if got := fake.count(int64(900_000_100 + c)); got != want {
			t.Errorf("chat %d got %d messages, want %d (lost or sent twice)", c, got, want)
		}
	}
	if a.gate.InFlight() != 0 {
		t.Errorf("%d slots still taken", a.gate.InFlight())
	}
	t.Logf("%d refusals (503 + Retry-After), each update answered once", refused.Load())
}

// TestZaloEventsWaitForASlot: Zalo events are durable in their stream, so
// their workers wait for a slot instead of being refused.
func TestZaloEventsWaitForASlot(t *testing.T) {
	gate := admission.New(1, admission.Options{})
	if !gate.Admit(context.Background(), "web") {
		t.Fatal("no slot")
	}
	p := paced{nil, gate}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	// the only slot is taken: Process waits, and gives up only with ctx
	// (the event then stays queued), without touching the engine
	if err := p.Process(ctx, flows.Inbound{}); err == nil {
		t.Fatal("Process went ahead without a slot")
	}
	if gate.Refused() != 0 || gate.InFlight() != 1 {
		t.Fatalf("refused %d, in flight %d: a waiting event is no refusal and holds no slot", gate.Refused(), gate.InFlight())
	}
}

func TestSurgeConfig(t *testing.T) {
	c, err := LoadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxInflight != 0 || c.AdmissionTarget != 0 || c.WebNewChatsPerIP != 300 || c.WebNewChatsWindow != 10*time.Minute || c.WebFrameAncestors != "'self'" {
		t.Errorf("defaults: %d %d %s %q", c.MaxInflight, c.WebNewChatsPerIP, c.WebNewChatsWindow, c.WebFrameAncestors)
	}
	for _, tc := range [][2]string{
		{"MAX_INFLIGHT", "-1"}, {"MAX_INFLIGHT", "many"},
		{"ADMISSION_LATENCY_TARGET", "fast"}, {"ADMISSION_LATENCY_TARGET", "-1ms"}, {"ADMISSION_LATENCY_TARGET", "5s"},
		{"WEB_NEW_CHATS_PER_IP", "-1"}, {"WEB_NEW_CHATS_WINDOW", "forever"}, {"WEB_NEW_CHATS_WINDOW", "0s"},
		{"WEB_FRAME_ANCESTORS", "*"}, {"WEB_FRAME_ANCESTORS", "https://a.vn; script-src *"},
	} {
		_, err := LoadConfig(env(tc[0], tc[1]))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Var != tc[0] {
			t.Errorf("%s=%q: error %v, want one naming %s", tc[0], tc[1], err, tc[0])
		}
	}
	c, err = LoadConfig(env("MAX_INFLIGHT", "40", "ADMISSION_LATENCY_TARGET", "2ms", "WEB_NEW_CHATS_PER_IP", "0", "WEB_FRAME_ANCESTORS", "'self' https://dichvucong.example.gov.vn"))
	if err != nil || c.MaxInflight != 40 || c.AdmissionTarget != 2*time.Millisecond || c.WebNewChatsPerIP != 0 || c.WebFrameAncestors != "'self' https://dichvucong.example.gov.vn" {
		t.Errorf("set values: %+v %v", c, err)
	}
}

// TestWebChatRefusedOnTheConnection: with the gate full, the public
// listener refuses a web chat request itself, with the same status,
// Retry-After and content message as the handler's own refusal.
func TestWebChatRefusedOnTheConnection(t *testing.T) {
	m := miniredis.RunT(t)
	cfg, err := LoadConfig(env("REDIS_URL", "redis://"+m.Addr()+"/0", "MAX_INFLIGHT", "1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.store.Close()
	if err := a.routes(ctx); err != nil {
		t.Fatal(err)
	}
	through := httptest.NewServer(a.mux)
	defer through.Close()
	below := httptest.NewUnstartedServer(a.mux)
	below.Listener = a.gate.Listener(below.Listener, a.shed, admission.ShedOptions{IdleTimeout: time.Minute, ReadHeaderTimeout: 5 * time.Second})
	below.Start()
	defer below.Close()

	if !a.gate.Admit(ctx, "test") {
		t.Fatal("the gate's only slot was refused")
	}
	defer a.gate.Release()
	var bodies [2]string
	for i, srv := range []*httptest.Server{through, below} {
		res, err := http.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(`{"user":"u1","text":"xin chao"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "1" || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("server %d: %d, Retry-After %q, %q", i, res.StatusCode, res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))
		}
		// net/http dates every answer; the listener's canned refusal has no
		// Date, which shows that it, not the handler, answered.
		if dated := res.Header.Get("Date") != ""; dated != (srv == through) {
			t.Fatalf("server %d: Date %q: the refusal came from the wrong layer", i, res.Header.Get("Date"))
		}
		bodies[i] = string(b)
	}
	var msg struct{ Error string }
	if err := json.Unmarshal([]byte(bodies[1]), &msg); err != nil || bodies[0] != bodies[1] {
		t.Fatalf("handler's body %q, listener's %q (%v)", bodies[0], bodies[1], err)
	}
	cat := a.content.Catalog()
	if want := cat.Msg(cat.DefaultLocale(), "web_busy"); msg.Error != want || want == "" {
		t.Fatalf("refusal says %q, want the content's web_busy %q", msg.Error, want)
	}
	if a.gate.Refused() != 2 {
		t.Fatalf("gate counted %d refusals, want 2", a.gate.Refused())
	}
}
