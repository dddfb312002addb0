package admin

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// cookieName holds a signed expiry, never the token itself.
const cookieName = "vneid_admin"

// sessionFor is how long a login lasts.
const sessionFor = 12 * time.Hour

// authorized reports whether r carries the token (Authorization: Bearer)
// or a valid login cookie. Comparisons are constant-time.
func (h *Handler) authorized(r *http.Request) bool {
	if auth := r.Header.Get("Authorization"); auth != "" {
		tok, ok := strings.CutPrefix(auth, "Bearer ")
		return ok && h.tokenOK(strings.TrimSpace(tok))
	}
	c, err := r.Cookie(cookieName)
	if err != nil {
		return false
	}
	exp, sig, ok := strings.Cut(c.Value, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || h.now().Unix() > n {
		return false
	}
	want := h.sign(exp)
	return subtle.ConstantTimeCompare([]byte(sig), []byte(want)) == 1
}

// tokenOK compares tok with ADMIN_TOKEN in constant time (both hashed, so
// not even the length leaks).
func (h *Handler) tokenOK(tok string) bool {
	a := sha256.Sum256([]byte(tok))
	b := sha256.Sum256([]byte(h.o.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// sign is the cookie's MAC of exp, keyed by the token: changing ADMIN_TOKEN
// logs everyone out.
func (h *Handler) sign(exp string) string {
	m := hmac.New(sha256.New, []byte("vneid admin cookie\x00"+h.o.Token))
	m.Write([]byte(exp))
	return hex.EncodeToString(m.Sum(nil))
}

// loginCookie is an HttpOnly, SameSite=Strict cookie valid for sessionFor.
func (h *Handler) loginCookie(r *http.Request) *http.Cookie {
	exp := strconv.FormatInt(h.now().Add(sessionFor).Unix(), 10)
	return &http.Cookie{
		Name:     cookieName,
		Value:    exp + "." + h.sign(exp),
		Path:     "/admin",
		MaxAge:   int(sessionFor / time.Second),
		HttpOnly: true,
		Secure:   secure(r),
		SameSite: http.SameSiteStrictMode,
	}
}

func logoutCookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode}
}

// secure says the browser reached us over HTTPS (directly or through a
// proxy that says so).
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}
