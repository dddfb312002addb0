// Command vneidbot is the VNeID guide bot: it helps citizens install VNeID and
// register and activate their electronic identity account, on Zalo, Telegram
// and a web chat.
//
//	vneidbot [serve]            run the bot (every configured channel, web chat, health, metrics)
//	vneidbot chat               chat with the bot in the terminal
//	vneidbot ask [--json] TEXT  show what the bot answers to a question
//	vneidbot content check|publish|versions|rollback|export  manage content
//
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/broadcast"
	"github.com/vneid-guide/vneidbot/internal/buildinfo"
	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/contentsource"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/health"
	"github.com/vneid-guide/vneidbot/internal/loadtest"
	"github.com/vneid-guide/vneidbot/internal/loadtest/baseline"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/terminal"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
	"github.com/vneid-guide/vneidbot/internal/zalo"
)

const usage = `vneidbot: the VNeID guide bot.

Usage:
  vneidbot [serve]                      run the bot: channels, web chat, health, metrics
  vneidbot chat                         chat with the bot in this terminal
  vneidbot ask [--json] [--lang vi|en] TEXT
                                        print what the bot answers to a question
  vneidbot content check [DIR]          validate the embedded content, or DIR
  vneidbot content publish DIR [--note TEXT]
                                        validate DIR and make it the content every replica serves
  vneidbot content versions [--json]    list the published content versions
  vneidbot content rollback N           make published version N current again
  vneidbot content export DIR [--version N|--builtin]
                                        write published (or built-in) content into DIR to edit
  vneidbot faq misses [--json] [--limit N] [--recent]
                                        questions the bot could not answer (redacted)
  vneidbot faq votes [--json]           "did this help?" answers per FAQ entry
  vneidbot zalo authorize --redirect-uri URL
                                        print the Zalo OA permission URL (PKCE)
  vneidbot volunteer add|list|link      volunteers' attributed links and QR codes
  vneidbot operator add|link|list|remove
                                        personal accounts of content editors and publishers
  vneidbot officer add --name NAME --area AREA [--json]
                                        a commune officer's account and sign-in link; also link, list, remove
  vneidbot handoff list [--json]        tickets of citizens handed to a commune officer (redacted)
  vneidbot handoff reply TICKET TEXT    relay an officer's reply on the citizen's channel
  vneidbot stats [--json]               the activation funnel and other numbers
  vneidbot broadcast --text FILE|--entry ID [--segment S] [--dry-run]
                                        send a message to a segment of users
  vneidbot health [--ready]             exit 0 when the bot on VNEIDBOT_ADDR is healthy (or ready)
  vneidbot version                      the build's version and Go release (warns when it has known vulnerabilities)
  vneidbot loadtest --target URL --chats N --duration D [--json]
                                        drive a running bot with simulated citizens

Every command takes --help. Configuration is read from the environment
(VNEIDBOT_ADDR, REDIS_URL, CONTENT_DIR, SESSION_TTL, TELEGRAM_*, ZALO_*,
ADMIN_TOKEN, LOG_LEVEL, LOG_FORMAT); see README.md.
`

