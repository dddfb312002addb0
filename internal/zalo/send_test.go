package zalo

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// -216 on a send: one refresh, then the same message once more with the new
// token.
func TestSendRefreshesOnceOnInvalidToken(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	r.api.mu.Lock()
	delete(r.api.tokens, "access-0") // Zalo revoked it before its expiry
	r.api.mu.Unlock()

	if err := r.a.send.send(ctx, testUser, Render(textReplies("Xin chào"), testSay(t))); err != nil {
		t.Fatal(err)
	}
	if n := r.oauth.refreshes.Load(); n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
	sent := r.api.requests()
	if len(sent) != 2 || sent[0].Token != "access-0" || sent[1].Token != "access-1" || string(sent[0].Body) != string(sent[1].Body) {
		t.Fatalf("requests: %+v", sent)
	}
}

// If the new token is refused too, there is no second refresh and no third try.
func TestSendGivesUpAfterOneRefresh(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	r.api.script = func(int, string) (int, string) { return 200, `{"error":-220,"message":"Access token expired"}` }
	err := r.a.send.send(ctx, testUser, Render(textReplies("a", "b"), testSay(t)))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != -220 {
		t.Fatalf("err = %v", err)
	}
	if n, sent := r.oauth.refreshes.Load(), len(r.api.requests()); n != 1 || sent != 2 {
		t.Errorf("%d refreshes and %d requests, want 1 and 2 (and the second message not tried)", n, sent)
	}
}

func TestSendBacksOffWhenRateLimited(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	r.api.script = func(n int, _ string) (int, string) {
		if n < 2 {
			return 200, `{"error":-32,"message":"Request exceeds limit"}`
		}
		return 200, `{"error":0,"message":"Success","data":{"message_id":"m"}}`
	}
	if err := r.a.send.send(ctx, testUser, Render(textReplies("a"), testSay(t))); err != nil {
		t.Fatal(err)
	}
	if len(r.api.requests()) != 3 || fmt.Sprint(r.slept) != "[1s 2s]" {
		t.Errorf("%d requests, pauses %v; want 3 requests after pauses of 1s and 2s", len(r.api.requests()), r.slept)
	}
	if got := count(r.a.m.Sends.WithLabelValues("rate_limited")); got != 2 {
		t.Errorf("rate_limited counted %v times", got)
	}
}

func TestSendRateLimitIsBounded(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	r.api.script = func(int, string) (int, string) { return 200, `{"error":-32,"message":"Request exceeds limit"}` }
	err := r.a.send.send(context.Background(), testUser, Render(textReplies("a"), testSay(t)))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != -32 || len(r.api.requests()) != 5 {
		t.Errorf("err %v after %d requests; want -32 after 5", err, len(r.api.requests()))
	}
}

// Users Zalo will not let the OA reach: marked, counted, not retried, and
// the rest of the batch is not sent.
func TestSendUnreachableUser(t *testing.T) {
	for _, code := range []int{-230, -232, -213, -227, -244} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			ctx := context.Background()
			r := newRig(t, rigOptions{})
			r.seed(t, "access-0", "refresh-0")
			r.api.script = func(int, string) (int, string) {
				return 200, fmt.Sprintf(`{"error":%d,"message":"cannot reach"}`, code)
			}
			err := r.a.send.send(ctx, testUser, Render(textReplies("a", "b"), testSay(t)))
			if !errors.Is(err, ErrUnreachable) {
				t.Fatalf("err = %v", err)
			}
			if n := len(r.api.requests()); n != 1 {
				t.Errorf("%d requests, want 1 (no retry, rest of batch dropped)", n)
			}
			why, marked, _ := r.a.Unreachable(ctx, testUser)
			if !marked || why != fmt.Sprint(code) {
				t.Errorf("mark = %q, %v", why, marked)
			}
			if got := count(r.a.m.unreachable.WithLabelValues(fmt.Sprint(code))); got != 1 {
				t.Errorf("counted %v", got)
			}
			if len(r.slept) != 0 || r.oauth.refreshes.Load() != 0 {
				t.Error("an unreachable user caused a pause or a refresh")
			}
		})
	}
}

func TestSendOtherErrorIsNotRetried(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	r.api.script = func(int, string) (int, string) { return 200, `{"error":-201,"message":"Invalid parameter"}` }
	err := r.a.send.send(context.Background(), testUser, Render(textReplies("a"), testSay(t)))
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != -201 || ae.Message != "Invalid parameter" || len(r.api.requests()) != 1 {
		t.Errorf("err %v after %d requests", err, len(r.api.requests()))
	}
	if _, marked, _ := r.a.Unreachable(context.Background(), testUser); marked {
		t.Error("marked unreachable on -201")
	}
}

func TestSendWithoutTokens(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.a.send.send(context.Background(), testUser, Render(textReplies("a"), testSay(t))); !errors.Is(err, ErrNoTokens) {
		t.Errorf("err = %v", err)
	}
	if len(r.api.requests()) != 0 {
		t.Error("sent without a token")
	}
	_ = time.Second
}

// count reads a counter's value.
func count(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}

// As the engine's Sender, Send asks for a retry (an error) only when a
// later try may succeed; otherwise the replies are given up, logged.
func TestSendForTheOutbox(t *testing.T) {
	tests := []struct {
		name   string
		answer string
		retry  bool
	}{
		{"Delivered", `{"error":0,"message":"Success","data":{}}`, false},
		{"RateLimited", `{"error":-32,"message":"Request exceeds limit"}`, true},
		{"TokenRefusedAfterRefresh", `{"error":-216,"message":"Access token is invalid"}`, true},
		{"OutsideWindow", `{"error":-230,"message":"User has not interacted"}`, false},
		{"InvalidParameter", `{"error":-201,"message":"Invalid parameter"}`, false},
		{"ZaloDown", `<html>502</html>`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, rigOptions{})
			r.seed(t, "access-0", "refresh-0")
			r.api.script = func(int, string) (int, string) { return 200, tt.answer }
			if err := r.a.Send(context.Background(), testUser, textReplies("a")); (err != nil) != tt.retry {
				t.Errorf("Send = %v, want a retry: %v", err, tt.retry)
			}
		})
	}
	r := newRig(t, rigOptions{}) // no tokens yet: wait for an authorization
	if err := r.a.Send(context.Background(), testUser, textReplies("a")); err == nil {
		t.Error("Send without tokens must ask for a retry")
	}
}
