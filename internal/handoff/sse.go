package handoff

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// keepAlive is how long a stream may stay silent before a comment line is
// sent, so that proxies do not close it.
const keepAlive = 15 * time.Second

// stream serves server-sent events until the client leaves, next says
// stop, or maxAge has passed (the browser then reconnects). Every poll it
// sends what next returns (nothing when ""), or a keep-alive comment after
// keepAlive of silence.
func stream(w http.ResponseWriter, r *http.Request, poll, maxAge time.Duration, next func(context.Context) (msg string, stop bool)) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	rc := http.NewResponseController(w)
	ctx := r.Context()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	// The headers go at once: the browser knows the stream is open, and a
	// client gone before the first event is noticed.
	w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return
	}
	quiet := time.Now()
	end := time.Now().Add(maxAge)
	for time.Now().Before(end) {
		_ = rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
		msg, stop := next(ctx)
		if stop {
			return
		}
		if msg == "" && time.Since(quiet) >= keepAlive {
			msg = ": keep-alive\n\n"
		}
		if msg != "" {
			quiet = time.Now()
			if _, err := io.WriteString(w, msg); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// places counts the streams open on this replica, by owner (an account, a
// conversation, an address), within per for each owner and max in all.
// The zero value refuses everything: set per and max.
type places struct {
	per, max int

	mu    sync.Mutex
	open  map[string]int
	total int
}

// enter takes a place for owner, or reports false when owner or the
// replica has none left.
func (p *places) enter(owner string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.open[owner] >= p.per || p.total >= p.max {
		return false
	}
	if p.open == nil {
		p.open = map[string]int{}
	}
	p.open[owner]++
	p.total++
	return true
}

// leave gives back a place taken by enter.
func (p *places) leave(owner string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.total--
	if p.open[owner]--; p.open[owner] <= 0 {
		delete(p.open, owner)
	}
}

// refuse answers a stream over its bound: 429, and when to try again.
func refuse(w http.ResponseWriter, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(retryStream))
	http.Error(w, msg, http.StatusTooManyRequests)
}

// retryStream is the Retry-After of a refused stream, in seconds.
const retryStream = 30
