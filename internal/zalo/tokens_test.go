package zalo

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestSeedOnlyWhenEmpty(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	tok := r.a.Tokens()
	if used, err := tok.Seed(ctx, "env-access", "env-refresh"); err != nil || !used {
		t.Fatalf("first seed: %v, %v", used, err)
	}
	st, _ := tok.Load(ctx)
	if st.Access != "env-access" || st.Refresh != "env-refresh" || !st.Expires.IsZero() {
		t.Errorf("seeded state %+v", st)
	}
	// After a rotation the env pair is dead: a restart must not bring it back.
	tok.Save(ctx, Pair{Access: "a2", Refresh: "r2", Expires: r.clock.Now().Add(time.Hour)})
	if used, err := tok.Seed(ctx, "env-access", "env-refresh"); err != nil || used {
		t.Fatalf("second seed: %v, %v", used, err)
	}
	if st, _ := tok.Load(ctx); st.Access != "a2" || st.Refresh != "r2" {
		t.Errorf("seed overwrote the rotated pair: %+v", st)
	}
	if _, err := tok.Seed(ctx, "only-access", ""); err == nil {
		t.Error("a seed without refresh token was accepted")
	}
}

func TestSaveWritesBothAndClearsRejection(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	tok := r.a.Tokens()
	tok.rdb.HSet(ctx, tok.key, fAccess, "old", fRefresh, "old-r", fRejected, "refused")
	exp := r.clock.Now().Add(25 * time.Hour)
	if err := tok.Save(ctx, Pair{Access: "a", Refresh: "r", Expires: exp}); err != nil {
		t.Fatal(err)
	}
	st, _ := tok.Load(ctx)
	if st.Access != "a" || st.Refresh != "r" || !st.Expires.Equal(exp) || st.Rejected != "" || st.Updated.IsZero() {
		t.Errorf("state after Save: %+v", st)
	}
	if err := tok.Save(ctx, Pair{Access: "a"}); err == nil {
		t.Error("Save accepted a pair without refresh token")
	}
}

