package zalo

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func callback(t *testing.T, r *rig, q url.Values) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	r.a.Callback().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/zalo/oauth/callback?"+q.Encode(), nil))
	return w
}

// `vneidbot zalo authorize` prints the permission URL; the admin consents;
// Zalo redirects to the callback, which exchanges the code with the PKCE
// verifier and stores the pair.
func TestAuthorizeFlow(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	link, err := NewAuthorizer(r.st, &OAuth{BaseURL: r.oauth.srv.URL, AppID: testAppID, AppSecret: testAppSecret}, r.a.Tokens(), nil).
		Begin(ctx, "https://bot.example.vn/zalo/oauth/callback")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, r.oauth.srv.URL+"/v4/oa/permission?") {
		t.Fatalf("URL %s", link)
	}
	q := r.oauth.grant(t, link, "code-1")
	w := callback(t, r, q)
	if w.Code != http.StatusOK {
		t.Fatalf("callback: %d %s", w.Code, w.Body)
	}
	st, _ := r.a.Tokens().Load(ctx)
	if st.Access != "access-1" || st.Refresh != "refresh-1" || st.Expires.IsZero() {
		t.Errorf("stored %+v", st)
	}
	if strings.Contains(w.Body.String(), "access-1") || strings.Contains(w.Body.String(), "refresh-1") {
		t.Error("the page shows a token")
	}
	if err := r.a.Ready(ctx); err != nil {
		t.Errorf("not ready after authorization: %v", err)
	}
	// The state is single use.
	if w := callback(t, r, q); w.Code != http.StatusBadRequest {
		t.Errorf("second use: %d", w.Code)
	}
	if n := r.oauth.exchanges.Load(); n != 1 {
		t.Errorf("%d exchanges", n)
	}
}

func TestAuthorizeCallbackRefusals(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	if w := callback(t, r, url.Values{"code": {"c"}, "state": {"unknown"}}); w.Code != http.StatusBadRequest {
		t.Errorf("unknown state: %d", w.Code)
	}
	if w := callback(t, r, url.Values{"state": {"s"}}); w.Code != http.StatusBadRequest {
		t.Errorf("no code: %d", w.Code)
	}
	// A code Zalo does not know (or a verifier that does not match).
	link, _ := r.a.auth.Begin(ctx, "https://bot.example.vn/zalo/oauth/callback")
	q := r.oauth.grant(t, link, "code-1")
	q.Set("code", "forged-code")
	if w := callback(t, r, q); w.Code != http.StatusBadGateway {
		t.Errorf("refused code: %d %s", w.Code, w.Body)
	}
	if st, _ := r.a.Tokens().Load(ctx); st.Access != "" {
		t.Error("tokens stored after a refusal")
	}
	if _, err := r.a.auth.Begin(ctx, "not a url"); err == nil {
		t.Error("Begin accepted a bad redirect URI")
	}
}

// TestCallbackStrangersLogOnceAMinute: anyone can call the callback with a
// made-up state; that writes one warning a minute, not one per request
// (security probe, third round).
func TestCallbackStrangersLogOnceAMinute(t *testing.T) {
	r := newRig(t, rigOptions{})
	var buf bytes.Buffer
	a := NewAuthorizer(r.st, &OAuth{BaseURL: r.oauth.srv.URL, AppID: testAppID, AppSecret: testAppSecret}, r.a.Tokens(), slog.New(slog.NewTextHandler(&buf, nil)))
	for i := range 50 {
		w := httptest.NewRecorder()
		a.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/zalo/oauth/callback?code=x&state=made-up-"+strconv.Itoa(i), nil))
		if w.Code != http.StatusBadRequest {
			t.Fatalf("made-up state: %d", w.Code)
		}
	}
	if n := strings.Count(buf.String(), "unknown or expired state"); n != 1 {
		t.Fatalf("50 made-up states wrote %d warnings, want 1:\n%s", n, buf.String())
	}
}
