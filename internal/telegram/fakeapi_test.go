package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

const (
	testToken   = "7000000001:AAtest-token"
	testBotID   = 7000000001
	testBotName = "vneid_test_bot"
)

// fakeAPI is a Bot API server in the test process. It speaks the real wire
// format (form-encoded requests, {"ok":…,"result":…} answers), records every
// call, serves getUpdates from a queue with Telegram's offset semantics and
// long polling, and answers from a script when a test wants an error.
type fakeAPI struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	calls    []call
	script   map[string][]scripted
	updates  []json.RawMessage
	changed  chan struct{} // closed and replaced when updates change
	nextMsg  int
	holdPoll time.Duration // longest a getUpdates is held (0: answer at once, like the emulator)
}

// call is one recorded request.
type call struct {
	Method  string            `json:"method"`
	Params  map[string]string `json:"params"`
	Replica string            `json:"-"` // X-Replica header, set by the test's transport
	At      time.Time         `json:"-"`
}

// scripted is a canned answer: an HTTP status and body, or a dropped
// connection when status is 0.
type scripted struct {
	status int
	body   string
	served chan time.Time // receives the time it was served, if not nil
}

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{t: t, script: map[string][]scripted{}, changed: make(chan struct{}), nextMsg: 1000, holdPoll: 2 * time.Second}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// url is the TELEGRAM_API_URL format for this server.
func (f *fakeAPI) url() string { return f.srv.URL + "/bot%s/%s" }

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	token, method, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if r.Method != http.MethodPost || !ok {
		http.NotFound(w, r)
		return
	}
	if token != testToken {
		writeJSON(w, 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, 400, `{"ok":false,"error_code":400,"description":"Bad Request: bad form"}`)
		return
	}
	params := map[string]string{}
	for k := range r.PostForm {
		params[k] = r.PostForm.Get(k)
	}
	f.mu.Lock()
	f.calls = append(f.calls, call{Method: method, Params: params, Replica: r.Header.Get("X-Replica"), At: time.Now()})
	var sc *scripted
	if q := f.script[method]; len(q) > 0 {
		sc = &q[0]
		f.script[method] = q[1:]
	}
	f.mu.Unlock()

	if sc != nil {
		if sc.served != nil {
			sc.served <- time.Now()
		}
		if sc.status == 0 {
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return
		}
		writeJSON(w, sc.status, sc.body)
		return
	}
	switch method {
	case "getMe":
		writeJSON(w, 200, fmt.Sprintf(`{"ok":true,"result":{"id":%d,"is_bot":true,"first_name":"VNeID guide","username":%q}}`, testBotID, testBotName))
	case "getUpdates":
		f.getUpdates(w, r, params)
	case "sendMessage", "sendPhoto":
		f.mu.Lock()
		f.nextMsg++
		id := f.nextMsg
		f.mu.Unlock()
		writeJSON(w, 200, fmt.Sprintf(`{"ok":true,"result":{"message_id":%d,"date":%d,"chat":{"id":%s,"type":"private"},"text":%q}}`,
			id, time.Now().Unix(), params["chat_id"], params["text"]))
	default:
		writeJSON(w, 200, `{"ok":true,"result":true}`)
	}
}

// getUpdates answers with the queued updates whose id is at least offset,
// holding the request while there are none (up to holdPoll and timeout).
func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, params map[string]string) {
	offset, _ := strconv.Atoi(params["offset"])
	timeout, _ := strconv.Atoi(params["timeout"])
	hold := min(time.Duration(timeout)*time.Second, f.holdPoll)
	deadline := time.NewTimer(hold)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		var out []json.RawMessage
		keep := f.updates[:0]
		for _, u := range f.updates {
			var id struct {
				UpdateID int `json:"update_id"`
			}
			json.Unmarshal(u, &id)
			if id.UpdateID >= offset {
				out = append(out, u)
				keep = append(keep, u)
			}
		}
		f.updates = keep // updates below offset are confirmed
		changed := f.changed
		f.mu.Unlock()
		if len(out) > 0 {
			js, _ := json.Marshal(out)
			writeJSON(w, 200, `{"ok":true,"result":`+string(js)+`}`)
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			writeJSON(w, 200, `{"ok":true,"result":[]}`)
			return
		case <-r.Context().Done():
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

// push queues updates for getUpdates.
func (f *fakeAPI) push(updates ...[]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range updates {
		f.updates = append(f.updates, json.RawMessage(u))
	}
	close(f.changed)
	f.changed = make(chan struct{})
}

// fail queues a canned answer for the next call of method.
func (f *fakeAPI) fail(method string, s scripted) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[method] = append(f.script[method], s)
}

// sent returns the calls that talk to users: everything but getMe,
// getUpdates, setMyCommands and the webhook calls.
func (f *fakeAPI) sent() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []call
	for _, c := range f.calls {
		switch c.Method {
		case "getMe", "getUpdates", "setMyCommands", "deleteWebhook", "setWebhook":
			continue
		}
		out = append(out, c)
	}
	return out
}

