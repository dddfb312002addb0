package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/handoff"
)

// handoffBot serves the web chat and the handoff as serve does, on a Redis
// that commands reach through the returned environment's REDIS_URL.
func handoffBot(t *testing.T, kv ...string) (*httptest.Server, *app, func(string) string) {
	t.Helper()
	m := miniredis.RunT(t)
	getenv := env(append([]string{"REDIS_URL", "redis://" + m.Addr() + "/0", "HANDOFF_HOURS", "0-24 mon-sun"}, kv...)...)
	cfg, err := LoadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.store.Close() })
	if err := a.routes(ctx); err != nil {
		t.Fatal(err)
	}
	if err := setupHandoff(ctx, a); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.mux)
	t.Cleanup(srv.Close)
	return srv, a, getenv
}

// webCitizen is a browser: it keeps the chat cookie.
type webCitizen struct {
	t   *testing.T
	c   *http.Client
	url string
}

func newWebCitizen(t *testing.T, url string) *webCitizen {
	jar, _ := cookiejar.New(nil)
	return &webCitizen{t: t, c: &http.Client{Jar: jar}, url: url}
}

func (w *webCitizen) say(field, value string) string {
	w.t.Helper()
	body, _ := json.Marshal(map[string]string{"user": "u1", field: value})
	res, err := w.c.Post(w.url+"/api/chat", "application/json", bytes.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		w.t.Fatalf("chat answered %d: %s", res.StatusCode, b)
	}
	return string(b)
}

// TestHandoffEndToEndWeb is the web trip: a web citizen asks for an
// officer → the ticket is in "handoff list --json", redacted → "handoff
// reply" → the page's live stream carries the reply.
func TestHandoffEndToEndWeb(t *testing.T) {
	srv, _, getenv := handoffBot(t)
	ctx := context.Background()
	cit := newWebCitizen(t, srv.URL)
	cit.say("start", "")
	if got := cit.say("text", "cho tôi nói chuyện với cán bộ"); !strings.Contains(got, "xã/phường") {
		t.Fatalf("the bot must ask for the commune: %s", got)
	}
	if got := cit.say("text", "Phường Bến Nghé"); !strings.Contains(got, "handoff_leave") || !strings.Contains(got, "Phường Bến Nghé") {
		t.Fatalf("no ticket opened: %s", got)
	}
	cit.say("text", "số điện thoại 0912345678 trên hồ sơ bị sai, CCCD 001203045680")

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"handoff", "list", "--json"}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("handoff list: exit %d: %s", code, errOut.String())
	}
	var list []handoff.Ticket
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatalf("handoff list --json: %v\n%s", err, out.String())
	}
	if len(list) != 1 || list[0].Area != "Phường Bến Nghé" || list[0].Channel != "web" || list[0].State != handoff.StateOpen {
		t.Fatalf("tickets: %s", out.String())
	}
	if strings.Contains(out.String(), "0912345678") || strings.Contains(out.String(), "001203045680") || !strings.Contains(out.String(), "bị sai") {
		t.Fatalf("the ticket's text must be there, redacted: %s", out.String())
	}
	id := list[0].ID

	out.Reset()
	errOut.Reset()
	if code := run(ctx, []string{"handoff", "reply", id, "Bạn gửi mã OTP cho tôi để kiểm tra nhé"}, nil, &out, &errOut, getenv); code == 0 || !strings.Contains(errOut.String(), "OTP") {
		t.Fatalf("a reply asking for an OTP: exit %d, %q; want non-zero and the reason", code, errOut.String())
	}
	if code := run(ctx, []string{"handoff", "reply", id, "Bạn mang CCCD ra Công an phường để cập nhật số điện thoại nhé."}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("handoff reply: exit %d: %s", code, errOut.String())
	}

	// the page's live stream, authorised by the chat cookie
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/chat/live?after=-1", nil)
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := cit.c.Do(req.WithContext(sctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("live stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(res.Body)
	found := false
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") && strings.Contains(sc.Text(), "Công an phường") && strings.Contains(sc.Text(), "handoff_leave") {
			found = true
			break
		}
	}
	if !found {
		t.Fatal("the officer's reply never came through the live stream")
	}

	// the numbers per area
	out.Reset()
	if code := run(ctx, []string{"stats", "--json"}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("stats --json: exit %d: %s", code, errOut.String())
	}
	var st struct {
		Handoff []handoff.AreaNumbers `json:"handoff"`
	}
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || len(st.Handoff) != 1 {
		t.Fatalf("stats --json handoff: %v\n%s", err, out.String())
	}
	if n := st.Handoff[0]; n.Area != "Phường Bến Nghé" || n.Opened != 1 || n.Answered != 1 || n.Open != 1 {
		t.Fatalf("handoff numbers: %+v", n)
	}

	// another browser (no cookie, or a forged one) gets nothing
	res2, err := http.Get(srv.URL + "/api/chat/live")
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusUnauthorized {
		t.Fatalf("live stream without the chat cookie: %d, want 401", res2.StatusCode)
	}
}

