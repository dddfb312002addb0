package accounts

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"time"
)

// CookieName is the cookie that holds a signed-in person's session id. The
// content editor sets it at SignInPath (Path=/admin, HttpOnly,
// SameSite=Strict); every page under /admin that needs a person reads it
// with FromRequest.
const CookieName = "vneid_op"

// FromRequest returns the account and session id of the request's session
// cookie, or ErrNoSession.
func (s *Store) FromRequest(r *http.Request) (Account, string, error) {
	c, err := r.Cookie(CookieName)
	if err != nil || c.Value == "" {
		return Account{}, "", ErrNoSession
	}
	a, err := s.Session(r.Context(), c.Value)
	if err != nil {
		return Account{}, "", err
	}
	return a, c.Value, nil
}

// SessionCookie is the cookie that carries session sid; secure when the
// browser reached the server over HTTPS.
func SessionCookie(sid string, secure bool) *http.Cookie {
	return &http.Cookie{
		Name: CookieName, Value: sid, Path: "/admin", MaxAge: int(DefaultSessionTTL / time.Second),
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode,
	}
}

// ClearCookie deletes the session cookie in the browser.
func ClearCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode}
}

// CSRFToken is the anti-forgery token of session sid, for the hidden
// "csrf" field of every form: derived from the secret session id, so
// another site can neither read nor guess it.
func CSRFToken(sid string) string {
	sum := sha256.Sum256([]byte("vneid admin csrf\x00" + sid))
	return hex.EncodeToString(sum[:16])
}

// CheckCSRF reports whether a form's token is the session's, in constant
// time.
func CheckCSRF(sid, token string) bool {
	return sid != "" && subtle.ConstantTimeCompare([]byte(token), []byte(CSRFToken(sid))) == 1
}

// IsNoSession reports whether err means "not signed in".
func IsNoSession(err error) bool { return errors.Is(err, ErrNoSession) }
