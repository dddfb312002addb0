package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vneid-guide/vneidbot/internal/loadtest"
	"github.com/vneid-guide/vneidbot/internal/loadtest/baseline"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const loadtestSynopsis = `loadtest --target URL --chats N --duration D [--rate R] [--json] [--secret S] [--requests N] [--fake-telegram ADDR]

Drives a running bot with N simulated citizens, each waiting for its answer
before it sends again (start, press the buttons it is shown, type their
numbers, ask FAQ questions), and prints sent, ok, errors, requests/s and
latency percentiles. Each citizen keeps the conversation cookie the web
chat issues, as a browser does.

With --rate R the run is an open loop instead: requests arrive R times a
second on average with Poisson gaps, answered or not (--chats then bounds
the requests in flight), latency counts from each scheduled arrival, and
the report adds goodput, refusals (503 + Retry-After) with their latency,
timeouts, and how /healthz answered during the run.

The target decides what is driven:

  http://127.0.0.1:8080               the web chat (POST /api/chat)
  http://127.0.0.1:8080/api/chat      the same
  http://127.0.0.1:8080/webhook/telegram
                                      Telegram updates with the secret header
                                      (--secret, else TELEGRAM_WEBHOOK_SECRET)
  http://127.0.0.1:8080/healthz       plain GETs: the throughput baseline

"vneidbot loadtest baseline" serves the minimal web chat the bot is
compared with (docs/benchmarks.md).

Only loopback targets (127.0.0.0/8, ::1, localhost) are accepted: load is
never sent to another machine. --fake-telegram ADDR serves a fake Bot API on
ADDR for the run (start the bot with TELEGRAM_API_URL=http://ADDR/bot%s/%s);
the run then waits for the bot's /readyz and citizens press the buttons the
bot sent them. Exit 1 when any request failed.`

// loadtestCommand runs "vneidbot loadtest ...".
func loadtestCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "baseline" {
		return baselineCommand(ctx, cfg, args[1:], stdout, stderr)
	}
	fs := newFlags("loadtest", loadtestSynopsis, stdout)
	target := fs.String("target", "", "URL to drive (loopback only)")
	chats := fs.Int("chats", 50, fmt.Sprintf("simulated citizens at once (1-%d)", loadtest.MaxChats))
	duration := fs.Duration("duration", 10*time.Second, "how long to send (at most "+loadtest.MaxDuration.String()+")")
	requests := fs.Int64("requests", 0, "stop after this many requests in all (0: only --duration bounds the run)")
	asJSON := fs.Bool("json", false, `print {"sent","ok","errors","rps","p50_ms","p95_ms","p99_ms"}`)
	secret := fs.String("secret", "", "X-Telegram-Bot-Api-Secret-Token for /webhook/telegram (default: TELEGRAM_WEBHOOK_SECRET)")
	fakeTG := fs.String("fake-telegram", "", "serve a fake Telegram Bot API on this loopback host:port during the run")
	readyWait := fs.Duration("wait-ready", time.Minute, "with --fake-telegram: how long to wait for the bot's /readyz")
	seed := fs.Uint64("seed", 0, "seed of the citizens' choices (0: from the clock)")
	rate := fs.Float64("rate", 0, fmt.Sprintf("open loop: mean arrivals per second, Poisson (0: closed loop; at most %d)", loadtest.MaxRate))
	timeout := fs.Duration("timeout", 0, "timeout of one request (default 30s; 10s with --rate)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("loadtest: unexpected argument %q", fs.Arg(0))}
	}
	if *target == "" {
		return usageError{"loadtest: --target is required, e.g. --target http://127.0.0.1:8080/api/chat"}
	}
	u, mode, err := loadtest.ParseTarget(*target)
	if err != nil {
		return usageError{err.Error()}
	}
	if *secret == "" {
		*secret = cfg.TelegramWebhookSecret
	}
	if mode == loadtest.ModeTelegram && *secret == "" {
		return usageError{"loadtest: the Telegram webhook needs --secret (or TELEGRAM_WEBHOOK_SECRET)"}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	o := loadtest.Options{Target: *target, Chats: *chats, Duration: *duration, Requests: *requests, Secret: *secret, Seed: *seed, Rate: *rate, Timeout: *timeout}
	if *rate > 0 {
		if o.Timeout == 0 {
			o.Timeout = 10 * time.Second
		}
		if mode != loadtest.ModeHealth {
			o.HealthURL = baseURL(u) + "/healthz"
		}
	}
	if *fakeTG != "" {
		fake, closeFake, err := serveFakeTelegram(*fakeTG)
		if err != nil {
			return err
		}
		defer closeFake()
		o.Telegram = fake
		fmt.Fprintf(stderr, "loadtest: fake Telegram Bot API on http://%s/bot%%s/%%s; waiting for the bot to be ready\n", *fakeTG)
		if err := waitReady(ctx, u, *readyWait); err != nil {
			return err
		}
	}
	res, err := loadtest.Run(ctx, o)
	if err != nil {
		return usageError{err.Error()}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		loadtest.Report(stdout, res)
	}
	if res.Errors > 0 {
		return errSilent
	}
	return nil
}

