package main

import (
	"context"
	"fmt"
	"io"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/zalo"
)

const zaloAuthorizeUsage = `zalo authorize --redirect-uri URL

Prints the Zalo OA permission URL (OAuth v4 with PKCE). An admin of the OA
opens it and allows access; Zalo then redirects to URL, the bot's
GET /zalo/oauth/callback, where the running bot exchanges the code and stores
the token pair in Redis. Run it when setting the channel up, and again when
/readyz says Zalo rejected the refresh token.

URL must be registered as a callback in the Zalo app's settings. REDIS_URL
must name the Redis the bot uses (the bot finds the PKCE verifier there), and
ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY must be set. The URL can be
used once, within 15 minutes.`

// zaloAuthorize runs `vneidbot zalo authorize`.
func zaloAuthorize(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := newFlags("zalo authorize", zaloAuthorizeUsage, stdout)
	redirect := fs.String("redirect-uri", cfg.ZaloRedirectURI, "the bot's public `URL` of GET /zalo/oauth/callback (default ZALO_OAUTH_REDIRECT_URI)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{"zalo authorize: unexpected arguments; see --help"}
	case *redirect == "":
		return usageError{"zalo authorize: --redirect-uri is required, e.g. https://bot.example.gov.vn/zalo/oauth/callback"}
	case !cfg.ZaloEnabled():
		return usageError{"zalo authorize: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY"}
	case cfg.RedisURL == "":
		return usageError{"zalo authorize: REDIS_URL must name the Redis the bot uses: its callback looks up the PKCE verifier there"}
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL})
	if err != nil {
		return fmt.Errorf("zalo authorize: %w", err)
	}
	defer st.Close()
	oauth := &zalo.OAuth{BaseURL: cfg.ZaloOAuthURL, AppID: cfg.ZaloAppID, AppSecret: cfg.ZaloAppSecret}
	link, err := zalo.NewAuthorizer(st, oauth, zalo.NewTokens(st, oauth, zalo.TokenOptions{}), nil).Begin(ctx, *redirect)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "As an admin of the Zalo OA, open this URL within 15 minutes and allow access:\n\n%s\n\nZalo then opens %s, where the bot stores the tokens; /readyz shows the Zalo channel ready afterwards.\n", link, *redirect)
	return nil
}
