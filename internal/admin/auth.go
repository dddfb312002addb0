package admin

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/internal/handoff"
)

// cookieName holds a signed expiry and session id, never the token itself.
const cookieName = "vneid_admin"

// sessionFor is how long a login lasts.
const sessionFor = 12 * time.Hour

// verdict is what the credentials of a request come to.
type verdict int

const (
	denied    verdict = iota // no or wrong credentials: 401 and the login form
	allowed                  // the token or a live login cookie
	lockedOut                // too many wrong tokens from this client: 429
)

// authenticate checks the request's credentials. A request with an
// Authorization header is a token attempt: a wrong one counts against the
// client like a wrong login, and a locked-out client is refused before its
// token is even compared, so the token cannot be found by trying, whichever
// way it is sent. A cookie is checked for its signature, its expiry and its
// session, which logout deletes.
func (h *Handler) authenticate(r *http.Request, client string) verdict {
	if auth := r.Header.Get("Authorization"); auth != "" {
		if h.limit.locked(r.Context(), client) {
			h.warn.Warn(client, "admin: token refused after repeated wrong tokens", "remote", client, "via", "bearer")
			return lockedOut
		}
		tok, ok := handoff.BearerToken(auth)
		if ok && h.tokenOK(strings.TrimSpace(tok)) {
			return allowed
		}
		h.limit.fail(r.Context(), client)
		h.warn.Warn(client, "admin: wrong token", "remote", client, "via", "bearer")
		return denied
	}
	if _, ok := h.session(r); ok {
		return allowed
	}
	return denied
}

// session returns the id of the request's login session when its cookie
// is signed by the token, not expired, and not logged out.
func (h *Handler) session(r *http.Request) (string, bool) {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return "", false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return "", false
	}
	exp, sid, sig := parts[0], parts[1], parts[2]
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || h.now().Unix() > n {
		return "", false
	}
	want := h.sign(exp + "." + sid)
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return "", false
	}
	live, err := h.rdb.Exists(r.Context(), h.sessionKey(sid)).Result()
	if err != nil {
		h.log.Error("admin: check login session", "err", err)
		return "", false
	}
	return sid, live == 1
}

func (h *Handler) sessionKey(sid string) string {
	return h.o.Store.AdminSessionKey(sid)
}

// tokenOK compares tok with ADMIN_TOKEN in constant time (both hashed, so
// not even the length leaks).
func (h *Handler) tokenOK(tok string) bool {
	a := sha256.Sum256([]byte(tok))
	b := sha256.Sum256([]byte(h.o.Token))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// sign is the cookie's MAC of its payload, keyed by the token: changing
// ADMIN_TOKEN logs everyone out.
func (h *Handler) sign(payload string) string {
	m := hmac.New(sha256.New, []byte("vneid admin cookie\x00"+h.o.Token))
	m.Write([]byte(payload))
	return hex.EncodeToString(m.Sum(nil))
}

// newSession records a login session in Redis (so that logout, on any
// replica, ends it) and returns its HttpOnly, SameSite=Strict cookie.
func (h *Handler) newSession(r *http.Request) (*http.Cookie, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	sid := hex.EncodeToString(b)
	if err := h.rdb.Set(r.Context(), h.sessionKey(sid), "1", sessionFor).Err(); err != nil {
		return nil, fmt.Errorf("admin: save login session: %w", err)
	}
	exp := strconv.FormatInt(h.now().Add(sessionFor).Unix(), 10)
	return &http.Cookie{
		Name:     cookieName,
		Value:    exp + "." + sid + "." + h.sign(exp+"."+sid),
		Path:     "/admin",
		MaxAge:   int(sessionFor / time.Second),
		HttpOnly: true,
		Secure:   secure(r),
		SameSite: http.SameSiteStrictMode,
	}, nil
}

// endSession deletes the request's login session, so its cookie is dead
// even if it was copied.
func (h *Handler) endSession(r *http.Request) error {
	sid, ok := h.session(r)
	if !ok {
		return nil
	}
	return h.rdb.Del(r.Context(), h.sessionKey(sid)).Err()
}

func logoutCookie(r *http.Request) *http.Cookie {
	return &http.Cookie{Name: cookieName, Value: "", Path: "/admin", MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode}
}

// secure says the browser reached us over HTTPS (directly or through a
// proxy that says so).
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sameOrigin reports whether a state-changing form (login, logout) was
// posted by our own page. Browsers send Origin (and Sec-Fetch-Site) with
// every POST; a page elsewhere that posts to /admin/login, to lock the
// operator out with wrong tokens, is refused before anything is counted.
// A request without either header (curl, scripts) is not from a browser
// page and passes.
func (h *Handler) sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") { // set by the browser, never by a page
	case "same-origin":
		return true
	case "", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false // includes "null" (sandboxed frames, data: URLs)
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	// Behind a trusted proxy that rewrites Host, the browser's host is in
	// X-Forwarded-Host.
	fwd := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Host"), ",")[0])
	return fwd != "" && h.fromTrustedProxy(r) && strings.EqualFold(u.Host, fwd)
}

// Token rules: long, and not made of a few characters or of a repeated
// pattern, so that it cannot be guessed even by someone who guesses how it
// was chosen. Ten different characters, not sixteen: a random hex token
// has only sixteen symbols, and a short one often lacks a few of them.
const (
	minTokenLen      = 24
	minTokenDistinct = 10
)

// tokenHowTo is how to make a good token.
const tokenHowTo = "make one with: openssl rand -base64 32 (or head -c 32 /dev/urandom | base64)"

// CheckToken reports why tok is too weak for ADMIN_TOKEN, or nil. It must
// be at least 24 characters, hold at least 10 different characters, and not
// be one pattern repeated ("abcabcabc…"). A random token from openssl rand
// (-base64 32 or -hex 32) always passes.
func CheckToken(tok string) error {
	switch {
	case len(tok) < minTokenLen:
		return fmt.Errorf("must be at least %d characters; %s", minTokenLen, tokenHowTo)
	case distinct(tok) < minTokenDistinct:
		return fmt.Errorf("has fewer than %d different characters, so it is easy to guess; %s", minTokenDistinct, tokenHowTo)
	case periodic(tok):
		return errors.New("is one pattern repeated, so it is easy to guess; " + tokenHowTo)
	}
	return nil
}

func distinct(s string) int {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return len(seen)
}

// periodic reports whether s is a shorter string repeated (the last
// repetition may be cut short): "abcabcab".
func periodic(s string) bool {
	for p := 1; p <= len(s)/2; p++ {
		if s[p:] == s[:len(s)-p] {
			return true
		}
	}
	return false
}
