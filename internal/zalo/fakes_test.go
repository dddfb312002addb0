package zalo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// Test constants: an app as Zalo's console shows it.
const (
	testAppID     = "2553928453557884079"
	testAppSecret = "app-secret-AbC123"
	testOAKey     = "oa-secret-key-XyZ789"
	testUser      = "6142494823190574713"
)

// sentMessage is one request the fake OA API received.
type sentMessage struct {
	Token string
	Proof string
	Body  json.RawMessage
}

// fakeAPI is the OA Open API: POST /v3.0/oa/message/cs with header
// access_token. It answers HTTP 200 and {"error":-216} for a token it does
// not know, like Zalo, and {"error":0,"data":{…}} otherwise, unless script
// says otherwise.
type fakeAPI struct {
	t   *testing.T
	srv *httptest.Server

	mu     sync.Mutex
	tokens map[string]bool
	sent   []sentMessage
	// script, when set, gives the answer (status, JSON) for the n-th request (0-based).
	script func(n int, token string) (int, string)
}

func newFakeAPI(t *testing.T, validTokens ...string) *fakeAPI {
	f := &fakeAPI{t: t, tokens: map[string]bool{}}
	for _, tok := range validTokens {
		f.tokens[tok] = true
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) allow(token string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[token] = true
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v3.0/oa/message/cs" {
		http.Error(w, `{"error":404,"message":"not found"}`, http.StatusNotFound)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		f.t.Errorf("fake api: Content-Type %q", ct)
	}
	body, _ := io.ReadAll(r.Body)
	if !json.Valid(body) {
		f.t.Errorf("fake api: body is not JSON: %s", body)
	}
	tok := r.Header.Get("access_token")
	f.mu.Lock()
	n := len(f.sent)
	f.sent = append(f.sent, sentMessage{Token: tok, Proof: r.Header.Get("appsecret_proof"), Body: body})
	valid, script := f.tokens[tok], f.script
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if script != nil {
		status, ans := script(n, tok)
		w.WriteHeader(status)
		io.WriteString(w, ans)
		return
	}
	if !valid {
		io.WriteString(w, `{"error":-216,"message":"Access token is invalid"}`)
		return
	}
	fmt.Fprintf(w, `{"data":{"message_id":"msg%d","user_id":"%s","sent_time":"1699003900000","quota":{"quota_type":"reply","remain":"7","total":"8"}},"error":0,"message":"Success"}`, n, testUser)
}

func (f *fakeAPI) requests() []sentMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMessage(nil), f.sent...)
}

// fakeOAuth is Zalo's OAuth v4: POST /v4/oa/access_token, form encoded, with
// header secret_key. Refresh tokens are single use: each refresh kills the
// one it was given and issues a new pair, which it makes valid at the fake
// API. A dead refresh token gets HTTP 200 and a negative error.
type fakeOAuth struct {
	t   *testing.T
	srv *httptest.Server
	api *fakeAPI

	mu        sync.Mutex
	refresh   map[string]bool   // live refresh tokens
	codes     map[string]string // authorization code → code challenge
	n         int
	refreshes atomic.Int32
	exchanges atomic.Int32
	started   chan struct{} // when set, each refresh signals here and then...
	release   chan struct{} // ...waits for this
	expiresIn string        // expires_in as written in the answer
}

func newFakeOAuth(t *testing.T, api *fakeAPI, liveRefresh ...string) *fakeOAuth {
	f := &fakeOAuth{t: t, api: api, refresh: map[string]bool{}, codes: map[string]string{}, expiresIn: `"90000"`}
	for _, r := range liveRefresh {
		f.refresh[r] = true
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOAuth) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/v4/oa/access_token" {
		http.NotFound(w, r)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		f.t.Errorf("fake oauth: Content-Type %q", ct)
	}
	if got := r.Header.Get("secret_key"); got != testAppSecret {
		io.WriteString(w, `{"error_name":"Invalid secret key","error_description":"secret_key is wrong","error":-14012}`)
		return
	}
	r.ParseForm()
	if r.PostForm.Get("app_id") != testAppID {
		io.WriteString(w, `{"error_name":"Invalid app_id","error":-14001}`)
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "refresh_token":
		f.refreshes.Add(1)
		if f.started != nil {
			f.started <- struct{}{}
			<-f.release
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		rt := r.PostForm.Get("refresh_token")
		if !f.refresh[rt] {
			io.WriteString(w, `{"error_name":"Invalid refresh token","error_reason":"refresh token is invalid or expired","error_description":"Invalid refresh token","error":-14014}`)
			return
		}
		delete(f.refresh, rt) // single use
		f.issue(w)
	case "authorization_code":
		f.exchanges.Add(1)
		f.mu.Lock()
		defer f.mu.Unlock()
		challenge, ok := f.codes[r.PostForm.Get("code")]
		delete(f.codes, r.PostForm.Get("code"))
		if !ok || Challenge(r.PostForm.Get("code_verifier")) != challenge {
			io.WriteString(w, `{"error_name":"Invalid code","error_description":"code or code_verifier is invalid","error":-14019}`)
			return
		}
		f.issue(w)
	default:
		io.WriteString(w, `{"error_name":"Invalid grant_type","error":-14002}`)
	}
}