// TestDashboardShowsHandoff: the dashboard has the numbers per area and
// flags the tickets past their first-answer target.
func TestDashboardShowsHandoff(t *testing.T) {
	srv, a, _ := handoffBot(t, "ADMIN_TOKEN", adminToken)
	ctx := context.Background()
	if err := setupAdmin(ctx, a); err != nil {
		t.Fatal(err)
	}
	o, err := a.handoff.Open(ctx, flows.HandoffRequest{Chat: "tg:5", Area: "Xã Tân Lập", Text: "giúp tôi"})
	if err != nil {
		t.Fatal(err)
	}
	if _, late, err := a.handoff.Tickets().MarkLate(ctx, o.ID); err != nil || !late {
		t.Fatalf("mark late: %v %v", late, err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if res.StatusCode != 200 || !strings.Contains(page, `id="handoff"`) || !strings.Contains(page, "Xã Tân Lập") || !strings.Contains(page, `href="/admin/inbox#t-`+o.ID+`"`) {
		t.Fatalf("dashboard (%d) lacks the handoff numbers or the late ticket:\n%s", res.StatusCode, page)
	}
}

// TestInboxAreaScoping: over HTTP, an officer sees and acts on their own
// area's tickets only; ADMIN_TOKEN sees all; an editor's account is not an
// officer's; nobody signed in gets 401.
func TestInboxAreaScoping(t *testing.T) {
	srv, a, _ := handoffBot(t, "ADMIN_TOKEN", adminToken)
	ctx := context.Background()
	accts := accounts.New(a.store, nil)
	_, benNghe, _ := accts.Create(ctx, "Lan", accounts.Officer, "Phường Bến Nghé")
	_, tanLap, _ := accts.Create(ctx, "Hùng", accounts.Officer, "Xã Tân Lập")
	_, editor, _ := accts.Create(ctx, "Mai", accounts.Editor, "")
	o, err := a.handoff.Open(ctx, flows.HandoffRequest{Chat: "tg:5", Area: "phuong ben nghe", Text: "giúp tôi"})
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, token string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(`{"text":"Chào bạn"}`))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := call("GET", "/admin/inbox/tickets", tanLap); code != 200 || strings.Contains(body, `"id":"`+o.ID+`"`) {
		t.Fatalf("Tân Lập officer: %d %s", code, body)
	}
	if code, _ := call("POST", "/admin/inbox/tickets/"+o.ID+"/claim", tanLap); code != http.StatusNotFound {
		t.Fatalf("Tân Lập officer claims Bến Nghé's ticket: %d, want 404", code)
	}
	if code, body := call("GET", "/admin/inbox/tickets", benNghe); code != 200 || !strings.Contains(body, `"id":"`+o.ID+`"`) || strings.Contains(body, "tg:5") {
		t.Fatalf("Bến Nghé officer (the ticket, without the citizen's chat id): %d %s", code, body)
	}
	if code, body := call("GET", "/admin/inbox/tickets", adminToken); code != 200 || !strings.Contains(body, `"id":"`+o.ID+`"`) {
		t.Fatalf("ADMIN_TOKEN: %d %s", code, body)
	}
	if code, _ := call("POST", "/admin/inbox/tickets/"+o.ID+"/claim", benNghe); code != 200 {
		t.Fatalf("Bến Nghé officer claims: %d", code)
	}
	if code, _ := call("GET", "/admin/inbox/tickets", editor); code != http.StatusForbidden {
		t.Fatalf("an editor's account: %d, want 403", code)
	}
	if code, _ := call("GET", "/admin/inbox/tickets", ""); code != http.StatusUnauthorized {
		t.Fatalf("nobody: %d, want 401", code)
	}
}

// TestInboxOffWithoutAdminToken: with ADMIN_TOKEN empty the admin surface
// is closed whole; an officer's personal token does not open the inbox.
func TestInboxOffWithoutAdminToken(t *testing.T) {
	srv, a, _ := handoffBot(t)
	_, officer, err := accounts.New(a.store, nil).Create(context.Background(), "Lan", accounts.Officer, "Phường Bến Nghé")
	if err != nil {
		t.Fatal(err)
	}
	if code := bearerGet(t, srv.URL+"/admin/inbox/tickets", officer); code != http.StatusNotFound {
		t.Fatalf("an officer's token without ADMIN_TOKEN: %d, want 404", code)
	}
}

// bearerGet GETs url with a bearer token and returns the status.
func bearerGet(t *testing.T, url, token string) int {
	t.Helper()
	code, _ := bearerGetBody(t, url, token)
	return code
}

// bearerGetBody GETs url with a bearer token and returns the status and
// the body.
func bearerGetBody(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestInboxLimitsWrongTokens: after ten wrong bearer tokens from one
// address, even the right one waits (429).
func TestInboxLimitsWrongTokens(t *testing.T) {
	srv, _, _ := handoffBot(t, "ADMIN_TOKEN", adminToken)
	get := func(token string) int { return bearerGet(t, srv.URL+"/admin/inbox/tickets", token) }
	if code := get(adminToken); code != 200 {
		t.Fatalf("right token: %d", code)
	}
	for i := range 10 {
		if code := get("vna_wrong" + strconv.Itoa(i)); code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d, want 401", i, code)
		}
	}
	if code := get(adminToken); code != http.StatusTooManyRequests {
		t.Fatalf("after ten wrong tokens: %d, want 429", code)
	}
}

// TestInboxCountsWrongTokensPerClientBehindAProxy: behind a trusted
// reverse proxy, wrong tokens count against the client the proxy names,
// as on /admin, not against the proxy, so one guesser does not lock every
// officer out.
func TestInboxCountsWrongTokensPerClientBehindAProxy(t *testing.T) {
	srv, _, _ := handoffBot(t, "ADMIN_TOKEN", adminToken, "TRUSTED_PROXY_HEADER", "X-Forwarded-For", "TRUSTED_PROXIES", "127.0.0.1/32")
	get := func(token, client string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/admin/inbox/tickets", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("X-Forwarded-For", client)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range 10 {
		get("vna_wrong"+strconv.Itoa(i), "198.51.100.7")
	}
	if code := get(adminToken, "198.51.100.7"); code != http.StatusTooManyRequests {
		t.Fatalf("the guesser after ten wrong tokens: %d, want 429", code)
	}
	if code := get(adminToken, "203.0.113.9"); code != http.StatusOK {
		t.Fatalf("another officer behind the same proxy: %d, want 200", code)
	}
}

// TestInboxReplacedLinkIsNoGuess (seventh probe, V7): the token of an
// officer given a new link (vneidbot officer link), or of a removed
// officer, used as a Bearer token is told so and not counted as a wrong
// token, so a forgotten script does not lock the office's address out.
func TestInboxReplacedLinkIsNoGuess(t *testing.T) {
	srv, a, _ := handoffBot(t, "ADMIN_TOKEN", adminToken)
	ctx := context.Background()
	accts := accounts.New(a.store, nil)
	lan, oldTok, err := accts.Create(ctx, "Lan", accounts.Officer, "Phường Bến Nghé")
	if err != nil {
		t.Fatal(err)
	}
	_, newTok, err := accts.NewToken(ctx, lan.ID)
	if err != nil {
		t.Fatal(err)
	}
	mai, maiTok, err := accts.Create(ctx, "Mai", accounts.Officer, "Xã Tân Phú")
	if err != nil {
		t.Fatal(err)
	}
	if err := accts.Remove(ctx, mai.ID); err != nil {
		t.Fatal(err)
	}
	get := func(token string) (int, string) { return bearerGetBody(t, srv.URL+"/admin/inbox/tickets", token) }
	for i := range 12 {
		tok := oldTok
		if i%2 == 1 {
			tok = maiTok
		}
		if code, body := get(tok); code != http.StatusUnauthorized || !strings.Contains(body, "replaced") {
			t.Fatalf("a replaced or withdrawn link as a Bearer token (%d): %d %q", i, code, body)
		}
	}
	if code, _ := get(adminToken); code != http.StatusOK {
		t.Fatalf("ADMIN_TOKEN from the same address after old links: %d, want 200", code)
	}
	if code, _ := get(newTok); code != http.StatusOK {
		t.Fatalf("the officer's new link from the same address: %d, want 200", code)
	}
}

// TestInboxExpiredLinkIsNoGuess (sixth probe, U4): an officer's expired
// token used as a Bearer token is told it expired and is not counted as
// a wrong token, so a script still holding it does not lock the office's
// address out of the inbox.
func TestInboxExpiredLinkIsNoGuess(t *testing.T) {
	srv, a, _ := handoffBot(t, "ADMIN_TOKEN", adminToken)
	ctx := context.Background()
	acct, tok, err := accounts.New(a.store, nil).Create(ctx, "Lan", accounts.Officer, "Phường Bến Nghé")
	if err != nil {
		t.Fatal(err)
	}
	// made 31 days ago: past the default link life
	rdb, key := a.store.Client(), a.store.AccountsKey("acct")
	raw, err := rdb.HGet(ctx, key, acct.ID).Result()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	m["token_issued"] = time.Now().Add(-31 * 24 * time.Hour).UTC().Format(time.RFC3339)
	b, _ := json.Marshal(m)
	if err := rdb.HSet(ctx, key, acct.ID, b).Err(); err != nil {
		t.Fatal(err)
	}
	get := func(token string) (int, string) { return bearerGetBody(t, srv.URL+"/admin/inbox/tickets", token) }
	for range 12 {
		if code, body := get(tok); code != http.StatusUnauthorized || !strings.Contains(body, "expired") {
			t.Fatalf("an expired link as a Bearer token: %d %q", code, body)
		}
	}
	if code, _ := get(adminToken); code != http.StatusOK {
		t.Fatalf("ADMIN_TOKEN from the same address after an expired link: %d, want 200", code)
	}
}
