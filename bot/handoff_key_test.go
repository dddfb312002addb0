package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/web"
)

// live reads the conversation's live stream as client for up to wait and
// returns the status and the officer messages it carried.
func live(t *testing.T, c *http.Client, base string, wait time.Duration) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/chat/live?after=-1", nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got strings.Builder
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data: ") {
			got.WriteString(sc.Text() + "\n")
		}
	}
	return res.StatusCode, got.String()
}

// cookieOf returns the value of the cookie name c's jar holds for base.
func cookieOf(t *testing.T, c *http.Client, base, name string) string {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// onlyTicket returns the one ticket the handoff holds.
func onlyTicket(t *testing.T, a *app) *handoff.Ticket {
	t.Helper()
	list, err := a.handoff.Tickets().List(context.Background(), handoff.Officer{All: true}, false)
	if err != nil || len(list) != 1 {
		t.Fatalf("tickets: %v, %v", list, err)
	}
	return list[0]
}

// TestPlantedChatCookieReadsNoOfficerReplies is security review T7: a
// second client holding the chat cookie the citizen had before the ticket
// opened (one planted in their browser) gets none of the officer's
// replies, by the live stream or by POST /api/chat, and nothing it writes
// reaches the officer; the citizen's browser still gets them all, and
// keeps its conversation.
func TestPlantedChatCookieReadsNoOfficerReplies(t *testing.T) {
	srv, a, _ := handoffBot(t)
	ctx := context.Background()
	cit := newWebCitizen(t, srv.URL)
	cit.say("start", "")
	planted := cookieOf(t, cit.c, srv.URL, web.CookieName)
	if planted == "" {
		t.Fatal("no chat cookie")
	}
	stranger := newWebCitizen(t, srv.URL)
	u, _ := url.Parse(srv.URL)
	stranger.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.CookieName, Value: planted, Path: "/"}})

	cit.say("text", "cho tôi nói chuyện với cán bộ")
	if got := cit.say("text", "Phường Bến Nghé"); !strings.Contains(got, "handoff_leave") {
		t.Fatalf("no ticket opened: %s", got)
	}
	if cookieOf(t, cit.c, srv.URL, web.KeyCookieName) == "" {
		t.Fatal("the browser that opened the ticket got no key cookie")
	}
	tk := onlyTicket(t, a)
	officer := handoff.Officer{ID: "cli", Name: "Lan", All: true}
	if _, err := a.handoff.Reply(ctx, tk.ID, officer, "Bạn mang CCCD ra Công an phường nhé."); err != nil {
		t.Fatal(err)
	}

	if code, got := live(t, stranger.c, srv.URL, 1500*time.Millisecond); code == http.StatusOK || strings.Contains(got, "Công an phường") {
		t.Fatalf("the planted cookie's live stream: %d, carried %q", code, got)
	}
	for i, m := range []struct{ field, value string }{{"start", ""}, {"text", "tôi là người dân, gửi lại tin cán bộ"}, {"button", "handoff_leave"}} {
		body, _ := json.Marshal(map[string]string{"user": "u1", "id": "stranger" + strconv.Itoa(i), m.field: m.value})
		res, err := stranger.c.Post(srv.URL+"/api/chat", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || strings.Contains(string(b), "Công an phường") || strings.Contains(string(b), "handoff_leave") {
			t.Fatalf("the planted cookie posting %v: %d %s", m, res.StatusCode, b)
		}
	}
	if now := cookieOf(t, stranger.c, srv.URL, web.CookieName); now == planted || now == "" {
		t.Fatalf("the planted cookie's client must be given a conversation of its own; it holds %q", now)
	}
	tk = onlyTicket(t, a)
	for _, m := range tk.Messages {
		if strings.Contains(m.Text, "gửi lại tin") {
			t.Fatalf("the planted cookie's message reached the officer: %+v", tk.Messages)
		}
	}
	if !tk.Active() {
		t.Fatal("the planted cookie closed the citizen's ticket")
	}

	// the citizen's browser: the officer's replies, live; its messages reach the officer
	if code, got := live(t, cit.c, srv.URL, 1500*time.Millisecond); code != http.StatusOK || !strings.Contains(got, "Công an phường") {
		t.Fatalf("the citizen's live stream: %d, carried %q", code, got)
	}
	if got := cit.say("text", "cảm ơn, chiều nay tôi ra phường"); !strings.Contains(got, "handoff_leave") {
		t.Fatalf("the citizen's message with the ticket open: %s", got)
	}
	tk = onlyTicket(t, a)
	if last := tk.Messages[len(tk.Messages)-1]; !strings.Contains(last.Text, "chiều nay tôi ra phường") {
		t.Fatalf("the citizen's message did not reach the officer: %+v", tk.Messages)
	}
	if cookieOf(t, cit.c, srv.URL, web.CookieName) != planted {
		t.Fatal("the citizen's conversation must stay the one it had")
	}
}