// issue answers a new pair; f.mu is held.
func (f *fakeOAuth) issue(w http.ResponseWriter) {
	f.n++
	access, refresh := fmt.Sprintf("access-%d", f.n), fmt.Sprintf("refresh-%d", f.n)
	f.refresh[refresh] = true
	if f.api != nil {
		f.api.allow(access)
	}
	fmt.Fprintf(w, `{"access_token":%q,"refresh_token":%q,"expires_in":%s}`, access, refresh, f.expiresIn)
}

// grant plays the OA admin's consent: it issues code for the challenge in a
// permission URL and returns the callback query the browser would carry.
func (f *fakeOAuth) grant(t *testing.T, permissionURL, code string) url.Values {
	t.Helper()
	u, err := url.Parse(permissionURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	f.mu.Lock()
	f.codes[code] = q.Get("code_challenge")
	f.mu.Unlock()
	return url.Values{"code": {code}, "state": {q.Get("state")}, "oa_id": {"1289316048624187123"}}
}

// testCatalog is the small, stable catalog in testdata/content.
func testCatalog(t *testing.T) *content.Catalog {
	t.Helper()
	cat, problems := content.Load(os.DirFS("testdata/content"), content.Options{})
	if cat == nil {
		t.Fatalf("test catalog: %v", problems.Err())
	}
	return cat
}

func newEngine(t *testing.T, st *store.Store, now func() time.Time) *flows.Engine {
	t.Helper()
	eng, err := flows.New(testCatalog(t), st, flows.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// newClock is the OA tests' clock, at 09:00 UTC on 29 November 2026.
func newClock() *clocktest.Clock { return clocktest.New(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)) }

// rig is one replica of the OA channel wired to the fakes.
type rig struct {
	a     *Adapter
	st    *store.Store
	api   *fakeAPI
	oauth *fakeOAuth
	clock *clocktest.Clock
	slept []time.Duration
}

type rigOptions struct {
	store  *store.Store       // share one to make replicas
	engine delivery.Processor // the real engine on the test catalog, through delivery, when nil
	api    *fakeAPI
	oauth  *fakeOAuth
	clock  *clocktest.Clock
	logger *slog.Logger
	spool  *queue.Spool // kept events during a Redis outage, when set
}

func newRig(t *testing.T, ro rigOptions) *rig {
	t.Helper()
	r := &rig{st: ro.store, api: ro.api, oauth: ro.oauth, clock: ro.clock}
	if r.st == nil {
		r.st = storetest.OpenEnv(t, "")
	}
	if r.clock == nil {
		r.clock = newClock()
	}
	if r.api == nil {
		r.api = newFakeAPI(t)
	}
	if r.oauth == nil {
		r.oauth = newFakeOAuth(t, r.api)
	}
	real := newEngine(t, r.st, r.clock.Now)
	core := delivery.New(delivery.Options{Store: r.st, Engine: real})
	var proc delivery.Processor = core
	if ro.engine != nil {
		proc = ro.engine
	}
	a, err := New(Options{
		AppID: testAppID, AppSecret: testAppSecret, OASecretKey: testOAKey,
		APIURL: r.api.srv.URL, OAuthURL: r.oauth.srv.URL,
		ChannelOptions: delivery.ChannelOptions{
			Store: r.st, Delivery: proc, Content: real.Content,
			Queue:  queue.Options{MinIdle: time.Millisecond},
			Logger: ro.logger,
		},
		Now:    r.clock.Now,
		Tokens: TokenOptions{PollEvery: time.Millisecond},
		// The recorded events carry their real (2023) timestamps.
		MaxEventAge: -1,
		Spool:       ro.spool,
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	a.send.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		r.slept = append(r.slept, d)
		return ctx.Err()
	}
	r.a = a
	core.Register(Channel, a)
	if rec, ok := ro.engine.(*recordingEngine); ok {
		rec.sender = a
	}
	return r
}

// seed stores a live pair valid for 25 h from now.
func (r *rig) seed(t *testing.T, access, refresh string) {
	t.Helper()
	r.api.allow(access)
	r.oauth.mu.Lock()
	r.oauth.refresh[refresh] = true
	r.oauth.mu.Unlock()
	if err := r.a.tokens.Save(context.Background(), Pair{Access: access, Refresh: refresh, Expires: r.clock.Now().Add(25 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
}

// post sends a webhook request signed as Zalo would sign body, unless sig is
// given, and returns the response.
func (r *rig) post(t *testing.T, body []byte, sig *string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhook/zalo", bytesReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig == nil {
		ev, err := ParseEvent(body)
		if err != nil {
			t.Fatalf("cannot sign: %v", err)
		}
		req.Header.Set("X-ZEvent-Signature", "mac="+Signature(ev.AppID, body, ev.Timestamp, testOAKey))
	} else if *sig != "" {
		req.Header.Set("X-ZEvent-Signature", *sig)
	}
	w := httptest.NewRecorder()
	r.a.Webhook().ServeHTTP(w, req)
	return w
}

func (r *rig) drain(t *testing.T) int {
	t.Helper()
	n, err := r.a.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func readEvent(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/events/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// textReplies is what the engine returns for plain messages.
func textReplies(texts ...string) []flows.Reply {
	var out []flows.Reply
	for _, s := range texts {
		out = append(out, flows.Reply{Text: s})
	}
	return out
}
