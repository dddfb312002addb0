package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/web"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv, _ := newServerWith(t, web.Options{})
	return srv
}

// newServerWith serves the chat page and API with o, on the miniredis
// store it returns.
func newServerWith(t *testing.T, o web.Options) (*httptest.Server, *store.Store) {
	t.Helper()
	cat := contenttest.Builtin(t)
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	eng, err := flows.New(cat, st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := web.New(eng, func() *content.Catalog { return cat }, o)
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", h.Page())
	mux.Handle("POST /api/chat", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, st
}

// browser is one client with its own cookie jar, as a browser is.
func browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

// post sends body as one fresh client (no cookie yet).
func post(t *testing.T, srv *httptest.Server, body string) (int, string) {
	t.Helper()
	return postAs(t, browser(t), srv, body)
}

func postAs(t *testing.T, c *http.Client, srv *httptest.Server, body string) (int, string) {
	t.Helper()
	res, err := c.Post(srv.URL+"/api/chat", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestChatAPI(t *testing.T) {
	srv := newServer(t)
	c := browser(t)
	code, body := postAs(t, c, srv, `{"user":"u1","start":""}`)
	if code != 200 {
		t.Fatalf("start: %d %s", code, body)
	}
	var res web.Response
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Replies) < 2 || !strings.HasPrefix(res.Replies[0].Text, "Xin chào") {
		t.Fatalf("first reply is not the greeting: %s", body)
	}
	menu := res.Replies[len(res.Replies)-1]
	if len(menu.Buttons) == 0 || menu.Buttons[0][0].Payload != "f:install" || menu.Buttons[0][0].Number != 1 {
		t.Fatalf("menu does not start with the install flow: %+v", menu.Buttons)
	}
	code, body = postAs(t, c, srv, `{"user":"u1","button":"f:install"}`)
	if code != 200 || !strings.Contains(body, `"payload":"c:install:choose_os:android"`) {
		t.Fatalf("install button: %d %s", code, body)
	}
	code, body = postAs(t, c, srv, `{"user":"u1","text":"android"}`)
	if code != 200 || !strings.Contains(body, "CH Play") || !strings.Contains(body, `"url":"https://play.google.com/`) {
		t.Fatalf("typed android: %d %s", code, body)
	}
}

func TestChatAPIRefusesBadInput(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name, body string
		code       int
	}{
		{"not json", `hello`, 400},
		{"missing user", `{"text":"hi"}`, 400},
		{"empty user", `{"user":"","text":"hi"}`, 400},
		{"user with spaces", `{"user":"a b","text":"hi"}`, 400},
		{"no message", `{"user":"u1"}`, 400},
		{"two messages", `{"user":"u1","text":"hi","button":"menu"}`, 400},
		{"unknown field", `{"user":"u1","text":"hi","admin":true}`, 400},
		{"wrong type", `{"user":1,"text":"hi"}`, 400},
		{"deeply nested", `{"user":"u1","text":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, 400},
		{"invalid utf-8", "{\"user\":\"u1\",\"text\":\"\xff\xfe\"}", 400},
		{"text too long", `{"user":"u1","text":"` + strings.Repeat("a", 4001) + `"}`, 400},
		{"body over 64 KiB", `{"user":"u1","text":"` + strings.Repeat("a", 70<<10) + `"}`, 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := post(t, srv, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d (%s)", code, tt.code, body)
			}
			var e struct{ Error string }
			if json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
				t.Fatalf("body %q is not {\"error\":…}", body)
			}
		})
	}
}

func TestChatAPIDedupesRetries(t *testing.T) {
	srv := newServer(t)
	c := browser(t)
	postAs(t, c, srv, `{"user":"u2","start":""}`)
	_, first := postAs(t, c, srv, `{"user":"u2","id":"abc","text":"menu"}`)
	code, again := postAs(t, c, srv, `{"user":"u2","id":"abc","text":"menu"}`)
	if code != 200 || !strings.Contains(first, `"payload":"f:install"`) || again != first {
		t.Fatalf("a retried message must get the same answer, not a new turn:\nfirst: %s\nagain: %d %s", first, code, again)
	}
}

func TestPage(t *testing.T) {
	srv := newServer(t)
	res, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	for _, want := range []string{`<meta name="viewport"`, "Trợ lý hướng dẫn VNeID", `fetch("api/chat"`, "Gửi"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{`{"user":"u1","text":"xin chào"}`, `{"user":"u1","button":"f:install"}`, `{"user":"u1","start":"v_abc"}`, `{"user":"u1","start":""}`, `[]`, `{"user":"u1","text":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := web.ParseRequest(body)
		if err != nil {
			return
		}
		if in.ChatID == "" || in.Channel != "web" {
			t.Fatalf("accepted %q without a user", body)
		}
		if in.Kind == flows.KindText && strings.TrimSpace(in.Text) == "" {
			t.Fatalf("accepted empty text from %q", body)
		}
	})
}
