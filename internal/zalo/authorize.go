package zalo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/lograte"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// stateTTL is how long a permission URL can be used: Zalo's code itself is
// valid 10 minutes once issued.
const stateTTL = 15 * time.Minute

// Authorizer runs the OA permission flow with PKCE. Begin (run by
// `vneidbot zalo authorize`) keeps the verifier in Redis under a random state
// and returns the permission URL; the callback, served by the bot, finds the
// verifier by state, exchanges the code and stores the pair. Both must use
// the same Redis.
type Authorizer struct {
	oauth  *OAuth
	tokens *Tokens
	rdb    redis.UniversalClient
	key    func(state string) string
	log    *slog.Logger
	// strangers is the log of what anyone can cause (a wrong state): one
	// line a minute, with the count of those left out.
	strangers *lograte.Limiter
}

// NewAuthorizer returns the permission flow of the app described by o,
// storing its result in tokens.
func NewAuthorizer(st *store.Store, o *OAuth, tokens *Tokens, log *slog.Logger) *Authorizer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authorizer{
		oauth: o, tokens: tokens, rdb: st.Client(), log: log,
		key:       func(state string) string { return st.ZaloOAuthKey(state) },
		strangers: lograte.New(log, time.Minute, time.Now),
	}
}

// Begin starts an authorization and returns the URL an OA admin opens.
// redirectURI must be the bot's public GET /zalo/oauth/callback, as
// registered in the Zalo app's settings.
func (z *Authorizer) Begin(ctx context.Context, redirectURI string) (string, error) {
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("zalo authorize: redirect URI %q is not an http(s) URL", redirectURI)
	}
	verifier, challenge := PKCE()
	state := randomHex(16)
	if err := z.rdb.Set(ctx, z.key(state), verifier, stateTTL).Err(); err != nil {
		return "", fmt.Errorf("zalo authorize: store PKCE verifier: %w", err)
	}
	return z.oauth.AuthorizeURL(redirectURI, challenge, state), nil
}

// ServeHTTP handles the callback: GET ?code=…&state=…&oa_id=….
func (z *Authorizer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, state := q.Get("code"), q.Get("state")
	if code == "" || state == "" {
		z.answer(w, http.StatusBadRequest, "Missing code or state. Start again with `vneidbot zalo authorize`.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 15*time.Second)
	defer cancel()
	verifier, err := z.rdb.GetDel(ctx, z.key(state)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		z.strangers.Warn("state", "zalo oauth callback: unknown or expired state", "remote", r.RemoteAddr)
		z.answer(w, http.StatusBadRequest, "This link is unknown, used or expired. Start again with `vneidbot zalo authorize`.")
		return
	case err != nil:
		z.log.Error("zalo oauth callback: redis", "err", err)
		z.answer(w, http.StatusServiceUnavailable, "Storage is unavailable; try again with a new `vneidbot zalo authorize`.")
		return
	}
	// The exchange and the save must finish even if the admin closes the page.
	ctx = context.WithoutCancel(ctx)
	p, err := z.oauth.Exchange(ctx, code, verifier)
	if err != nil {
		z.log.Error("zalo oauth callback: code exchange failed", "err", err)
		z.answer(w, http.StatusBadGateway, "Zalo did not accept the authorization ("+err.Error()+"). Start again with `vneidbot zalo authorize`.")
		return
	}
	if err := z.tokens.Save(ctx, p); err != nil {
		z.log.Error("zalo oauth callback: tokens not stored", "err", err)
		z.answer(w, http.StatusInternalServerError, "The tokens could not be stored. Start again with `vneidbot zalo authorize`.")
		return
	}
	z.log.Info("zalo OA authorized; token pair stored", "oa_id", q.Get("oa_id"), "expires", p.Expires)
	z.answer(w, http.StatusOK, "Zalo OA authorized: the bot stored its tokens and the Zalo channel is ready. You can close this page.")
}

func (z *Authorizer) answer(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