// Two replicas, one Redis, an access token that has expired: exactly one
// refresh request reaches Zalo, and both replicas then send with the new
// token. Replica B asks while A's refresh is in flight (the fake OAuth
// server holds A's request until B is seen waiting on the lock).
func TestTokenRotationRace(t *testing.T) {
	ctx := context.Background()
	api := newFakeAPI(t)
	oauth := newFakeOAuth(t, api)
	a := newRig(t, rigOptions{api: api, oauth: oauth})
	// Replica B: its own adapter and engine on the same Redis (its own
	// connection when REDIS_URL is set), the same fakes, its own clock.
	bStore := a.st
	if a.st.InProcess() == false {
		bStore = storetest.OpenEnv(t, strings.TrimSuffix(a.st.Key(""), ":"))
	}
	b := newRig(t, rigOptions{store: bStore, api: api, oauth: oauth, clock: a.clock})

	a.seed(t, "access-0", "refresh-0")
	a.clock.Add(25 * time.Hour) // expired for both

	oauth.started = make(chan struct{}, 4)
	oauth.release = make(chan struct{})
	bWaiting := make(chan struct{})
	b.a.tokens.onWait = func() { close(bWaiting) }

	errs := make(chan error, 2)
	go func() { errs <- a.a.Send(ctx, testUser, textReplies("from A")) }()
	<-oauth.started // A holds the lock, its refresh is at Zalo
	go func() { errs <- b.a.Send(ctx, testUser, textReplies("from B")) }()
	<-bWaiting // B found the lock taken
	close(oauth.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := oauth.refreshes.Load(); n != 1 {
		t.Fatalf("%d refresh requests reached Zalo, want 1", n)
	}
	sent := api.requests()
	if len(sent) != 2 {
		t.Fatalf("%d messages sent, want 2", len(sent))
	}
	for _, s := range sent {
		if s.Token != "access-1" {
			t.Errorf("a replica sent with %q, want the new token access-1", s.Token)
		}
	}
	st, _ := b.a.Tokens().Load(ctx)
	if st.Access != "access-1" || st.Refresh != "refresh-1" {
		t.Errorf("stored pair %+v", st.Pair)
	}
	if keys, _ := a.st.Client().Exists(ctx, a.a.tokens.lockKey).Result(); keys != 0 {
		t.Error("the refresh lock was not released")
	}
}

// Many replicas at once, without choreography: still one refresh.
func TestTokenRotationManyReplicas(t *testing.T) {
	ctx := context.Background()
	api := newFakeAPI(t)
	oauth := newFakeOAuth(t, api)
	first := newRig(t, rigOptions{api: api, oauth: oauth})
	first.seed(t, "access-0", "refresh-0")
	first.clock.Add(30 * time.Hour)
	const n = 8
	errs := make(chan error, n)
	for i := range n {
		r := first
		if i > 0 {
			r = newRig(t, rigOptions{store: first.st, api: api, oauth: oauth, clock: first.clock})
		}
		go func() { errs <- r.a.Send(ctx, testUser, textReplies("hi")) }()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if got := oauth.refreshes.Load(); got != 1 {
		t.Fatalf("%d refreshes, want 1", got)
	}
	for _, s := range api.requests() {
		if s.Token != "access-1" {
			t.Fatalf("sent with %q", s.Token)
		}
	}
}

func TestRefreshBeforeExpiry(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	r.a.tokens.tick(ctx)
	if n := r.oauth.refreshes.Load(); n != 0 {
		t.Fatalf("refreshed a fresh token (%d)", n)
	}
	r.clock.Add(24*time.Hour + time.Minute) // less than an hour left
	r.a.tokens.tick(ctx)
	if n := r.oauth.refreshes.Load(); n != 1 {
		t.Fatalf("%d refreshes before expiry, want 1", n)
	}
	if tok, err := r.a.tokens.Access(ctx); err != nil || tok != "access-1" {
		t.Errorf("Access = %q, %v", tok, err)
	}
}

func TestSeededTokenIsRefreshedAtFirstUse(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.oauth.refresh["env-refresh"] = true
	r.a.tokens.Seed(ctx, "env-access", "env-refresh")
	if tok, err := r.a.tokens.Access(ctx); err != nil || tok != "access-1" {
		t.Fatalf("Access = %q, %v", tok, err)
	}
}

// A refresh token Zalo rejects makes the channel not ready, with the reason
// and what to do; the current access token is used until it expires, and
// Zalo is not asked again.
func TestRejectedRefreshToken(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, rigOptions{})
	r.seed(t, "access-0", "refresh-0")
	delete(r.oauth.refresh, "refresh-0") // revoked
	if err := r.a.Ready(ctx); err != nil {
		t.Fatalf("ready before: %v", err)
	}
	r.clock.Add(24*time.Hour + 30*time.Minute)
	if tok, err := r.a.tokens.Access(ctx); err != nil || tok != "access-0" {
		t.Fatalf("Access with a still-valid token = %q, %v", tok, err)
	}
	err := r.a.Ready(ctx)
	var re *RejectedError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "Invalid refresh token") || !strings.Contains(err.Error(), "vneidbot zalo authorize") {
		t.Fatalf("Ready = %v", err)
	}
	r.clock.Add(time.Hour) // expired now
	if _, err := r.a.tokens.Access(ctx); !errors.As(err, &re) {
		t.Fatalf("Access after expiry = %v", err)
	}
	r.a.tokens.tick(ctx)
	if n := r.oauth.refreshes.Load(); n != 1 {
		t.Errorf("%d refresh calls; a rejected token must be tried once", n)
	}
	// A new authorization fixes it.
	r.a.tokens.Save(ctx, Pair{Access: "new", Refresh: "new-r", Expires: r.clock.Now().Add(25 * time.Hour)})
	if err := r.a.Ready(ctx); err != nil {
		t.Errorf("ready after a new pair: %v", err)
	}
}

func TestReadyWithoutTokens(t *testing.T) {
	r := newRig(t, rigOptions{})
	if err := r.a.Ready(context.Background()); !errors.Is(err, ErrNoTokens) {
		t.Errorf("Ready = %v", err)
	}
}
