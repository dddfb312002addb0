package main

import (
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestBrowserEditRoundTripsThroughFiles is the round trip: an entry
// edited and published in /admin/content (as serve wires it), then
// "content export" writes the files, "content check" passes them, and
// "content publish" of the folder finds it unchanged.
func TestBrowserEditRoundTripsThroughFiles(t *testing.T) {
	getenv := volunteerEnv(t)
	token := func(role string) string {
		code, out, errOut := runCmd(t, getenv, "operator", "add", "--name", "Người "+role, "--role", role, "--json")
		var a struct{ Token string }
		if code != 0 || json.Unmarshal([]byte(out), &a) != nil {
			t.Fatalf("operator add: %d %s", code, errOut)
		}
		return a.Token
	}
	edTok, pubTok := token("editor"), token("publisher")
	srv := startBot(t, getenv)

	browse := func(tok string) (get func(string) string, post func(string, url.Values) int) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get = func(p string) string {
			resp, err := c.Get(srv.URL + p)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return string(b)
		}
		post = func(p string, v url.Values) int {
			resp, err := c.PostForm(srv.URL+p, v)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		if code := post("/admin/signin", url.Values{"token": {tok}}); code != http.StatusSeeOther {
			t.Fatalf("sign in: %d", code)
		}
		return get, post
	}

	get, post := browse(edTok)
	page := get("/admin/content/faq/forgot_password")
	v := url.Values{}
	for _, m := range regexp.MustCompile(`name="([a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, m := range regexp.MustCompile(`(?s)name="([a-z_]+)"[^>]*>([^<]*)</textarea>`).FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	v.Set("answer_en", "Press \"Quên mật khẩu\" on the login screen: the app sends an OTP to your phone.")
	v.Set("action", "save")
	if code := post("/admin/content/faq/forgot_password", v); code != http.StatusSeeOther {
		t.Fatalf("save draft: %d", code)
	}
	get, post = browse(pubTok)
	page = get("/admin/content/publish")
	pick := regexp.MustCompile(`name="pick" value="([^"]+)"`).FindStringSubmatch(page)
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if pick == nil || csrf == nil {
		t.Fatalf("publish page:\n%s", page)
	}
	if code := post("/admin/content/publish", url.Values{"csrf": {csrf[1]}, "pick": {html.UnescapeString(pick[1])}, "note": {"en answer"}}); code != http.StatusSeeOther {
		t.Fatalf("publish: %d", code)
	}

	dir := filepath.Join(t.TempDir(), "noi-dung")
	if code, out, errOut := runCmd(t, getenv, "content", "export", dir); code != 0 || !strings.Contains(out, "wrote version 1") {
		t.Fatalf("content export: %d %s %s", code, out, errOut)
	}
	if code, out, errOut := runCmd(t, getenv, "content", "check", dir); code != 0 || !strings.Contains(out, "ok: ") {
		t.Fatalf("content check: %d %s %s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, getenv, "content", "publish", dir, "--note", "again")
	if code != 0 || !strings.Contains(out, "unchanged:") || !strings.Contains(out, "version 1") {
		t.Fatalf("content publish of the exported folder: %d %s %s", code, out, errOut)
	}
	code, out, _ = runCmd(t, getenv, "ask", "--dir", dir, "--lang", "en", "forgot my VNeID password")
	if code != 0 || !strings.Contains(out, "the app sends an OTP to your phone") {
		t.Fatalf("ask with the exported folder: %d\n%s", code, out)
	}
}

// TestSignInLinkTTLConfig: SIGNIN_LINK_TTL is 30 days by default, at least
// an hour (security review R11).
func TestSignInLinkTTLConfig(t *testing.T) {
	if c, err := LoadConfig(env()); err != nil || c.SignInLinkTTL != 30*24*time.Hour {
		t.Fatalf("default: %v, %v", c.SignInLinkTTL, err)
	}
	if c, err := LoadConfig(env("SIGNIN_LINK_TTL", "72h")); err != nil || c.SignInLinkTTL != 72*time.Hour {
		t.Fatalf("72h: %v, %v", c.SignInLinkTTL, err)
	}
	for _, v := range []string{"soon", "30m", "-1h"} {
		_, err := LoadConfig(env("SIGNIN_LINK_TTL", v))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Var != "SIGNIN_LINK_TTL" {
			t.Errorf("SIGNIN_LINK_TTL=%q: %v", v, err)
		}
	}
}
