package zalo

import (
	"context"
	"errors"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/internal/store"
)

func TestSpool(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"one", "two", "three"} {
		if err := s.Put([]byte(b)); err != nil {
			t.Fatal(err)
		}
	}
	down := errors.New("redis down")
	var got []string
	add := func(_ context.Context, b []byte) error {
		if len(got) == 1 && down != nil {
			return down
		}
		got = append(got, string(b))
		return nil
	}
	if n, err := s.Replay(context.Background(), add); n != 1 || !errors.Is(err, down) {
		t.Fatalf("replay while Redis fails: %d, %v", n, err)
	}
	// A restarted process finds what is left.
	s, err = OpenSpool(dir)
	if err != nil || s.Len() != 2 {
		t.Fatalf("reopened spool holds %d, %v; want 2", s.Len(), err)
	}
	down = nil
	if n, err := s.Replay(context.Background(), add); n != 2 || err != nil {
		t.Fatalf("replay: %d, %v", n, err)
	}
	if len(got) != 3 || got[0] != "one" || got[1] != "two" || got[2] != "three" || s.Len() != 0 {
		t.Fatalf("replayed %v (left %d), want one, two, three in order", got, s.Len())
	}
	s.maxFiles = 1
	if err := s.Put([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put([]byte("b")); !errors.Is(err, ErrSpoolFull) {
		t.Fatalf("put into a full spool: %v", err)
	}
}

// TestWebhookSpoolsDuringRedisOutage: while Redis is down a verified event
// is kept on disk and answered 200; once Redis is back it is handled.
func TestWebhookSpoolsDuringRedisOutage(t *testing.T) {
	m := miniredis.RunT(t)
	st, err := store.Open(context.Background(), store.Options{URL: "redis://" + m.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := newRig(t, rigOptions{store: st})
	r.seed(t, "tok-1", "ref-1")
	spool, err := OpenSpool(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	r.a.o.Spool = spool

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
		_, err := r.a.q.Add(ctx, b)
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