// serveFakeTelegram serves a loadtest.FakeTelegram on addr, a loopback address.
func serveFakeTelegram(addr string) (*loadtest.FakeTelegram, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !loadtest.LoopbackHost(host) {
		return nil, nil, usageError{fmt.Sprintf("loadtest: --fake-telegram %q must be a loopback host:port such as 127.0.0.1:18081", addr)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: fake Telegram: %w", err)
	}
	fake := loadtest.NewFakeTelegram()
	srv := &http.Server{Handler: fake, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return fake, func() { srv.Close() }, nil
}

// baseURL is the bot's base URL from a target URL.
func baseURL(target *url.URL) string {
	base := target.String()
	if i := strings.LastIndex(base, "/webhook/"); i >= 0 {
		base = base[:i]
	} else if i := strings.LastIndex(base, "/api/chat"); i >= 0 {
		base = base[:i]
	}
	return base
}

// waitReady polls the target's /readyz until it answers 200.
func waitReady(ctx context.Context, target *url.URL, within time.Duration) error {
	base := baseURL(target)
	client := loadtest.NewClient(1, 2*time.Second)
	deadline := time.Now().Add(within)
	var last error
	for time.Now().Before(deadline) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/readyz answered %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return errors.Join(fmt.Errorf("loadtest: the bot was not ready within %s", within), last)
}

const baselineSynopsis = `loadtest baseline [--addr 127.0.0.1:8090]

Serves the minimal web chat the bot is measured against (issue 13): per
POST /api/chat it decodes the JSON, loads the session and the dedup mark in
one pipelined round trip, saves a 512-byte session and the mark with one
Lua script, and answers a fixed 1.2 KiB JSON reply; it issues the same
conversation cookie as the bot and answers GET /healthz. It uses REDIS_URL
(keys under "vneid-baseline:"), and has no admission control. Drive it with
"vneidbot loadtest --target http://127.0.0.1:8090"; stop it with Ctrl-C.`

// baselineCommand runs "vneidbot loadtest baseline".
func baselineCommand(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest baseline", baselineSynopsis, stdout)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address (loopback only)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !loadtest.LoopbackHost(host) {
		return usageError{fmt.Sprintf("loadtest baseline: --addr %q must be a loopback host:port such as 127.0.0.1:8090", *addr)}
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL, Prefix: "vneid-baseline"})
	if err != nil {
		return fmt.Errorf("loadtest baseline: %w", err)
	}
	defer st.Close()
	b := baseline.New(st.Client(), st.Key())
	if err := b.Load(ctx); err != nil {
		return fmt.Errorf("loadtest baseline: load script: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("loadtest baseline: %w", err)
	}
	srv := &http.Server{Handler: b, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 60 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	fmt.Fprintf(stderr, "loadtest baseline: serving on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