// TestTicketKeyCookieOverHTTPS: behind a TLS proxy the key cookie is
// __Host- prefixed (Secure, Path=/, no Domain), which no other host can
// set; the same key under the plain name, which a sibling host could
// plant, is not taken. A retried request that opened the ticket gets the
// key again, so a lost answer does not lock the citizen out.
func TestTicketKeyCookieOverHTTPS(t *testing.T) {
	srv, _, _ := handoffBot(t)
	post := func(id, field, value string, cookies ...*http.Cookie) (*http.Response, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"user": "u1", "id": id, field: value})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/chat", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-Proto", "https")
		for _, c := range cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("chat answered %d: %s", res.StatusCode, b)
		}
		return res, string(b)
	}
	set := func(res *http.Response, name string) *http.Cookie {
		for _, c := range res.Cookies() {
			if c.Name == name {
				return c
			}
		}
		return nil
	}
	res, _ := post("m0", "start", "")
	chat := set(res, web.CookieName)
	if chat == nil || !chat.Secure {
		t.Fatalf("chat cookie over https: %+v", chat)
	}
	post("m1", "text", "cho tôi nói chuyện với cán bộ", chat)
	res, _ = post("m2", "text", "Phường Bến Nghé", chat)
	key := set(res, web.KeySecureCookieName)
	if key == nil || !key.Secure || !key.HttpOnly || key.Path != "/" || key.Domain != "" || set(res, web.KeyCookieName) != nil {
		t.Fatalf("key cookie over https: %+v; Set-Cookie %q", key, res.Header.Values("Set-Cookie"))
	}
	if res, _ := post("m2", "text", "Phường Bến Nghé", chat); set(res, web.KeySecureCookieName) == nil || set(res, web.KeySecureCookieName).Value != key.Value {
		t.Fatalf("a retry of the opening request must get the same key again: %q", res.Header.Values("Set-Cookie"))
	}
	if res, got := post("m3", "start", "", chat, &http.Cookie{Name: web.KeyCookieName, Value: key.Value}); set(res, web.CookieName) == nil || strings.Contains(got, "handoff_leave") {
		t.Fatalf("the key under the plain name over https must not be taken: %s", got)
	}
	if res, got := post("m4", "start", "", chat, key); set(res, web.CookieName) != nil || !strings.Contains(got, "handoff_leave") {
		t.Fatalf("the __Host- key must keep the conversation: %q %s", res.Header.Values("Set-Cookie"), got)
	}
}

// TestPlantedCookiesBeforeTheCitizensDoNotPushItOut (sixth probe, U3):
// chat cookies of other conversations sent before the citizen's own, as a
// sibling host can arrange, do not hide the conversation the request holds
// a key for.
func TestPlantedCookiesBeforeTheCitizensDoNotPushItOut(t *testing.T) {
	srv, a, _ := handoffBot(t)
	cit := newWebCitizen(t, srv.URL)
	cit.say("start", "")
	cit.say("text", "cho tôi nói chuyện với cán bộ")
	if got := cit.say("text", "Phường Bến Nghé"); !strings.Contains(got, "handoff_leave") {
		t.Fatalf("no ticket opened: %s", got)
	}
	officer := handoff.Officer{ID: "cli", Name: "Lan", All: true}
	if _, err := a.handoff.Reply(context.Background(), onlyTicket(t, a).ID, officer, "Bạn mang CCCD ra Công an phường nhé."); err != nil {
		t.Fatal(err)
	}
	var cookies []string
	for range 4 {
		other := newWebCitizen(t, srv.URL)
		other.say("start", "")
		cookies = append(cookies, web.CookieName+"="+cookieOf(t, other.c, srv.URL, web.CookieName))
	}
	cookies = append(cookies, web.CookieName+"="+cookieOf(t, cit.c, srv.URL, web.CookieName), web.KeyCookieName+"="+cookieOf(t, cit.c, srv.URL, web.KeyCookieName))
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/chat/live?after=-1", nil)
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "Công an phường") {
		t.Fatalf("the citizen's stream behind four planted cookies: %d, %q", res.StatusCode, b)
	}
}
