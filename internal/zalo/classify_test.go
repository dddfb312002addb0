package zalo

import (
	"errors"
	"fmt"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/delivery"
)

// TestClassifyErrors: the Zalo OA rules for what a failed send means, which
// broadcasts, reminders and the handoff rely on.
func TestClassifyErrors(t *testing.T) {
	var a *Adapter
	for _, tc := range []struct {
		err  error
		want delivery.Fate
	}{
		{fmt.Errorf("%w: %w", ErrUnreachable, &APIError{Code: CodeNotFollower}), delivery.Blocked},
		{&APIError{Code: CodeRateLimited}, delivery.RetryLater},
		{&APIError{Code: CodeTokenExpired}, delivery.RetryLater},
		{ErrNoTokens, delivery.RetryLater},
		{errors.New("dial tcp: connection refused"), delivery.RetryLater},
		{&APIError{Code: -201, Message: "invalid parameter"}, delivery.GiveUp},
	} {
		if got := a.Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