// exitUsage is the exit code for bad command lines and bad configuration.
const exitUsage = 2

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "-h" || cmd == "--help" || cmd == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if cmd == "version" { // needs no configuration
		buildinfo.Print(stdout)
		return 0
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		fmt.Fprintf(stderr, "vneidbot: bad configuration: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return exitUsage
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		err = cmdServe(ctx, cfg, log, args, stdout)
	case "chat":
		err = terminal.Command(ctx, terminal.Options{ContentDir: cfg.ContentDir, Open: openEngine(cfg)}, args, stdin, stdout)
	case "ask":
		err = faq.AskCommand(loadContent, cfg.ContentDir, args, stdout)
	case "content":
		err = contentsource.Command(ctx, cfg.RedisURL, args, stdout, stderr)
	case "faq":
		err = feedback.Command(ctx, cfg.RedisURL, args, stdout, stderr)
	case "zalo":
		err = zalo.Command(ctx, zalo.CLIOptions{
			RedisURL: cfg.RedisURL, Enabled: cfg.ZaloEnabled(), RedirectURI: cfg.ZaloRedirectURI,
			OAuth: zalo.OAuth{BaseURL: cfg.ZaloOAuthURL, AppID: cfg.ZaloAppID, AppSecret: cfg.ZaloAppSecret},
		}, args, stdout)
	case "volunteer":
		err = volunteer.Command(ctx, volunteer.CLIOptions{RedisURL: cfg.RedisURL, Links: links(cfg), Catalog: catalog(cfg)}, args, stdout, stderr)
	case "handoff":
		err = handoff.Command(ctx, handoff.CLIOptions{Open: openHandoff(cfg, stderr)}, args, stdout, stderr)
	case "officer":
		err = accounts.OfficerCommand(ctx, accountsCLI(cfg), args, stdout, stderr)
	case "operator":
		err = accounts.OperatorCommand(ctx, accountsCLI(cfg), args, stdout, stderr)
	case "stats":
		err = stats.Command(ctx, stats.CLIOptions{RedisURL: cfg.RedisURL, Catalog: catalog(cfg)}, args, stdout, stderr)
	case "broadcast":
		err = broadcast.Command(ctx, broadcast.CLIOptions{
			Store: store.Options{URL: cfg.RedisURL, SessionTTL: cfg.SessionTTL}, LogLevel: cfg.LogLevel, Catalog: catalog(cfg),
			Platforms: func(st *store.Store, cat func() *content.Catalog) broadcast.Platforms { return platforms(cfg, st, cat) },
		}, args, stdout, stderr)
	case "loadtest":
		if len(args) > 0 && args[0] == "baseline" {
			err = baseline.Command(ctx, cfg.RedisURL, args[1:], stdout, stderr)
		} else {
			err = loadtest.Command(ctx, cfg.TelegramWebhookSecret, args, stdout, stderr)
		}
	case "health":
		err = health.Command(ctx, cfg.Addr, args, stdout)
	default:
		fmt.Fprintf(stderr, "vneidbot: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	return cli.Exit(err, stderr)
}

// goWarning and minGoVersion are internal/buildinfo's, for the warning
// logged when serving starts.
var goWarning = buildinfo.GoWarning

const minGoVersion = buildinfo.MinGo

// cmdServe runs "vneidbot [serve]".
func cmdServe(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout io.Writer) error {
	fs := cli.NewFlags("serve", "serve\n\nRuns the bot until SIGINT or SIGTERM. Configuration comes from the environment.", stdout)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	return serve(ctx, cfg, log)
}

func accountsCLI(cfg Config) accounts.CLIOptions {
	return accounts.CLIOptions{RedisURL: cfg.RedisURL, PublicURL: cfg.PublicURL, LinkLife: cfg.SignInLinkTTL}
}

// loadContent loads the content of the folder dir, or the built-in content
// for "", as a replica starts serving it.
func loadContent(dir string) (*content.Catalog, error) {
	src, err := newContentSource(dir)
	if err != nil {
		return nil, err
	}
	return src.Catalog(), nil
}

// catalog loads, for a command, the content that serves without Redis:
// CONTENT_DIR, else the built-in content.
func catalog(cfg Config) func() (*content.Catalog, error) {
	return func() (*content.Catalog, error) { return loadContent(cfg.ContentDir) }
}

// openEngine starts the engine, quietly, on the content of a folder, for
// "vneidbot chat".
func openEngine(cfg Config) func(context.Context, string) (terminal.Handler, func(), error) {
	return func(ctx context.Context, dir string) (terminal.Handler, func(), error) {
		cfg.ContentDir = dir
		a, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			return nil, nil, err
		}
		return a.engine.Handle, func() { a.store.Close() }, nil
	}
}
