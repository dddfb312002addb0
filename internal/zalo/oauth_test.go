package zalo

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"
)

// RFC 7636, appendix B.
func TestChallenge(t *testing.T) {
	if got := Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Errorf("Challenge = %s", got)
	}
	v, c := PKCE()
	if len(v) < 43 || len(v) > 128 || c != Challenge(v) {
		t.Errorf("PKCE = %q, %q", v, c)
	}
	if v2, _ := PKCE(); v2 == v {
		t.Error("PKCE repeats itself")
	}
}

func TestAuthorizeURL(t *testing.T) {
	o := &OAuth{BaseURL: "https://oauth.zaloapp.com/", AppID: testAppID}
	u, err := url.Parse(o.AuthorizeURL("https://bot.example.vn/zalo/oauth/callback", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "st4te"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme+"://"+u.Host+u.Path != "https://oauth.zaloapp.com/v4/oa/permission" ||
		q.Get("app_id") != testAppID || q.Get("redirect_uri") != "https://bot.example.vn/zalo/oauth/callback" ||
		q.Get("code_challenge") != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" || q.Get("state") != "st4te" {
		t.Errorf("AuthorizeURL = %s", u)
	}
}

func TestRefreshWireFormat(t *testing.T) {
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	for _, expires := range []string{`"90000"`, `90000`} {
		f := newFakeOAuth(t, nil, "refresh-0")
		f.expiresIn = expires
		o := &OAuth{BaseURL: f.srv.URL, AppID: testAppID, AppSecret: testAppSecret, Now: func() time.Time { return now }}
		p, err := o.Refresh(context.Background(), "refresh-0")
		if err != nil {
			t.Fatal(err)
		}
		if p.Access != "access-1" || p.Refresh != "refresh-1" || !p.Expires.Equal(now.Add(25*time.Hour)) {
			t.Errorf("expires_in %s: pair %+v", expires, p)
		}
		// Single use: the same refresh token is refused, with HTTP 200.
		_, err = o.Refresh(context.Background(), "refresh-0")
		var oe *OAuthError
		if !errors.As(err, &oe) || oe.Code != -14014 || oe.Description != "Invalid refresh token" {
			t.Errorf("reused refresh token: %v", err)
		}
	}
}

func TestOAuthErrors(t *testing.T) {
	f := newFakeOAuth(t, nil, "refresh-0")
	wrongSecret := &OAuth{BaseURL: f.srv.URL, AppID: testAppID, AppSecret: "nope"}
	var oe *OAuthError
	if _, err := wrongSecret.Refresh(context.Background(), "refresh-0"); !errors.As(err, &oe) || oe.Code != -14012 {
		t.Errorf("wrong secret: %v", err)
	}
	down := &OAuth{BaseURL: "http://127.0.0.1:1", AppID: testAppID}
	if _, err := down.Refresh(context.Background(), "r"); err == nil || errors.As(err, &oe) {
		t.Errorf("unreachable server must be a transient error, got %v", err)
	}
}
