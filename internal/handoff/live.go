package handoff

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/flows"
)

// Live carries officers' replies to the web chat: Send appends them to the
// conversation's list in Redis (so any replica can serve them and none is
// lost while the page is closed), and ServeHTTP streams them to the page
// as server-sent events.
type Live struct {
	rdb     redis.UniversalClient
	key     func(chat string) string
	tickets *Store

	// ChatOf names the web conversation of a request from its
	// server-issued cookies ("" when there is none, or when the
	// conversation is another browser's); required to serve.
	ChatOf func(r *http.Request) (string, error)
	// Poll is how often an open stream looks for new messages (1s).
	Poll time.Duration
	// ClientOf is the address of the request's client (behind trusted
	// proxies, the one they name); nil or an invalid or loopback address
	// (this host's own clients) means no per-client bound.
	ClientOf func(r *http.Request) netip.Addr

	mu     sync.Mutex
	open   map[string]int // streams open on this replica, by conversation
	byAddr map[string]int // streams open on this replica, by client network
	total  int            // streams open on this replica
}

// A conversation may hold a few streams at once on a replica (a page open
// in two tabs), and a stream ends after maxStreamAge; the browser then
// reconnects with the last event's id and misses nothing. Without these a
// stranger holding one cookie could open thousands of streams, each
// polling Redis every second (security probe, 2026-12-05).
// A replica holds at most maxStreams in all: every open ticket may have
// its streams, and tickets a script opened would otherwise add up to a
// core of polling (third probe).
// One client (an IPv4 address, an IPv6 /56: a household's whole
// delegation) holds at most maxStreamsPerClient: tickets opened from one
// place, each with its streams, could otherwise take every place of the
// replica, and no citizen would get an officer's reply live (seventh
// probe, V1). Ten tickets' worth, for an office's NAT.
const (
	maxStreamsPerChat   = 3
	maxStreamsPerClient = 30
	maxStreams          = 2000
	maxStreamAge        = 10 * time.Minute
)

// clientNetwork is the per-client owner of addr's streams: the IPv4
// address, or the IPv6 /56; "" for none (invalid or loopback).
func clientNetwork(addr netip.Addr) string {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() {
		return ""
	}
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(56)
	return p.String()
}

// enter counts a stream of chat from client ("" for no per-client
// bound), or reports false when either, or the replica, has too many.
func (l *Live) enter(chat, client string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[chat] >= maxStreamsPerChat || l.total >= maxStreams || client != "" && l.byAddr[client] >= maxStreamsPerClient {
		return false
	}
	if l.open == nil {
		l.open, l.byAddr = map[string]int{}, map[string]int{}
	}
	l.open[chat]++
	if client != "" {
		l.byAddr[client]++
	}
	l.total++
	return true
}

// leave ends a stream of chat from client counted by enter.
func (l *Live) leave(chat, client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.open[chat]--; l.open[chat] <= 0 {
		delete(l.open, chat)
	}
	if client != "" {
		if l.byAddr[client]--; l.byAddr[client] <= 0 {
			delete(l.byAddr, client)
		}
	}
}

// liveTTL is how long undelivered live messages are kept.
const liveTTL = 7 * 24 * time.Hour

// LiveMessage is one event of the web chat's live stream.
type LiveMessage struct {
	Text    string         `json:"text"`
	Buttons [][]LiveButton `json:"buttons,omitempty"`
}

// LiveButton is a payload button under a live message.
type LiveButton struct {
	Label   string `json:"label"`
	Payload string `json:"payload"`
}

// Send implements flows.Sender for the web chat: chatID is the web chat id.
func (l *Live) Send(ctx context.Context, chatID string, replies []flows.Reply) error {
	key := l.key("web:" + chatID)
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, r := range replies {
			m := LiveMessage{Text: r.Text}
			for _, row := range r.Buttons {
				var lr []LiveButton
				for _, b := range row {
					if b.Payload != "" {
						lr = append(lr, LiveButton{Label: b.Label, Payload: b.Payload})
					}
				}
				if len(lr) > 0 {
					m.Buttons = append(m.Buttons, lr)
				}
			}
			data, err := json.Marshal(m)
			if err != nil {
				return err
			}
			p.RPush(ctx, key, data)
		}
		p.Expire(ctx, key, liveTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("handoff: queue for the web chat: %w", err)
	}
	return nil
}

// reader is the web conversation the request may read, "" for none.
func (l *Live) reader(r *http.Request) (string, error) {
	if l.ChatOf == nil {
		return "", nil
	}
	return l.ChatOf(r)
}

// ServeHTTP streams the conversation's officer messages as server-sent
// events ("id: n", "data: {text, buttons}"), from the one after
// Last-Event-ID (or ?after=n). The conversation is the one the request's
// HttpOnly cookies name (ChatOf); without one the answer is 401. A
// conversation with no open ticket and nothing to deliver gets 204, which
// tells the browser's EventSource to stop.
func (l *Live) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	web, err := l.reader(r)
	if err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if web == "" {
		http.Error(w, "no conversation", http.StatusUnauthorized)
		return
	}
	chat := "web:" + web
	ctx := r.Context()
	key := l.key(chat)
	n, err := l.rdb.LLen(ctx, key).Result()
	if err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	// The last event the page has seen, within the list: a larger one
	// would skip what comes next, and one near the int64 limit wrapped
	// round to a negative index that re-read the whole list every poll
	// (sixth probe, U2).
	after := int64(-1)
	if v := cmp.Or(r.Header.Get("Last-Event-ID"), r.URL.Query().Get("after")); v != "" {
		if m, err := strconv.ParseInt(v, 10, 64); err == nil && m >= 0 {
			after = min(m, n-1)
		}
	}
	if _, err := l.tickets.OpenFor(ctx, chat); errors.Is(err, ErrNoOpen) && n <= after+1 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	client := ""
	if l.ClientOf != nil {
		client = clientNetwork(l.ClientOf(r))
	}
	if !l.enter(chat, client) {
		refuse(w, "too many open streams") // the page tries again later
		return
	}
	defer l.leave(chat, client)
	w.Header().Set("Cache-Control", "no-store")
	poll := l.Poll
	if poll <= 0 {
		poll = time.Second
	}
	quiet := 0
	stream(w, r, poll, maxStreamAge, func(ctx context.Context) (string, bool) {
		msgs, err := l.rdb.LRange(ctx, key, after+1, -1).Result()
		if err != nil {
			return "", true
		}
		if len(msgs) > 0 || quiet%5 == 4 {
			// Whoever opened the stream must still be the conversation's
			// reader when there is something to send, and every few
			// seconds: a ticket binds the conversation to the browser
			// that opened it, maybe after this stream began (sixth
			// probe, U1), and a stream that no longer reads it gives its
			// place back.
			if now, err := l.reader(r); err != nil || now != web {
				return "", true
			}
		}
		var b strings.Builder
		for _, m := range msgs {
			after++
			fmt.Fprintf(&b, "id: %d\ndata: %s\n\n", after, m)
		}
		if b.Len() == 0 {
			quiet++
			// every fifth quiet poll: when the ticket closed and everything
			// was delivered, end the stream (the browser reconnects, gets
			// 204 and stops)
			if quiet%5 == 0 {
				if _, err := l.tickets.OpenFor(ctx, chat); errors.Is(err, ErrNoOpen) {
					return "", true
				}
			}
		}
		return b.String(), false
	})
}
