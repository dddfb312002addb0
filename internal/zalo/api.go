package zalo

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Error codes of the OA Open API that the bot acts on. Any other non-zero
// code is logged with its message.
const (
	CodeRateLimited      = -32  // over the app's request rate: back off and retry
	CodeTokenInvalid     = -216 // access token invalid: refresh once, retry once
	CodeTokenExpired     = -220 // access token expired: refresh once, retry once
	CodeNotFollower      = -213
	CodeUserInactive     = -227 // banned or inactive
	CodeOutsideWindow    = -230 // the user last interacted more than 7 days ago
	CodeOutsideWindowAlt = -232
	CodeBlockedType      = -244 // the user blocked this type of message
)

// APIError is a non-zero "error" in an OA API answer, whatever its HTTP status.
type APIError struct {
	Code    int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("zalo api: error %d: %s", e.Code, e.Message) }

// TokenRejected reports whether the access token was refused (-216, -220).
func (e *APIError) TokenRejected() bool {
	return e.Code == CodeTokenInvalid || e.Code == CodeTokenExpired
}

// Unreachable reports whether the user cannot be messaged now (outside the
// 7-day window, not a follower, inactive, or blocking this message type).
// Retrying does not help.
func (e *APIError) Unreachable() bool {
	switch e.Code {
	case CodeOutsideWindow, CodeOutsideWindowAlt, CodeNotFollower, CodeUserInactive, CodeBlockedType:
		return true
	}
	return false
}

// Message is the "message" of a customer-service message request.
type Message struct {
	Text       string      `json:"text,omitempty"`
	Attachment *Attachment `json:"attachment,omitempty"`
}

// Attachment is a message template: buttons under the text, or an image.
type Attachment struct {
	Type    string  `json:"type"` // "template"
	Payload Payload `json:"payload"`
}

// Payload is an attachment's content.
type Payload struct {
	TemplateType string    `json:"template_type,omitempty"` // "media" for an image
	Buttons      []Button  `json:"buttons,omitempty"`
	Elements     []Element `json:"elements,omitempty"`
}

// Button is one OA button. Payload is a string for "oa.query.hide" and an
// object for "oa.open.url" ({"url"}) and "oa.open.phone" ({"phone_code"}).
type Button struct {
	Title   string `json:"title"`
	Type    string `json:"type"`
	Payload any    `json:"payload"`
}

// Element is one item of a media template.
type Element struct {
	MediaType string `json:"media_type"` // "image"
	URL       string `json:"url"`
}

// Client is a thin client of the OA Open API. The zero value is not usable;
// set BaseURL.
type Client struct {
	BaseURL   string       // ZALO_API_URL, e.g. https://openapi.zalo.me
	AppSecret string       // when set, every call carries appsecret_proof
	HTTP      *http.Client // a client with a 10 s timeout when nil
}

type csRequest struct {
	Recipient recipient `json:"recipient"`
	Message   Message   `json:"message"`
}

type recipient struct {
	UserID string `json:"user_id"`
}

// maxAnswer bounds how much of an API answer is read.
const maxAnswer = 1 << 20

// SendCS sends one customer-service message to userID with the access token.
// It succeeds only when the answer says "error": 0, whatever the HTTP status;
// a non-zero error is returned as *APIError. It returns Zalo's message id.
func (c *Client) SendCS(ctx context.Context, accessToken, userID string, m Message) (string, error) {
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // links keep their "&"
	err := enc.Encode(csRequest{Recipient: recipient{UserID: userID}, Message: m})
	if err != nil {
		return "", fmt.Errorf("zalo api: encode message: %w", err)
	}
	body.Truncate(body.Len() - 1) // Encode's newline
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/v3.0/oa/message/cs", &body)
	if err != nil {
		return "", fmt.Errorf("zalo api: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("access_token", accessToken)
	if c.AppSecret != "" {
		req.Header.Set("appsecret_proof", AppSecretProof(c.AppSecret, accessToken))
	}
	var ans struct {
		Error   *flexInt `json:"error"`
		Message string   `json:"message"`
		Data    struct {
			MessageID ID `json:"message_id"`
		} `json:"data"`
	}
	if _, err := doJSON(c.HTTP, req, &ans); err != nil {
		return "", fmt.Errorf("zalo api: %w", err)
	}
	if ans.Error == nil {
		return "", errors.New("zalo api: answer has no error field")
	}
	if *ans.Error != 0 {
		return "", &APIError{Code: int(*ans.Error), Message: ans.Message}
	}
	return string(ans.Data.MessageID), nil
}

// doJSON sends req and decodes a JSON answer into v. A transport failure or
// an answer that is not JSON is an error; the HTTP status alone is not,
// because Zalo reports failures in the body.
// It returns the HTTP status.
func doJSON(hc *http.Client, req *http.Request, v any) (int, error) {
	resp, err := httpClient(hc).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read answer: %w", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return resp.StatusCode, fmt.Errorf("HTTP %d, answer is not JSON: %.200q", resp.StatusCode, raw)
	}
	return resp.StatusCode, nil
}

// AppSecretProof is the appsecret_proof header: hex HMAC-SHA256 of the access
// token keyed with the app secret.
func AppSecretProof(appSecret, accessToken string) string {
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(accessToken))
	return hex.EncodeToString(m.Sum(nil))
}

