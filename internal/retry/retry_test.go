package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/retry"
)

func TestBackoffStaysInBounds(t *testing.T) {
	for attempt := range 10 {
		want := min(time.Millisecond<<attempt, 32*time.Millisecond)
		for range 50 {
			d := retry.Backoff(attempt, time.Millisecond, 32*time.Millisecond)
			if d < want/2 || d >= want/2+want {
				t.Fatalf("Backoff(%d) = %v; want within [%v, %v)", attempt, d, want/2, want/2+want)
			}
		}
	}
}

func TestSleepEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := retry.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep on a cancelled context = %v; want context.Canceled", err)
	}
	if err := retry.Sleep(context.Background(), time.Millisecond); err != nil {
		t.Fatalf("Sleep = %v; want nil", err)
	}
}
