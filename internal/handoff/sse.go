package handoff

import (
	"context"
	"io"
	"net/http"
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