// flexInt is an integer that Zalo may send as a JSON number or a string
// ("expires_in": "90000").
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return fmt.Errorf("zalo: %q is not a number", s)
		}
		v = int64(f)
	}
	*n = flexInt(v)
	return nil
}

// defaultHTTP bounds each call when no HTTP client is given.
var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

func httpClient(c *http.Client) *http.Client {
	if c == nil {
		return defaultHTTP
	}
	return c
}

// ErrUnreachable wraps the *APIError of a send to a user who cannot be
// messaged now; the rest of the batch is not sent.
var ErrUnreachable = errors.New("zalo: user unreachable")

// sender sends rendered messages to one user, handling the API's errors:
// a refused token is refreshed once and the message retried once; rate
// limiting (-32) backs off and retries; an unreachable user (-230, -232,
// -213, -227, -244) is marked and nothing more is sent; anything else is
// logged with its code and message.
type sender struct {
	api    *Client
	tokens *Tokens
	rdb    redis.UniversalClient
	key    func(user string) string // unreachable mark
	log    *slog.Logger
	m      *metrics

	rateRetries int           // retries after -32 (4)
	rateBackoff time.Duration // first pause after -32, doubling (1s)
	sleep       func(context.Context, time.Duration) error
}

// unreachableTTL is how long an unreachable mark lasts; the user's next
// message clears it sooner.
const unreachableTTL = 30 * 24 * time.Hour

// send sends msgs in order and stops at the first failure.
func (s *sender) send(ctx context.Context, user string, msgs []Message) error {
	for i, m := range msgs {
		if err := s.sendOne(ctx, user, m); err != nil {
			if left := len(msgs) - i - 1; left > 0 {
				s.log.Warn("zalo: messages not sent after a failure", "user", user, "count", left)
			}
			return err
		}
	}
	return nil
}

func (s *sender) sendOne(ctx context.Context, user string, m Message) error {
	token, err := s.tokens.Access(ctx)
	if err != nil {
		s.m.Sends.WithLabelValues("token").Inc()
		return err
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		_, err := s.api.SendCS(ctx, token, user, m)
		var ae *APIError
		if err == nil {
			s.m.Sends.WithLabelValues("ok").Inc()
			return nil
		}
		if !errors.As(err, &ae) {
			// The message may have arrived; resending could duplicate it.
			s.m.Sends.WithLabelValues("error").Inc()
			s.log.Warn("zalo: send failed", "user", user, "err", err)
			return err
		}
		switch {
		case ae.TokenRejected() && !refreshed:
			refreshed = true
			s.log.Info("zalo: access token refused; refreshing once", "code", ae.Code)
			if token, err = s.tokens.Refresh(ctx, token); err != nil {
				s.m.Sends.WithLabelValues("token").Inc()
				return fmt.Errorf("zalo: send after %w: %w", ae, err)
			}
			continue
		case ae.Code == CodeRateLimited && attempt < s.rateRetries:
			s.m.Sends.WithLabelValues("rate_limited").Inc()
			d := s.rateBackoff << attempt
			s.log.Warn("zalo: rate limited; backing off", "pause", d)
			if err := s.sleep(ctx, d); err != nil {
				return err
			}
			continue
		case ae.Unreachable():
			s.m.Sends.WithLabelValues("unreachable").Inc()
			s.markUnreachable(ctx, user, strconv.Itoa(ae.Code))
			s.log.Info("zalo: user unreachable; not retrying", "user", user, "code", ae.Code, "message", ae.Message)
			return fmt.Errorf("%w: %w", ErrUnreachable, ae)
		}
		s.m.Sends.WithLabelValues("error").Inc()
		s.log.Error("zalo: send refused", "user", user, "code", ae.Code, "message", ae.Message)
		return ae
	}
}

// markUnreachable records that user cannot be messaged, and why.
func (s *sender) markUnreachable(ctx context.Context, user, why string) {
	s.m.unreachable.WithLabelValues(why).Inc()
	if err := s.rdb.Set(ctx, s.key(user), why, unreachableTTL).Err(); err != nil {
		s.log.Warn("zalo: could not mark user unreachable", "user", user, "err", err)
	}
}

// reachable clears the mark: the user just wrote or followed.
func (s *sender) reachable(ctx context.Context, user string) error {
	return s.rdb.Del(ctx, s.key(user)).Err()
}
