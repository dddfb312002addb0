package zalo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/retry"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// Refresher trades a refresh token for a new pair (*OAuth does). It returns
// an *OAuthError when the refresh token is refused.
type Refresher interface {
	Refresh(ctx context.Context, refreshToken string) (Pair, error)
}

// ErrNoTokens means the store holds no token pair: nobody authorized the app
// and no ZALO_OA_ACCESS_TOKEN/ZALO_OA_REFRESH_TOKEN seeded it.
var ErrNoTokens = errors.New("zalo: no OA token pair: an OA admin must run `vneidbot zalo authorize` and open the URL it prints")

// RejectedError means Zalo refused the stored refresh token. Nothing but a
// new authorization (or new seeds in an empty store) fixes it.
type RejectedError struct{ Reason string }

func (e *RejectedError) Error() string {
	return "zalo: Zalo rejected the OA refresh token (" + e.Reason + "): an OA admin must run `vneidbot zalo authorize` and open the URL it prints"
}

// TokenOptions tune a Tokens. Zero values take the defaults.
type TokenOptions struct {
	Logger *slog.Logger
	Now    func() time.Time // the clock for expiry; time.Now by default
	// RefreshBefore is how long before expiry a token is refreshed (1h).
	RefreshBefore time.Duration
	// LockTTL bounds how long one replica may hold the refresh lock (30s). A
	// refresh call is cut off at half of it, so that the lock never expires
	// while a refresh is in flight.
	LockTTL time.Duration
	// PollEvery is how often a replica waiting for another's refresh looks
	// for the new pair (100ms).
	PollEvery time.Duration
	// CheckEvery is how often Run looks at the expiry (1 min).
	CheckEvery time.Duration
}

// Tokens keeps the OA token pair in Redis, shared by every replica, and
// rotates it. The pair is one hash written in one transaction, so a reader
// never sees a new access token with an old refresh token. Refreshes happen
// under a Redis lock, and a replica re-reads the pair once it holds the lock:
// however many replicas notice an expiring or refused token at once, Zalo
// receives one refresh call, and everyone uses its result.
type Tokens struct {
	rdb     redis.UniversalClient
	st      *store.Store
	key     string
	lockKey string // the refresh lease (store.Lease)
	oauth   Refresher
	o       TokenOptions
	m       *metrics

	onWait func() // test hook: called when another replica holds the lock
}

// NewTokens returns the token store of st, refreshing through r.
func NewTokens(st *store.Store, r Refresher, o TokenOptions) *Tokens {
	return newTokens(st, r, o, newMetrics(nil))
}

func newTokens(st *store.Store, r Refresher, o TokenOptions, m *metrics) *Tokens {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.RefreshBefore <= 0 {
		o.RefreshBefore = time.Hour
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 30 * time.Second
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 100 * time.Millisecond
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = time.Minute
	}
	return &Tokens{
		rdb: st.Client(), st: st, key: st.ZaloTokensKey(), lockKey: st.ZaloTokensLockKey(),
		oauth: r, o: o, m: m,
	}
}

// TokenState is what the store holds.
type TokenState struct {
	Pair
	Rejected string    // why Zalo refused the refresh token; empty when it did not
	Updated  time.Time // when the pair was written
}

// Fields of the token hash.
const (
	fAccess   = "a"
	fRefresh  = "r"
	fExpires  = "e" // unix ms; 0 when unknown
	fUpdated  = "u" // unix ms
	fRejected = "x"
)

// Load reads the stored state; it is zero when the store is empty.
func (t *Tokens) Load(ctx context.Context) (TokenState, error) {
	h, err := t.rdb.HGetAll(ctx, t.key).Result()
	if err != nil {
		return TokenState{}, fmt.Errorf("zalo: load tokens: %w", err)
	}
	st := TokenState{Pair: Pair{Access: h[fAccess], Refresh: h[fRefresh]}, Rejected: h[fRejected]}
	if ms, _ := strconv.ParseInt(h[fExpires], 10, 64); ms > 0 {
		st.Expires = time.UnixMilli(ms)
	}
	if ms, _ := strconv.ParseInt(h[fUpdated], 10, 64); ms > 0 {
		st.Updated = time.UnixMilli(ms)
	}
	return st, nil
}

