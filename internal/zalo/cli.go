package zalo

import (
	"context"
	"fmt"
	"io"

	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/store"
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

// CLIOptions is what "vneidbot zalo authorize" takes from the
// configuration.
type CLIOptions struct {
	RedisURL    string // REDIS_URL: the bot's callback finds the PKCE verifier there
	OAuth       OAuth  // ZALO_OAUTH_URL, ZALO_APP_ID, ZALO_APP_SECRET
	Enabled     bool   // ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY are set
	RedirectURI string // ZALO_OAUTH_REDIRECT_URI: the default of --redirect-uri
}

// Command runs "vneidbot zalo authorize".
func Command(ctx context.Context, o CLIOptions, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "authorize" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdout, "Usage: vneidbot zalo authorize --redirect-uri URL")
			return nil
		}
		return cli.UsageError{Msg: "zalo: expected a subcommand: authorize"}
	}
	return authorize(ctx, o, args[1:], stdout)
}

// authorize runs "vneidbot zalo authorize".
func authorize(ctx context.Context, o CLIOptions, args []string, stdout io.Writer) error {
	fs := cli.NewFlags("zalo authorize", zaloAuthorizeUsage, stdout)
	redirect := fs.String("redirect-uri", o.RedirectURI, "the bot's public `URL` of GET /zalo/oauth/callback (default ZALO_OAUTH_REDIRECT_URI)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return cli.UsageError{Msg: "zalo authorize: unexpected arguments; see --help"}
	case *redirect == "":
		return cli.UsageError{Msg: "zalo authorize: --redirect-uri is required, e.g. https://bot.example.gov.vn/zalo/oauth/callback"}
	case !o.Enabled:
		return cli.UsageError{Msg: "zalo authorize: set ZALO_APP_ID, ZALO_APP_SECRET and ZALO_OA_SECRET_KEY"}
	case o.RedisURL == "":
		return cli.UsageError{Msg: "zalo authorize: REDIS_URL must name the Redis the bot uses: its callback looks up the PKCE verifier there"}
	}
	st, err := store.Open(ctx, store.Options{URL: o.RedisURL})
	if err != nil {
		return fmt.Errorf("zalo authorize: %w", err)
	}
	defer st.Close()
	oauth := &o.OAuth
	link, err := NewAuthorizer(st, oauth, NewTokens(st, oauth, TokenOptions{}), nil).Begin(ctx, *redirect)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "As an admin of the Zalo OA, open this URL within 15 minutes and allow access:\n\n%s\n\nZalo then opens %s, where the bot stores the tokens; /readyz shows the Zalo channel ready afterwards.\n", link, *redirect)
	return nil
}
