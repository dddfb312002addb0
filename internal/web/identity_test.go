package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admission"
	"github.com/vneid-guide/vneidbot/internal/web"
)

// chatCookie returns the chat cookie a client holds for srv.
func chatCookie(t *testing.T, c *http.Client, srv *httptest.Server) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(srv.URL)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == web.CookieName {
			return ck
		}
	}
	t.Fatal("the server issued no chat cookie")
	return nil
}

// TestAnotherClientsIDDoesNotReachTheirConversation: the body's "user" and
// a forged or copied-without-MAC cookie never select someone else's
// conversation (security review F2).
func TestAnotherClientsIDDoesNotReachTheirConversation(t *testing.T) {
	srv, st := newServerWith(t, web.Options{})
	alice := browser(t)
	postAs(t, alice, srv, `{"user":"alice","start":""}`)
	if code, body := postAs(t, alice, srv, `{"user":"alice","button":"f:install"}`); code != 200 || !strings.Contains(body, "choose_os") {
		t.Fatalf("alice enters the install flow: %d %s", code, body)
	}
	aliceChat, _, _ := strings.Cut(chatCookie(t, alice, srv).Value, ".")
	session := func() string {
		snap, err := st.LoadSession(context.Background(), "web:"+aliceChat, "")
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("v%d %s", snap.Version, snap.Data)
	}
	before := session()

	attacks := map[string]func(*http.Request){
		"user field":         func(*http.Request) {},
		"cookie without MAC": func(r *http.Request) { r.AddCookie(&http.Cookie{Name: web.CookieName, Value: aliceChat}) },
		"cookie with bad MAC": func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: web.CookieName, Value: aliceChat + ".AAAAAAAAAAAAAAAA"})
		},
	}
	for name, tamper := range attacks {
		t.Run(name, func(t *testing.T) {
			// "android" would move alice's install flow on
			body := `{"user":"` + aliceChat + `","text":"android"}`
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/chat", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			tamper(req)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, b)
			}
			var issued string
			for _, ck := range res.Cookies() {
				if ck.Name == web.CookieName {
					issued, _, _ = strings.Cut(ck.Value, ".")
				}
			}
			if issued == "" || issued == aliceChat {
				t.Fatalf("want a new conversation id, got %q (alice: %q)", issued, aliceChat)
			}
			if after := session(); after != before {
				t.Fatalf("alice's session changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	// alice's own conversation is where she left it
	if code, body := postAs(t, alice, srv, `{"user":"whoever","text":"android"}`); code != 200 || !strings.Contains(body, "CH Play") {
		t.Fatalf("alice continues her flow: %d %s", code, body)
	}
	if session() == before {
		t.Fatal("alice's own message did not change her session: the check above proves nothing")
	}
}

func TestChatCookieAttributes(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		name   string
		proto  string
		secure bool
	}{{"http", "", false}, {"behind an https proxy", "https", true}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/chat", strings.NewReader(`{"user":"x","start":""}`))
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			var ck *http.Cookie
			for _, c := range res.Cookies() {
				if c.Name == web.CookieName {
					ck = c
				}
			}
			if ck == nil {
				t.Fatal("no chat cookie")
			}
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure != tc.secure {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, Secure=%v", ck, tc.secure)
			}
			if ck.MaxAge < 180*24*3600 {
				t.Errorf("Max-Age %d s: the conversation must be kept across visits", ck.MaxAge)
			}
			chat, mac, ok := strings.Cut(ck.Value, ".")
			if !ok || len(chat) < 22 || mac == "" {
				t.Errorf("cookie value %q is not id.mac with a 128-bit id", ck.Value)
			}
		})
	}
}

// behind returns a client like c whose requests come, through the
// reverse proxy the test server trusts, from addr.
func behind(c *http.Client, addr string) *http.Client {
	cc := *c
	cc.Transport = forwarded{addr}
	return &cc
}

type forwarded struct{ addr string }

func (f forwarded) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return http.DefaultTransport.RoundTrip(r)
}

