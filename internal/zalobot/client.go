package zalobot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// APIError is an answer with "ok": false.
type APIError struct {
	Code        int // error_code: 400, 401, 403, 404, 408, 429...
	Description string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("zalo bot api: error %d: %s", e.Code, e.Description)
}

// CodeNothingYet is getUpdates' error_code when no update came within the timeout.
const CodeNothingYet = 408

// Client is a thin client of the Zalo Bot Platform API:
// POST {BaseURL}/bot{Token}/{method} with a JSON body.
type Client struct {
	BaseURL string       // ZALO_BOT_API_URL, e.g. https://bot-api.zaloplatforms.com
	Token   string       // ZALO_BOT_TOKEN
	HTTP    *http.Client // http.DefaultClient when nil; every call has its own deadline
}

// callTimeout bounds every call but getUpdates.
const callTimeout = 10 * time.Second

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 1 << 20

// call invokes method with params and decodes "result" into out (when not
// nil). Errors never contain the URL, which holds the token.
func (c *Client) call(ctx context.Context, method string, params, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("zalo bot %s: encode: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/bot"+c.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("zalo bot %s: bad API URL", method)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the URL: it holds the token
		}
		return fmt.Errorf("zalo bot %s: %w", method, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("zalo bot %s: read answer: %w", method, err)
	}
	var env struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
		ErrorCode   int             `json:"error_code"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("zalo bot %s: HTTP %d, answer is not JSON", method, resp.StatusCode)
	}
	if !env.OK {
		code := env.ErrorCode
		if code == 0 {
			code = resp.StatusCode
		}
		return &APIError{Code: code, Description: env.Description}
	}
	if out != nil && len(env.Result) > 0 {
		if err := json.Unmarshal(env.Result, out); err != nil {
			return fmt.Errorf("zalo bot %s: decode result: %w", method, err)
		}
	}
	return nil
}

// GetUpdates waits up to timeout for updates. The platform returns one
// update object per call (an array is accepted too); no update within the
// timeout is an *APIError with CodeNothingYet.
func (c *Client) GetUpdates(ctx context.Context, timeout time.Duration) ([]json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout+callTimeout)
	defer cancel()
	var result json.RawMessage
	if err := c.call(ctx, "getUpdates", map[string]int{"timeout": int(timeout / time.Second)}, &result); err != nil {
		return nil, err
	}
	return splitResult(result), nil
}

// splitResult turns a result that is one object, an array of them or null
// into a list.
func splitResult(result json.RawMessage) []json.RawMessage {
	result = bytes.TrimSpace(result)
	switch {
	case len(result) == 0 || string(result) == "null":
		return nil
	case result[0] == '[':
		var list []json.RawMessage
		if json.Unmarshal(result, &list) != nil {
			return nil
		}
		return list
	}
	return []json.RawMessage{result}
}

// SendMessage sends text (1 to 2,000 characters) to chat.
func (c *Client) SendMessage(ctx context.Context, chatID, text string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return c.call(ctx, "sendMessage", map[string]string{"chat_id": chatID, "text": text}, nil)
}

// SendPhoto sends the image at photoURL, with an optional caption.
func (c *Client) SendPhoto(ctx context.Context, chatID, photoURL, caption string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	p := map[string]string{"chat_id": chatID, "photo": photoURL}
	if caption != "" {
		p["caption"] = caption
	}
	return c.call(ctx, "sendPhoto", p, nil)
}

// SetWebhook asks the platform to post updates to url with the secret in
// the X-Bot-Api-Secret-Token header (8 to 256 characters). Polling stops
// working while a webhook is set.
func (c *Client) SetWebhook(ctx context.Context, url, secret string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return c.call(ctx, "setWebhook", map[string]string{"url": url, "secret_token": secret}, nil)
}
