package delivery

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/internal/lograte"
)

// MaxBody is the largest webhook body read; real ones are a few KiB.
const MaxBody = 1 << 20

// Webhook is what the webhook handlers of the adapters share: reading a
// bounded body, and counting and logging the requests refused. The body
// of a refused request is never logged: it is citizens' messages, and
// unverified. A flood of one refusal writes one line a minute, with the
// count of those left out.
type Webhook struct {
	name    string                 // "zalo webhook", for the log
	results *prometheus.CounterVec // by result
	warn    *lograte.Limiter
}

// NewWebhook returns the shared part of a webhook handler named name,
// counting each request's result in results (one label: result).
func NewWebhook(name string, results *prometheus.CounterVec, log *slog.Logger, now func() time.Time) *Webhook {
	return &Webhook{name: name, results: results, warn: lograte.New(log, time.Minute, now)}
}

// Body reads the request's body, up to MaxBody. When it cannot, it answers
// (413 for a body too large, 400 otherwise), counts the refusal and
// returns false.
func (h *Webhook) Body(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.Reject(w, r, "too_large", http.StatusRequestEntityTooLarge, err)
		return nil, false
	case err != nil:
		h.Reject(w, r, "malformed", http.StatusBadRequest, err)
		return nil, false
	}
	return body, true
}

// Reject answers status to a request that is not processed, and counts
// and logs it under result.
func (h *Webhook) Reject(w http.ResponseWriter, r *http.Request, result string, status int, err error) {
	h.results.WithLabelValues(result).Inc()
	h.warn.Warn(result, h.name+": request dropped", "result", result, "status", status, "remote", r.RemoteAddr, "err", err)
	w.WriteHeader(status)
}

// Count counts a request's result without answering.
func (h *Webhook) Count(result string) { h.results.WithLabelValues(result).Inc() }
