package zalobot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

const (
	testToken  = "1234567890:AbCdEfGhIjKlMnOpQrStUvWxYz"
	testSecret = "s3cret-token-for-tests"
	testChat   = "7a1c3e5f0b2d4f6a"
)

// call is one request the fake platform received.
type call struct {
	Method string
	Body   map[string]any
}

// fakePlatform is the Bot Platform API: POST /bot<token>/<method>, JSON in,
// {"ok":…,"result":…} out. getUpdates hands out one queued update per call
// and answers error_code 408 at once when it has none (a platform that does
// not honour the timeout, the worst case for spinning).
type fakePlatform struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	calls   []call
	updates []string
	polls   atomic.Int32
	// answer, when set, overrides the answer to a send (status, JSON).
	answer func(n int, method string) (int, string)
	sends  int
}

func newFakePlatform(t *testing.T) *fakePlatform {
	f := &fakePlatform{t: t}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePlatform) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	prefix := "/bot" + testToken + "/"
	if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, prefix) {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	method := strings.TrimPrefix(r.URL.Path, prefix)
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		f.t.Errorf("fake platform: %s body: %v", method, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if method == "getUpdates" {
		f.polls.Add(1)
		if len(f.updates) == 0 {
			io.WriteString(w, `{"ok":false,"error_code":408,"description":"Request timeout"}`)
			return
		}
		u := f.updates[0]
		f.updates = f.updates[1:]
		fmt.Fprintf(w, `{"ok":true,"result":%s}`, u)
		return
	}
	f.calls = append(f.calls, call{Method: method, Body: body})
	if f.answer != nil {
		status, ans := f.answer(f.sends, method)
		f.sends++
		w.WriteHeader(status)
		io.WriteString(w, ans)
		return
	}
	switch method {
	case "sendMessage", "sendPhoto":
		if s, _ := body["text"].(string); method == "sendMessage" && (s == "" || len([]rune(s)) > MaxText) {
			io.WriteString(w, `{"ok":false,"error_code":400,"description":"text must be 1-2000 characters"}`)
			return
		}
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":"out%d","date":1764406900000}}`, len(f.calls))
	case "setWebhook":
		io.WriteString(w, `{"ok":true,"result":{"url":"set"}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
	}
}

func (f *fakePlatform) queue(updates ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, updates...)
}

func (f *fakePlatform) sent() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// testCatalog is the OA package's small, stable test catalog.
func testCatalog(t *testing.T) *content.Catalog {
	t.Helper()
	cat, problems := content.Load(os.DirFS("../zalo/testdata/content"), content.Options{})
	if cat == nil {
		t.Fatalf("test catalog: %v", problems.Err())
	}
	return cat
}

type rig struct {
	a     *Adapter
	st    *store.Store
	fake  *fakePlatform
	mu    sync.Mutex
	slept []time.Duration
	// onSleep, when set, runs at each pause (the poll tests stop the poller there).
	onSleep func(n int)
}

func newRig(t *testing.T, secret string, engine delivery.Processor) *rig {
	t.Helper()
	r := &rig{st: storetest.OpenEnv(t, ""), fake: newFakePlatform(t)}
	real, err := flows.New(testCatalog(t), r.st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	core := delivery.New(delivery.Options{Store: r.st, Engine: real})
	if engine == nil {
		engine = core
	}
	a, err := New(Options{
		Token: testToken, APIURL: r.fake.srv.URL, WebhookSecret: secret,
		ChannelOptions: delivery.ChannelOptions{
			Store: r.st, Delivery: engine, Content: real.Content, Queue: queue.Options{MinIdle: time.Millisecond},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.sleep = func(ctx context.Context, d time.Duration) error {
		r.mu.Lock()
		r.slept = append(r.slept, d)
		n, hook := len(r.slept), r.onSleep
		r.mu.Unlock()
		if hook != nil {
			hook(n)
		}
		return ctx.Err()
	}
	r.a = a
	core.Register(Channel, a)
	if fe, ok := engine.(*fixedEngine); ok {
		fe.sender = a
	}
	return r
}

func (r *rig) post(t *testing.T, body []byte, secret string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook/zalobot", strings.NewReader(string(body)))
	if secret != "" {
		req.Header.Set("X-Bot-Api-Secret-Token", secret)
	}
	w := httptest.NewRecorder()
	r.a.Webhook().ServeHTTP(w, req)
	return w
}

func (r *rig) drain(t *testing.T) {
	t.Helper()
	if _, err := r.a.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func readUpdate(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// textUpdate is a message.text.received webhook body.
func textUpdate(msgID, text string) []byte {
	b, _ := json.Marshal(map[string]any{"ok": true, "result": map[string]any{
		"event_name": "message.text.received",
		"message": map[string]any{
			"from":       map[string]any{"id": testChat, "display_name": "Nguyễn Văn A", "is_bot": false},
			"chat":       map[string]any{"id": testChat, "chat_type": "PRIVATE"},
			"text":       text,
			"message_id": msgID,
			"date":       1764406800000,
		},
	}})
	return b
}
