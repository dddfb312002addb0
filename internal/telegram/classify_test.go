package telegram

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/delivery"
)

// TestClassifyErrors: the Telegram rules for what a failed send means, which
// broadcasts, reminders and the handoff rely on.
func TestClassifyErrors(t *testing.T) {
	var b *Adapter
	for _, tc := range []struct {
		err  error
		want delivery.Fate
	}{
		{ErrBlocked, delivery.Blocked},
		{fmt.Errorf("send: %w", &APIError{Code: 403, Description: "Forbidden: bot was blocked by the user"}), delivery.Blocked},
		{&APIError{Code: 429, Description: "Too Many Requests"}, delivery.RetryLater},
		{&APIError{Code: 502, Description: "Bad Gateway"}, delivery.RetryLater},
		{errors.New("dial tcp: connection refused"), delivery.RetryLater},
		{&APIError{Code: 400, Description: "Bad Request: chat not found"}, delivery.GiveUp},
	} {
		if got := b.Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
