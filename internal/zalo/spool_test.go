package zalo

import (
	"context"
	"errors"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/internal/delivery/queue"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// TestWebhookSpoolsDuringRedisOutage: while Redis is down a verified event
// is kept on disk and answered 200; once Redis is back it is handled.
func TestWebhookSpoolsDuringRedisOutage(t *testing.T) {
	m := miniredis.RunT(t)
	st, err := store.Open(context.Background(), store.Options{URL: "redis://" + m.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	spool, err := queue.OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, rigOptions{store: st, spool: spool})
	r.seed(t, "tok-1", "ref-1")

	m.Close()
	if w := r.post(t, readEvent(t, "user_send_text"), nil); w.Code != 200 {
		t.Fatalf("webhook during the outage answered %d, want 200", w.Code)
	}
	if spool.Len() != 1 {
		t.Fatalf("spool holds %d events, want 1", spool.Len())
	}
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	n, err := spool.Replay(context.Background(), func(ctx context.Context, b []byte) error {
		spooled, err := r.a.intake.Accept(ctx, b)
		if spooled {
			return errors.New("spooled again: Redis is still down")
		}
		return err
	})
	if n != 1 || err != nil {
		t.Fatalf("replay: %d, %v", n, err)
	}
	r.drain(t)
	if len(r.api.requests()) == 0 {
		t.Fatal("the spooled event was never answered")
	}
}
