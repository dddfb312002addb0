package zalo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Pair is an OA access token with its refresh token. The refresh token is
// single use: each refresh returns a new pair and kills the old refresh token.
type Pair struct {
	Access  string
	Refresh string
	Expires time.Time // when Access stops working; zero when unknown
}

// OAuth is a thin client of Zalo's OAuth v4 for Official Accounts.
type OAuth struct {
	BaseURL   string // ZALO_OAUTH_URL, e.g. https://oauth.zaloapp.com
	AppID     string
	AppSecret string       // sent as the secret_key header
	HTTP      *http.Client // a client with a 10 s timeout when nil
	Now       func() time.Time
}

// OAuthError is a refusal from the OAuth server: a well-formed answer without
// tokens. For a refresh it means the refresh token is dead (used, expired or
// revoked) and an OA admin must authorize the app again.
type OAuthError struct {
	Code        int
	Name        string
	Description string
}

func (e *OAuthError) Error() string {
	msg := e.Description
	if msg == "" {
		msg = e.Name
	}
	return fmt.Sprintf("zalo oauth: error %d: %s", e.Code, msg)
}

// PKCE returns a new code verifier and its S256 code challenge:
// base64url(SHA-256(verifier)) without padding.
func PKCE() (verifier, challenge string) {
	b := make([]byte, 32)
	rand.Read(b)
	verifier = base64.RawURLEncoding.EncodeToString(b) // 43 characters
	return verifier, Challenge(verifier)
}

// Challenge is the S256 code challenge of verifier.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// AuthorizeURL is the page where an OA admin grants the app access to the OA.
func (o *OAuth) AuthorizeURL(redirectURI, challenge, state string) string {
	q := url.Values{
		"app_id":         {o.AppID},
		"redirect_uri":   {redirectURI},
		"code_challenge": {challenge},
		"state":          {state},
	}
	return strings.TrimRight(o.BaseURL, "/") + "/v4/oa/permission?" + q.Encode()
}

// Exchange trades an authorization code (single use, valid 10 minutes) and
// the PKCE verifier for a token pair.
func (o *OAuth) Exchange(ctx context.Context, code, verifier string) (Pair, error) {
	return o.token(ctx, url.Values{
		"code":          {code},
		"app_id":        {o.AppID},
		"grant_type":    {"authorization_code"},
		"code_verifier": {verifier},
	})
}

// Refresh trades a refresh token for a new pair. An *OAuthError means Zalo
// refused the refresh token; any other error leaves its fate unknown.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	return o.token(ctx, url.Values{
		"refresh_token": {refreshToken},
		"app_id":        {o.AppID},
		"grant_type":    {"refresh_token"},
	})
}

// defaultExpiry is assumed when an answer does not say how long the access
// token lives: short, so that the token is refreshed early rather than late.
const defaultExpiry = time.Hour

func (o *OAuth) token(ctx context.Context, form url.Values) (Pair, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.BaseURL, "/")+"/v4/oa/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return Pair{}, fmt.Errorf("zalo oauth: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("secret_key", o.AppSecret)
	var ans struct {
		AccessToken  string  `json:"access_token"`
		RefreshToken string  `json:"refresh_token"`
		ExpiresIn    flexInt `json:"expires_in"`
		Error        flexInt `json:"error"`
		ErrorName    string  `json:"error_name"`
		ErrorDesc    string  `json:"error_description"`
		ErrorReason  string  `json:"error_reason"`
		Message      string  `json:"message"`
	}
	status, err := doJSON(o.HTTP, req, &ans)
	if err != nil {
		return Pair{}, fmt.Errorf("zalo oauth: %w", err)
	}
	if ans.AccessToken == "" || ans.RefreshToken == "" || ans.Error != 0 {
		if status >= 500 { // a server fault says nothing about the token
			return Pair{}, fmt.Errorf("zalo oauth: HTTP %d, error %d", status, ans.Error)
		}
		desc := ans.ErrorDesc
		for _, s := range []string{ans.ErrorReason, ans.Message} {
			if desc == "" {
				desc = s
			}
		}
		if ans.Error == 0 && desc == "" {
			desc = "answer has no tokens"
		}
		return Pair{}, &OAuthError{Code: int(ans.Error), Name: ans.ErrorName, Description: desc}
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	life := time.Duration(ans.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultExpiry
	}
	return Pair{Access: ans.AccessToken, Refresh: ans.RefreshToken, Expires: now().Add(life)}, nil
}