// limitedServer is a web chat behind a trusted proxy on loopback, limited
// to 3 new conversations per address.
func limitedServer(t *testing.T) *httptest.Server {
	lim := &web.NewChatLimit{Prefix: "test:web:newchats", PerIP: 3, Window: time.Minute}
	srv, st := newServerWith(t, web.Options{NewChats: lim, TrustedHeader: "X-Forwarded-For",
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	lim.Redis = st.Client()
	return srv
}

func TestNewConversationsPerAddressAreLimited(t *testing.T) {
	srv := limitedServer(t)
	const addr = "203.0.113.7"
	kept := behind(browser(t), addr)
	if code, body := postAs(t, kept, srv, `{"user":"a","start":""}`); code != 200 {
		t.Fatalf("first conversation: %d %s", code, body)
	}
	for i := 2; i <= 3; i++ {
		if code, body := postAs(t, behind(browser(t), addr), srv, `{"user":"a","start":""}`); code != 200 {
			t.Fatalf("conversation %d of 3: %d %s", i, code, body)
		}
	}
	res, err := behind(browser(t), addr).Post(srv.URL+"/api/chat", "application/json", strings.NewReader(`{"user":"a","start":""}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var e struct{ Error string }
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || json.Unmarshal(b, &e) != nil || e.Error == "" {
		t.Fatalf("4th new conversation: %d Retry-After=%q %s; want 429 with Retry-After and {\"error\"}", res.StatusCode, res.Header.Get("Retry-After"), b)
	}
	for _, c := range res.Cookies() {
		if c.Name == web.CookieName {
			t.Fatal("a refused new conversation still got a cookie")
		}
	}
	// a conversation already started goes on
	if code, body := postAs(t, kept, srv, `{"user":"a","text":"menu"}`); code != 200 {
		t.Fatalf("existing conversation after the limit: %d %s", code, body)
	}
	// another address is counted apart
	if code, body := postAs(t, behind(browser(t), "198.51.100.9"), srv, `{"user":"b","start":""}`); code != 200 {
		t.Fatalf("another address after the first's limit: %d %s", code, body)
	}
}

// TestLoopbackIsNotLimited: this host's own clients (a load test, or a
// proxy on this host whose header is not configured) start as many
// conversations as they like: behind such a proxy every citizen shares
// 127.0.0.1, and a limit would refuse them all together.
func TestLoopbackIsNotLimited(t *testing.T) {
	srv := limitedServer(t)
	for i := 1; i <= 10; i++ {
		if code, body := post(t, srv, `{"user":"a","start":""}`); code != 200 {
			t.Fatalf("conversation %d from loopback: %d %s", i, code, body)
		}
	}
	// through the proxy, a citizen naming loopback as their address is not
	// believed: the proxy appends the address it saw
	for i := 1; i <= 4; i++ {
		code, body := postAs(t, behind(browser(t), "127.0.0.1, 203.0.113.8"), srv, `{"user":"a","start":""}`)
		if want := map[bool]int{true: 200, false: 429}[i <= 3]; code != want {
			t.Fatalf("conversation %d naming loopback before its own address: %d %s; want %d", i, code, body, want)
		}
	}
}

// blockingEngine holds every update until release is closed.
type blockingEngine struct {
	entered chan struct{}
	release chan struct{}
}

func (e *blockingEngine) Respond(ctx context.Context, in flows.Inbound) (flows.Outcome, error) {
	e.entered <- struct{}{}
	<-e.release
	return flows.Outcome{Replies: []flows.Reply{{Text: "ok"}}}, nil
}

func (e *blockingEngine) KeyOf(context.Context, string) (string, error) { return "", nil }

// TestAdmissionRefusesAtOnce: with every slot taken, a chat request is
// refused at once with 503, Retry-After and the polite JSON error, while
// /healthz is still answered; once a slot frees, requests are admitted.
func TestAdmissionRefusesAtOnce(t *testing.T) {
	cat := contenttest.Builtin(t)
	eng := &blockingEngine{entered: make(chan struct{}, 4), release: make(chan struct{})}
	gate := admission.New(2, admission.Options{RetryAfter: 2 * time.Second})
	h := web.New(eng, func() *content.Catalog { return cat }, web.Options{Gate: gate})
	mux := http.NewServeMux()
	mux.Handle("POST /api/chat", h)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	held := make(chan int, 2)
	for range 2 {
		go func() {
			res, err := http.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(`{"user":"a","text":"hi"}`))
			if err != nil {
				held <- 0
				return
			}
			res.Body.Close()
			held <- res.StatusCode
		}()
		<-eng.entered
	}
	// both slots are taken: the next requests are refused without waiting
	c := &http.Client{Timeout: 2 * time.Second} // a refusal that waits fails here
	for i := range 5 {
		res, err := c.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(`{"user":"b","text":"hi"}`))
		if err != nil {
			t.Fatalf("request %d while full: %v (not refused at once)", i, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var e struct{ Error string }
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "2" || json.Unmarshal(b, &e) != nil {
			t.Fatalf("request %d while full: %d Retry-After=%q %s", i, res.StatusCode, res.Header.Get("Retry-After"), b)
		}
		if want := cat.Msg(cat.DefaultLocale(), "web_busy"); e.Error != want || !strings.Contains(want, "Đang đông") {
			t.Fatalf("refusal says %q, want the polite web_busy message", e.Error)
		}
		hr, err := c.Get(srv.URL + "/healthz")
		if err != nil || hr.StatusCode != 200 {
			t.Fatalf("/healthz while full: %v", err)
		}
		hr.Body.Close()
	}
	if gate.Refused() != 5 {
		t.Fatalf("gate counted %d refusals, want 5", gate.Refused())
	}
	close(eng.release)
	for range 2 {
		if code := <-held; code != 200 {
			t.Fatalf("an admitted request ended with %d", code)
		}
	}
	if code, body := post(t, srv, `{"user":"c","text":"hi"}`); code != 200 {
		t.Fatalf("after the slots freed: %d %s", code, body)
	}
	if gate.InFlight() != 0 {
		t.Fatalf("%d slots still taken after every request ended", gate.InFlight())
	}
}

func TestPageHeaders(t *testing.T) {
	srv, _ := newServerWith(t, web.Options{FrameAncestors: "'self' https://dichvucong.example.gov.vn"})
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = val
	}
	if got := directives["frame-ancestors"]; got != "'self' https://dichvucong.example.gov.vn" {
		t.Errorf("frame-ancestors %q", got)
	}
	script := directives["script-src"]
	if strings.Contains(script, "unsafe-inline") || !strings.HasPrefix(script, "'nonce-") {
		t.Errorf("script-src %q: want a nonce and no 'unsafe-inline'", script)
	}
	nonce := strings.TrimSuffix(strings.TrimPrefix(script, "'nonce-"), "'")
	if !strings.Contains(string(b), `<script nonce="`+nonce+`">`) {
		t.Errorf("the page's script does not carry the header's nonce %q", nonce)
	}
	if rp := res.Header.Get("Referrer-Policy"); rp != "no-referrer" && rp != "strict-origin-when-cross-origin" {
		t.Errorf("Referrer-Policy %q", rp)
	}
	res2, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.Header.Get("Content-Security-Policy") == csp {
		t.Error("the nonce is the same on two responses")
	}
	// default: only the bot's own origin may frame the page
	srv, _ = newServerWith(t, web.Options{})
	res, err = http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if !strings.HasSuffix(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Errorf("default CSP %q: want frame-ancestors 'self'", res.Header.Get("Content-Security-Policy"))
	}
}

func TestValidFrameAncestors(t *testing.T) {
	for s, want := range map[string]bool{
		"'self'": true,
		"'none'": true,
		"'self' https://dichvucong.example.gov.vn https://*.gov.vn": true,
		"https://portal.example.vn:8443":                            true,
		"":                                                          false,
		"'self' 'none'":                                             false,
		"*":                                                         false,
		"https://a.vn; script-src *":                                false,
		"https://a.vn,https://b.vn":                                 false,
		"javascript:alert(1)":                                       false,
		"'unsafe-inline'":                                           false,
		"https://":                                                  false,
	} {
		if got := web.ValidFrameAncestors(s); got != want {
			t.Errorf("ValidFrameAncestors(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestSlowBodyHoldsNoSlot: a client sending its body slowly holds no
// admission slot, so with one slot a whole request is still answered.
func TestSlowBodyHoldsNoSlot(t *testing.T) {
	cat := contenttest.Builtin(t)
	eng := &blockingEngine{entered: make(chan struct{}, 1), release: make(chan struct{})}
	close(eng.release)
	gate := admission.New(1, admission.Options{})
	srv := httptest.NewServer(web.New(eng, func() *content.Catalog { return cat }, web.Options{Gate: gate}))
	defer srv.Close()

	slow, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	io.WriteString(slow, "POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{")
	time.Sleep(50 * time.Millisecond) // the slow request reaches the handler
	if n := gate.InFlight(); n != 0 {
		t.Fatalf("%d slots held by a body still being sent", n)
	}
	c := &http.Client{Timeout: 2 * time.Second}
	res, err := c.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(`{"user":"a","text":"hi"}`))
	if err != nil {
		t.Fatalf("a whole request beside a slow one: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("a whole request beside a slow one: %d, want 200", res.StatusCode)
	}
}

// TestCrossSitePostsRefused: a page on another site cannot start or
// continue a conversation through its visitors' browsers; the chat page's
// own requests, and clients that are not browsers, are answered.
func TestCrossSitePostsRefused(t *testing.T) {
	cat := contenttest.Builtin(t)
	eng := &blockingEngine{entered: make(chan struct{}, 8), release: make(chan struct{})}
	close(eng.release)
	srv := httptest.NewServer(web.New(eng, func() *content.Catalog { return cat }, web.Options{}))
	defer srv.Close()
	for _, c := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"another site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"an old browser on another site", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"the chat page", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, http.StatusOK},
		{"a script", nil, http.StatusOK},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/chat", strings.NewReader(`{"user":"a","text":"hi"}`))
		req.Header.Set("Content-Type", "text/plain")
		for k, v := range c.headers {
			req.Header.Set(k, v)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s: %d, want %d", c.name, res.StatusCode, c.want)
		}
	}
}
