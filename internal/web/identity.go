package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/clientaddr"
)

// CookieName is the cookie that names a browser's conversation. Its value is
// issued by the server (ChatID, a dot, a MAC of it); the client's "user"
// field never chooses the conversation (security review F2).
const CookieName = "vneid_chat"

// cookieMaxAge keeps the conversation across visits (browsers cap cookies
// at 400 days; the session itself expires after SESSION_TTL).
const cookieMaxAge = 365 * 24 * time.Hour

const (
	idBytes  = 16 // random bytes of a chat id: 128 bits, unguessable
	macBytes = 12 // bytes of the MAC that proves the server issued it
)

// issueID returns a new chat id and the cookie value that carries it.
func issueID(key []byte) (chat, cookie string) {
	var b [idBytes]byte
	rand.Read(b[:]) // never fails (crypto/rand panics if the OS cannot supply randomness)
	chat = "w" + base64.RawURLEncoding.EncodeToString(b[:])
	return chat, chat + "." + sign(key, chat)
}

// sign is the base64url MAC of s under key, truncated to macBytes.
func sign(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	var sum [sha256.Size]byte
	return base64.RawURLEncoding.EncodeToString(m.Sum(sum[:0])[:macBytes])
}

// chatFromCookie returns the chat id a cookie value names, or "" when the
// value was not issued under key (absent, malformed or forged).
func chatFromCookie(key []byte, value string) string {
	chat, mac, ok := strings.Cut(value, ".")
	if !ok || len(chat) != 1+base64.RawURLEncoding.EncodedLen(idBytes) || chat[0] != 'w' || !plainID(chat) {
		return ""
	}
	if !hmac.Equal([]byte(mac), []byte(sign(key, chat))) {
		return ""
	}
	return chat
}