// count returns how many calls of method were made (by replica, when not empty).
func (f *fakeAPI) count(method, replica string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if c.Method == method && (replica == "" || c.Replica == replica) {
			n++
		}
	}
	return n
}

// reset forgets the recorded calls.
func (f *fakeAPI) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// testRedis returns a Redis URL for tests: REDIS_URL when set (CI), else a
// fresh miniredis (returned, so that tests can move its clock).
func testRedis(t testing.TB) (string, *miniredis.Miniredis) {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u, nil
	}
	m := miniredis.RunT(t)
	return "redis://" + m.Addr(), m
}

// openStore opens a store on url under prefix and cleans the prefix up after the test.
func openStore(t testing.TB, url, prefix string) *store.Store {
	return storetest.Open(t, storetest.Backend{Name: "redis", URL: url}, store.Options{Prefix: prefix})
}

var prefixSeq struct {
	sync.Mutex
	n int
}

// uniquePrefix is a key prefix no other test (or test run) uses.
func uniquePrefix(t testing.TB) string {
	prefixSeq.Lock()
	defer prefixSeq.Unlock()
	prefixSeq.n++
	return fmt.Sprintf("tgtest-%d-%d-%s", os.Getpid(), prefixSeq.n, randomHex(3))
}

// testCatalog is the small, stable catalog in testdata/content. Its
// messages.yaml overrides the built-in messages key by key, so that a
// message the engine starts to require does not break these tests, while
// the texts they assert stay the same.
func testCatalog(t testing.TB) *content.Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("testdata/content"), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(filepath.Join("testdata/content", path))
		fsys[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	messages := map[string]map[string]string{}
	for _, src := range []func() ([]byte, error){
		func() ([]byte, error) { return content.Embedded.ReadFile("messages.yaml") },
		func() ([]byte, error) { return fsys["messages.yaml"].Data, nil },
	} {
		b, err := src()
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]map[string]string
		if err := yaml.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		maps.Copy(messages, m)
	}
	b, err := yaml.Marshal(messages)
	if err != nil {
		t.Fatal(err)
	}
	fsys["messages.yaml"] = &fstest.MapFile{Data: b}
	cat, problems := content.Load(fsys, content.Options{})
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	return cat
}

// harness is one bot wired to a fake Bot API, a real engine on the test
// catalog, and Redis.
type harness struct {
	api   *fakeAPI
	store *store.Store
	eng   *flows.Engine
	core  *delivery.Core // the production path: engine, outbox, Send
	bot   *Adapter
}

// fastOptions are Options with the waits shortened for tests.
func fastOptions(o Options) Options {
	o.Token = testToken
	if o.SendBackoff.Min == 0 {
		o.SendBackoff = Backoff{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond}
	}
	if o.PollBackoff.Min == 0 {
		o.PollBackoff = Backoff{Min: 10 * time.Millisecond, Max: 50 * time.Millisecond}
	}
	if o.PollTimeout == 0 {
		o.PollTimeout = time.Second
	}
	if o.IdlePause == 0 {
		o.IdlePause = 50 * time.Millisecond
	}
	if o.ChatEvery == 0 {
		o.ChatEvery = time.Millisecond // per-chat spacing has its own test
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = 2 * time.Second
	}
	return o
}

func newHarness(t testing.TB, o Options) *harness {
	t.Helper()
	url, _ := testRedis(t)
	h := &harness{api: newFakeAPI(t), store: openStore(t, url, uniquePrefix(t))}
	eng, err := flows.New(testCatalog(t), h.store, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h.eng = eng
	h.core = delivery.New(delivery.Options{Store: h.store, Engine: eng})
	o = fastOptions(o)
	o.APIURL = h.api.url()
	o.Delivery = h.core
	o.Content = eng.Content
	o.Store = h.store
	h.bot, err = New(o)
	if err != nil {
		t.Fatal(err)
	}
	h.core.Register(flows.Telegram, h.bot)
	t.Cleanup(h.bot.drain)
	if err := h.bot.init(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.api.reset()
	return h
}

// post sends an update to the bot's webhook handler and returns the status.
func (h *harness) post(t testing.TB, secret string, body []byte, header ...string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook/telegram", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.bot.WebhookHandler(secret).ServeHTTP(rec, req)
	return rec.Code
}

// feed posts a recorded update with the right secret and expects 200.
func (h *harness) feed(t testing.TB, file string) {
	t.Helper()
	if code := h.post(t, "s3cret", readUpdate(t, file), SecretHeader, "s3cret"); code != http.StatusOK {
		t.Fatalf("webhook answered %d to %s", code, file)
	}
}

func readUpdate(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/updates/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventually waits up to 5 s for cond; tests wait on events, never on fixed sleeps.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// processFunc is a delivery.Processor from a function, for tests that
// stand in for the delivery core.
type processFunc func(ctx context.Context, in flows.Inbound) error

func (f processFunc) Process(ctx context.Context, in flows.Inbound) error { return f(ctx, in) }