// Save replaces the stored pair, in one transaction; it clears a previous
// rejection.
func (t *Tokens) Save(ctx context.Context, p Pair) error {
	if p.Access == "" || p.Refresh == "" {
		return errors.New("zalo: save tokens: both tokens are needed")
	}
	var exp int64
	if !p.Expires.IsZero() {
		exp = p.Expires.UnixMilli()
	}
	_, err := t.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.Del(ctx, t.key)
		tx.HSet(ctx, t.key, fAccess, p.Access, fRefresh, p.Refresh, fExpires, exp, fUpdated, t.o.Now().UnixMilli())
		return nil
	})
	if err != nil {
		return fmt.Errorf("zalo: save tokens: %w", err)
	}
	return nil
}

var seedScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'a', ARGV[1], 'r', ARGV[2], 'e', '0', 'u', ARGV[3])
return 1`)

// Seed stores the pair from the environment, only when the store is empty:
// once a refresh has rotated the pair, the seeds are dead and must not come
// back. The access token's age is unknown, so it is refreshed at first use.
// It reports whether the seeds were used.
func (t *Tokens) Seed(ctx context.Context, access, refresh string) (bool, error) {
	if access == "" || refresh == "" {
		return false, errors.New("zalo: seed tokens: ZALO_OA_ACCESS_TOKEN and ZALO_OA_REFRESH_TOKEN must be set together")
	}
	n, err := seedScript.Run(ctx, t.rdb, []string{t.key}, access, refresh, t.o.Now().UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("zalo: seed tokens: %w", err)
	}
	return n == 1, nil
}

// due reports whether the access token should be refreshed now.
func (t *Tokens) due(st TokenState) bool {
	return st.Expires.IsZero() || !t.o.Now().Before(st.Expires.Add(-t.o.RefreshBefore))
}

func (t *Tokens) expired(st TokenState) bool {
	return !st.Expires.IsZero() && !t.o.Now().Before(st.Expires)
}

// Access returns the access token to call the API with, refreshing it first
// when it is due. A failed refresh is not an error while the current token
// has not expired.
func (t *Tokens) Access(ctx context.Context) (string, error) {
	st, err := t.Load(ctx)
	if err != nil {
		return "", err
	}
	if st.Access == "" {
		return "", ErrNoTokens
	}
	if !t.due(st) {
		return st.Access, nil
	}
	p, err := t.refresh(ctx, st.Access)
	if err == nil {
		return p.Access, nil
	}
	if !t.expired(st) {
		t.o.Logger.Warn("zalo token refresh failed; using the current token until it expires", "expires", st.Expires, "err", err)
		return st.Access, nil
	}
	return "", err
}

// Refresh is called when the API refused stale (-216, -220). It returns the
// newer token another replica already stored, or refreshes.
func (t *Tokens) Refresh(ctx context.Context, stale string) (string, error) {
	p, err := t.refresh(ctx, stale)
	return p.Access, err
}

// refresh replaces the pair whose access token is stale, unless someone did
// already. Only the holder of the Redis lock calls Zalo; the others wait for
// its result.
func (t *Tokens) refresh(ctx context.Context, stale string) (Pair, error) {
	maxWaits := int(2*t.o.LockTTL/t.o.PollEvery) + 1
	for i := 0; ; i++ {
		st, err := t.Load(ctx)
		if err != nil {
			return Pair{}, err
		}
		switch {
		case st.Access != "" && st.Access != stale:
			return st.Pair, nil // rotated by another replica
		case st.Rejected != "":
			return Pair{}, &RejectedError{st.Rejected}
		case st.Refresh == "":
			return Pair{}, ErrNoTokens
		}
		lease := t.st.NewLease(t.lockKey, t.o.LockTTL)
		ok, err := lease.Acquire(ctx)
		if err != nil {
			return Pair{}, fmt.Errorf("zalo: take refresh lock: %w", err)
		}
		if ok {
			defer t.unlock(lease)
			return t.refreshLocked(ctx, stale)
		}
		if i == 0 && t.onWait != nil {
			t.onWait()
		}
		if i >= maxWaits {
			return Pair{}, errors.New("zalo: gave up waiting for another replica's token refresh")
		}
		if err := retry.Sleep(ctx, t.o.PollEvery); err != nil {
			return Pair{}, err
		}
	}
}

func (t *Tokens) refreshLocked(ctx context.Context, stale string) (Pair, error) {
	st, err := t.Load(ctx) // the lock may have been released by a refresh just done
	if err != nil {
		return Pair{}, err
	}
	switch {
	case st.Access != "" && st.Access != stale:
		return st.Pair, nil
	case st.Rejected != "":
		return Pair{}, &RejectedError{st.Rejected}
	case st.Refresh == "":
		return Pair{}, ErrNoTokens
	}
	// Once sent, the refresh must not be abandoned: Zalo may already have
	// killed the old refresh token, and the answer holds the only new one.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.o.LockTTL/2)
	defer cancel()
	p, err := t.oauth.Refresh(rctx, st.Refresh)
	var oe *OAuthError
	if errors.As(err, &oe) {
		t.m.refreshes.WithLabelValues("rejected").Inc()
		reason := oe.Error()
		// Keep the pair: the access token may still work until it expires.
		if err := t.rdb.HSet(context.WithoutCancel(ctx), t.key, fRejected, reason).Err(); err != nil {
			t.o.Logger.Error("zalo: could not record the refused refresh token", "err", err)
		}
		t.o.Logger.Error("Zalo rejected the OA refresh token; the Zalo channel stops once the access token expires. "+
			"Fix: an OA admin runs `vneidbot zalo authorize --redirect-uri <public URL>/zalo/oauth/callback` and opens the URL it prints.",
			"code", oe.Code, "reason", reason, "access_expires", st.Expires)
		return Pair{}, &RejectedError{reason}
	}
	if err != nil {
		t.m.refreshes.WithLabelValues("error").Inc()
		return Pair{}, fmt.Errorf("zalo: refresh tokens: %w", err)
	}
	// The old refresh token is dead now: storing the new pair must not be
	// abandoned because the caller gave up.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err = t.Save(sctx, p)
		if err == nil || attempt == 4 || retry.Sleep(sctx, time.Duration(attempt+1)*100*time.Millisecond) != nil {
			break
		}
	}
	if err != nil {
		t.m.refreshes.WithLabelValues("error").Inc()
		t.o.Logger.Error("zalo: the refreshed token pair could not be stored; the old refresh token is already dead, so an OA admin may have to authorize again",
			"err", err)
		return p, nil // usable by this process at least
	}
	t.m.refreshes.WithLabelValues("ok").Inc()
	t.o.Logger.Info("zalo OA token pair rotated", "expires", p.Expires)
	return p, nil
}

// unlock releases the lock if this call still owns it.
func (t *Tokens) unlock(lease *store.Lease) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := lease.Release(ctx); err != nil {
		t.o.Logger.Warn("zalo: release refresh lock", "err", err) // it expires by itself
	}
}

// Check is the readiness check: it fails, with what the operator must do,
// when there is no pair, when Zalo refused the refresh token, or when the
// access token has expired.
func (t *Tokens) Check(ctx context.Context) error {
	st, err := t.Load(ctx)
	switch {
	case err != nil:
		return err
	case st.Access == "":
		return ErrNoTokens
	case st.Rejected != "":
		return &RejectedError{st.Rejected}
	case t.expired(st):
		return fmt.Errorf("zalo: the OA access token expired at %s and could not be refreshed yet", st.Expires.Format(time.RFC3339))
	}
	return nil
}

// Run refreshes the pair before it expires, until ctx ends.
func (t *Tokens) Run(ctx context.Context) error {
	tick := time.NewTicker(t.o.CheckEvery)
	defer tick.Stop()
	for {
		t.tick(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (t *Tokens) tick(ctx context.Context) {
	st, err := t.Load(ctx)
	if err != nil || st.Access == "" || st.Rejected != "" || !t.due(st) {
		return
	}
	if _, err := t.refresh(ctx, st.Access); err != nil && ctx.Err() == nil {
		t.o.Logger.Warn("zalo token refresh failed; will try again", "err", err)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
