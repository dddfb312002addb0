package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/vneid-guide/vneidbot/internal/retry"
)

// APIError is an answer of the Bot API with "ok": false, or an HTTP error
// status without a readable answer.
type APIError struct {
	Method      string
	Code        int // error_code, or the HTTP status
	Description string
	RetryAfter  time.Duration // from parameters.retry_after on 429
}

func (e *APIError) Error() string {
	return fmt.Sprintf("telegram %s: %d %s", e.Method, e.Code, e.Description)
}

// retryable reports whether sending the same request again may succeed:
// flood control and server errors.
func (e *APIError) retryable() bool { return e.Code == http.StatusTooManyRequests || e.Code >= 500 }

// isForbidden reports whether err means the chat cannot be written to: the
// user blocked the bot, deleted their account, or removed it from a group.
func isForbidden(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == http.StatusForbidden
}

// isNotModified reports the harmless error of an edit that changes nothing.
func isNotModified(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == http.StatusBadRequest && strings.Contains(ae.Description, "not modified")
}

// Backoff is an exponential backoff with jitter: the n-th retry waits a random
// time between half and all of Min·2ⁿ, capped at Max.
type Backoff struct {
	Min, Max time.Duration
}

// delay is the wait before retry number n (0-based).
func (b Backoff) delay(n int) time.Duration {
	d := b.Min << min(n, 20)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// client calls Bot API methods with form-encoded parameters, as the Bot API
// documents and telegram-bot-api does. It adds what the library lacks:
// contexts, retries of server and network errors, the token-wide pause on
// 429, and error values that never carry the token.
type client struct {
	format   string // TELEGRAM_API_URL: %s for the token, then %s for the method
	token    string
	http     *http.Client
	limit    *limiter
	attempts int
	backoff  Backoff
	metrics  *metrics
}

// callOpts tune one call.
type callOpts struct {
	chat     int64 // chat whose per-chat rate applies; 0 for none
	limited  bool  // counts against the message rate (sendMessage, edits)
	bulk     bool  // a bulk send: yields to replies
	attempts int   // overrides client.attempts when > 0
}

// call sends method with params and decodes the result into out (which may
// be nil). Server and network errors are retried with backoff; a 429 pauses
// every call through this token for retry_after, then the call is retried.
func (c *client) call(ctx context.Context, method string, params tgbotapi.Params, out any, o callOpts) error {
	attempts := c.attempts
	if o.attempts > 0 {
		attempts = o.attempts
	}
	var err error
	floods := 0
	for n := 0; n < attempts; n++ {
		if n > 0 {
			if err := retry.Sleep(ctx, c.backoff.delay(n-1)); err != nil {
				return err
			}
		}
		if err := c.limit.wait(ctx, o.chat, o.limited, o.bulk); err != nil {
			return err
		}
		err = c.do(ctx, method, params, out)
		if err == nil {
			c.metrics.requests.WithLabelValues(method, "ok").Inc()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ae *APIError
		switch {
		case errors.As(err, &ae) && ae.Code == http.StatusTooManyRequests:
			c.metrics.requests.WithLabelValues(method, "flood").Inc()
			c.limit.pause(ctx, ae.RetryAfter)
			// flood control is not the request's fault: it does not use up an
			// attempt, within reason
			if floods++; floods <= 5 {
				n--
			}
			continue
		case errors.As(err, &ae) && !ae.retryable():
			c.metrics.requests.WithLabelValues(method, "error").Inc()
			return err
		}
		c.metrics.requests.WithLabelValues(method, "retry").Inc()
	}
	c.metrics.requests.WithLabelValues(method, "error").Inc()
	return err
}

// do makes one HTTP request.
func (c *client) do(ctx context.Context, method string, params tgbotapi.Params, out any) error {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf(c.format, c.token, method), strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, c.redact(err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("telegram %s: %w", method, c.redact(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("telegram %s: read answer: %w", method, c.redact(err))
	}
	var ar tgbotapi.APIResponse
	if err := json.Unmarshal(body, &ar); err != nil {
		// a proxy's error page, or an emulator's own error format
		code := resp.StatusCode
		if code < 400 {
			code = http.StatusBadGateway
		}
		return &APIError{Method: method, Code: code, Description: "unreadable answer: " + snippet(body)}
	}
	if !ar.Ok {
		ae := &APIError{Method: method, Code: ar.ErrorCode, Description: ar.Description}
		if ae.Description == "" {
			ae.Description = snippet(body)
		}
		if ae.Code == 0 {
			ae.Code = resp.StatusCode
		}
		if ae.Code < 400 {
			ae.Code = http.StatusBadGateway
		}
		if ae.Code == http.StatusTooManyRequests {
			ae.RetryAfter = time.Second
			if ar.Parameters != nil && ar.Parameters.RetryAfter > 0 {
				ae.RetryAfter = time.Duration(ar.Parameters.RetryAfter) * time.Second
			}
		}
		return ae
	}
	if out != nil && len(ar.Result) > 0 {
		if err := json.Unmarshal(ar.Result, out); err != nil {
			return fmt.Errorf("telegram %s: decode result: %w", method, err)
		}
	}
	return nil
}

// redact removes the token from an error: net/http errors quote the URL,
// and the URL holds the token.
func (c *client) redact(err error) error {
	if c.token == "" || !strings.Contains(err.Error(), c.token) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), c.token, "<token>"))
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
