package handoff_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

const eventsAdmin = "admin-token-for-the-events-test-0123456789"

// openEvents opens /admin/inbox/events with token; the caller closes the
// body of a 200 answer.
func openEvents(t *testing.T, ctx context.Context, url, token string) *http.Response {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/admin/inbox/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestInboxEventStreamsBounded (seventh probe, V2): one account holds at
// most a few event streams at once; past them it gets 429 with
// Retry-After, other accounts are not affected, and a stream that ends
// gives its place back. A stream whose officer is removed ends.
func TestInboxEventStreamsBounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		svc, _ := newService(t, st, clocktest.New(monday10))
		accts := accounts.New(st, nil)
		lan, lanTok, err := accts.Create(ctx, "Lan", accounts.Officer, "Phường Bến Nghé")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(handoff.NewInbox(handoff.InboxOptions{Service: svc, Accounts: accts, AdminToken: eventsAdmin, Poll: 10 * time.Millisecond}))
		defer srv.Close()

		var bodies []io.ReadCloser
		var stopFirst context.CancelFunc
		for i := range 4 {
			sctx, stop := context.WithCancel(ctx)
			if i == 0 {
				stopFirst = stop
			} else {
				defer stop()
			}
			res := openEvents(t, sctx, srv.URL, lanTok)
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("stream %d of one officer: %d, want 200", i+1, res.StatusCode)
			}
			if i > 0 {
				bodies = append(bodies, res.Body)
			}
		}
		res := openEvents(t, ctx, srv.URL, lanTok)
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Fatalf("a fifth stream of one officer: %d, Retry-After %q; want 429 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
		}
		adm := openEvents(t, ctx, srv.URL, eventsAdmin)
		adm.Body.Close()
		if adm.StatusCode != http.StatusOK {
			t.Fatalf("another account meanwhile: %d, want 200", adm.StatusCode)
		}
		stopFirst()
		deadline := time.Now().Add(5 * time.Second)
		for {
			res := openEvents(t, ctx, srv.URL, lanTok)
			if res.StatusCode == http.StatusOK {
				defer res.Body.Close()
				bodies = append(bodies, res.Body)
				break
			}
			res.Body.Close()
			if time.Now().After(deadline) {
				t.Fatalf("no place after a stream ended: %d", res.StatusCode)
			}
			time.Sleep(20 * time.Millisecond)
		}

		// A removed officer's streams end within a few checks.
		if err := accts.Remove(ctx, lan.ID); err != nil {
			t.Fatal(err)
		}
		for i, b := range bodies {
			done := make(chan struct{})
			go func() { io.Copy(io.Discard, b); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("stream %d of a removed officer still open", i+1)
			}
		}
	})
}
