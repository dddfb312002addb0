package admin

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/clientaddr"
	"github.com/vneid-guide/vneidbot/internal/lograte"
)

// Wrong tokens: a client that sent maxFailures wrong tokens (by the login
// form or as a Bearer header) within failureWindow is refused without its
// token being checked, until the window has passed.
const (
	maxFailures   = 10
	failureWindow = 15 * time.Minute
	// maxClients bounds the clients remembered in memory; past it the one
	// whose last failure is oldest is forgotten (a locked-out client only
	// when every one is locked out), never the whole table.
	maxClients = 10000
)

// limiter counts wrong tokens per client address. The counts live in
// Redis, so every replica sees the same ones and a restart forgets nothing;
// a copy in memory keeps counting when Redis does not answer.
type limiter struct {
	rdb  redis.UniversalClient
	key  func(client string) string
	now  func() time.Time
	warn *lograte.Limiter

	mu      sync.Mutex
	clients map[string][]time.Time // recent failures per client, in memory
}

// locked reports whether client sent too many wrong tokens lately.
func (l *limiter) locked(ctx context.Context, client string) bool {
	if l.lockedInMemory(client) {
		return true
	}
	n, err := l.rdb.Get(ctx, l.key(client)).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		l.warn.Warn("redis", "admin: read wrong-token count (counting in memory only)", "err", err)
		return false
	}
	return n >= maxFailures
}

// fail counts a wrong token from client.
func (l *limiter) fail(ctx context.Context, client string) {
	l.failInMemory(client)
	// The window starts at the first failure: SET NX gives the key its
	// expiry, INCR keeps it.
	pipe := l.rdb.TxPipeline()
	pipe.SetNX(ctx, l.key(client), 0, failureWindow)
	pipe.Incr(ctx, l.key(client))
	if _, err := pipe.Exec(ctx); err != nil {
		l.warn.Warn("redis", "admin: count a wrong token (counting in memory only)", "err", err)
	}
}

func (l *limiter) lockedInMemory(client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := l.now().Add(-failureWindow)
	recent := l.clients[client][:0]
	for _, at := range l.clients[client] {
		if at.After(cut) {
			recent = append(recent, at)
		}
	}
	if len(recent) == 0 {
		delete(l.clients, client)
	} else {
		l.clients[client] = recent
	}
	return len(recent) >= maxFailures
}

func (l *limiter) failInMemory(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.clients[client]; !ok && len(l.clients) >= maxClients {
		l.forgetOldest()
	}
	at := append(l.clients[client], l.now())
	if len(at) > maxFailures {
		at = at[len(at)-maxFailures:] // the newest maxFailures are all that matter
	}
	l.clients[client] = at
}

// forgetOldest drops the client whose last failure is oldest, preferring
// one that is not locked out, so that spreading guesses over many
// addresses does not unlock the attacker; l.mu is held.
func (l *limiter) forgetOldest() {
	var oldest, oldestLocked string
	var at, atLocked time.Time
	for c, times := range l.clients {
		last := times[len(times)-1]
		if len(times) >= maxFailures {
			if oldestLocked == "" || last.Before(atLocked) {
				oldestLocked, atLocked = c, last
			}
		} else if oldest == "" || last.Before(at) {
			oldest, at = c, last
		}
	}
	if oldest == "" {
		oldest = oldestLocked
	}
	delete(l.clients, oldest)
}

// ParseProxies reads TRUSTED_PROXIES: addresses or CIDR prefixes separated
// by commas or spaces ("10.0.0.0/8, 127.0.0.1").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// remoteAddr is the address of the peer of the TCP connection.
func remoteAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

func (h *Handler) trusted(a netip.Addr) bool {
	for _, p := range h.o.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether the request came through one of
// TRUSTED_PROXIES while TRUSTED_PROXY_HEADER is configured.
func (h *Handler) fromTrustedProxy(r *http.Request) bool {
	a, ok := remoteAddr(r)
	return ok && h.o.TrustedHeader != "" && h.trusted(a)
}

// client is the address wrong tokens are counted against. It is the TCP
// peer, unless that peer is one of TRUSTED_PROXIES: then it is taken from
// TRUSTED_PROXY_HEADER. For X-Forwarded-For (a list each proxy appends
// to) it is the right-most address that is not a trusted proxy, the first
// one a client cannot forge; for a one-address header (X-Real-IP) it is
// that address. A header that is missing or unreadable leaves the peer.
// IPv6 clients are counted per /64, which one subscriber usually holds
// whole.
func (h *Handler) client(r *http.Request) string {
	return clientaddr.Of(r, h.o.TrustedHeader, h.o.TrustedProxies)
}