// chatCookie is the cookie that carries value: HttpOnly, SameSite=Lax,
// Secure when the page is served over https.
func chatCookie(value string, secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   int(cookieMaxAge / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// The key cookie holds the key a conversation is bound to once its first
// ticket with an officer opened (security review T7). Until then the chat
// cookie alone names the conversation; from then on only a request that
// also holds the key is served it, so that a chat cookie planted in a
// citizen's browser (by a sibling subdomain, say) reads none of the
// officer's replies and writes nothing to the ticket. Over https the
// cookie is KeySecureCookieName, whose __Host- prefix keeps every other
// host from setting or shadowing it; over plain http (development) it is
// KeyCookieName.
const (
	KeyCookieName       = "vneid_key"
	KeySecureCookieName = "__Host-vneid_key"
)

// keyCookieName is the key cookie's name for a request, secure or not.
func keyCookieName(secure bool) string {
	if secure {
		return KeySecureCookieName
	}
	return KeyCookieName
}

// newKey returns a fresh key cookie value for chat: a nonce and a MAC of
// the chat and the nonce. A message with an id gets the nonce that id
// makes (under key, so unguessable), so that a retried request that bound
// the conversation gets the same key again; one without, a random nonce.
func newKey(key []byte, chat, msgID string) string {
	var nonce string
	if msgID != "" {
		nonce = sign(key, "nonce\x00"+chat+"\x00"+msgID)
	} else {
		var b [idBytes]byte
		rand.Read(b[:])
		nonce = base64.RawURLEncoding.EncodeToString(b[:])
	}
	return nonce + "." + sign(key, "key\x00"+chat+"\x00"+nonce)
}

// keyFor reports whether a key cookie value was issued under key for chat.
func keyFor(key []byte, chat, value string) bool {
	nonce, mac, ok := strings.Cut(value, ".")
	if !ok || len(nonce) < 16 || len(nonce) > 64 || !plainID(nonce) {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(sign(key, "key\x00"+chat+"\x00"+nonce)))
}

// keyDigest is what the session keeps of a key cookie value: its SHA-256,
// truncated, so that Redis holds no cookie a browser could present.
func keyDigest(value string) string {
	sum := sha256.Sum256([]byte(value))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// keyCookie is the cookie that carries a conversation's key: like the
// chat cookie, and __Host- prefixed when secure.
func keyCookie(value string, secure bool) *http.Cookie {
	c := chatCookie(value, secure)
	c.Name = keyCookieName(secure)
	return c
}

// maxChatCookies bounds the conversations of one request that are tried,
// and maxCookiesRead the chat and key cookies read to find them: a browser
// holds more than one only when another host of the domain set them, and
// the ones it holds a key for come first however many were planted before
// them (sixth probe, U3).
const (
	maxChatCookies = 3
	maxCookiesRead = 8
)

// identity is a conversation a request's chat cookie names, with the
// digests of the keys the request holds for it.
type identity struct {
	chat string
	keys []string
}

// identities returns the conversations a request's cookies name, those it
// holds a key for first. A browser holds more than one chat cookie only
// when another host of the domain set one.
func (h *Handler) identities(r *http.Request, secure bool) []identity {
	var chats, keys []string
	keyName := keyCookieName(secure)
	for _, c := range r.Cookies() {
		switch c.Name {
		case CookieName:
			if len(chats) < maxCookiesRead {
				if chat := chatFromCookie(h.o.IDKey, c.Value); chat != "" && !slices.Contains(chats, chat) {
					chats = append(chats, chat)
				}
			}
		case keyName:
			if len(keys) < maxCookiesRead {
				keys = append(keys, c.Value)
			}
		}
	}
	if len(chats) == 0 {
		return nil
	}
	ids := make([]identity, 0, len(chats))
	for _, chat := range chats {
		id := identity{chat: chat}
		for _, k := range keys {
			if keyFor(h.o.IDKey, chat, k) {
				id.keys = append(id.keys, keyDigest(k))
			}
		}
		ids = append(ids, id)
	}
	slices.SortStableFunc(ids, func(a, b identity) int {
		return cmpBool(len(b.keys) > 0, len(a.keys) > 0)
	})
	return ids[:min(len(ids), maxChatCookies)]
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// secure reports whether the browser reached the page over https.
func (h *Handler) secure(r *http.Request) bool {
	return h.o.SecureCookie || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// LoadIDKey returns the key that signs chat ids, shared by every replica
// through Redis under name: created at random by the first replica to ask,
// read by the others.
func LoadIDKey(ctx context.Context, rdb redis.UniversalClient, name string) ([]byte, error) {
	var b [32]byte
	rand.Read(b[:])
	if err := rdb.SetNX(ctx, name, hex.EncodeToString(b[:]), 0).Err(); err != nil {
		return nil, fmt.Errorf("web: store chat id key: %w", err)
	}
	v, err := rdb.Get(ctx, name).Result()
	if err != nil {
		return nil, fmt.Errorf("web: read chat id key: %w", err)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 16 {
		return nil, fmt.Errorf("web: chat id key %s in Redis is not 32 hex bytes", name)
	}
	return key, nil
}

// NewChatLimit bounds how many new conversations one network address may
// start per window, across every replica (counted in Redis).
//
// Addresses on loopback are not counted: they are this host's own clients
// (a load test, a probe), or a reverse proxy on this host whose
// TRUSTED_PROXY_HEADER is not set. Behind such a proxy every citizen would
// share its one address, and a province's broadcast would have them all
// refused together after the first few hundred.
type NewChatLimit struct {
	Redis  redis.UniversalClient
	Prefix string        // key prefix, e.g. "vneid:web:newchats"
	PerIP  int           // new conversations per address and window; 0 disables the limit
	Window time.Duration // 10m by default
}

// errTooManyChats is the refusal of a new conversation over the limit.
var errTooManyChats = errors.New("web: too many new conversations from this address")

// allow counts one new conversation for addr (the raw peer address raw
// when addr is unknown) and reports errTooManyChats past the limit. The
// address is kept only as a keyed hash in the key name.
func (l *NewChatLimit) allow(ctx context.Context, key []byte, addr netip.Addr, raw string, now time.Time) error {
	if l == nil || l.PerIP <= 0 || l.Redis == nil || addr.IsLoopback() {
		return nil
	}
	window := l.Window
	if window <= 0 {
		window = 10 * time.Minute
	}
	network := raw
	if addr.IsValid() {
		network = clientaddr.Network(addr)
	}
	slot := now.UnixNano() / int64(window)
	k := l.Prefix + ":" + sign(key, "ip:"+network) + ":" + strconv.FormatInt(slot, 36)
	pipe := l.Redis.Pipeline()
	incr := pipe.Incr(ctx, k)
	pipe.Expire(ctx, k, window+time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("web: count new conversations: %w", err)
	}
	if incr.Val() > int64(l.PerIP) {
		return errTooManyChats
	}
	return nil
}
