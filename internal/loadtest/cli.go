package loadtest

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

	"github.com/vneid-guide/vneidbot/internal/cli"
)

const loadtestSynopsis = `loadtest --target URL --chats N --duration D [--rate R [--wire]] [--json] [--secret S] [--requests N] [--fake-telegram ADDR]

Drives a running bot with N simulated citizens, each waiting for its answer
before it sends again (start, press the buttons it is shown, type their
numbers, ask FAQ questions), and prints sent, ok, errors, requests/s and
latency percentiles. Each citizen keeps the conversation cookie the web
chat issues, as a browser does.

With --rate R the run is an open loop instead: requests arrive R times a
second on average with Poisson gaps, answered or not (--chats then bounds
the requests in flight), latency counts from each scheduled arrival, and
the report adds goodput, refusals (503 + Retry-After) with their latency,
timeouts, and how /healthz answered during the run. --wire sends that open
loop over plain keep-alive connections (a new one when none is idle, up to
--chats) with a minimal HTTP/1.1 client, each request a new web chat
conversation (as wrk with bench/wrk-chat.lua), so that one core can offer
twice the bot's capacity; the report then also times each refusal from its
write to its answer's arrival (on Linux the kernel's receive time, so that
the generator's own scheduling delays are not counted against the server).

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

// Command runs "vneidbot loadtest ..."; webhookSecret
// (TELEGRAM_WEBHOOK_SECRET) is the default of --secret.
func Command(ctx context.Context, webhookSecret string, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlags("loadtest", loadtestSynopsis, stdout)
	target := fs.String("target", "", "URL to drive (loopback only)")
	chats := fs.Int("chats", 50, fmt.Sprintf("simulated citizens at once (1-%d)", MaxChats))
	duration := fs.Duration("duration", 10*time.Second, "how long to send (at most "+MaxDuration.String()+")")
	requests := fs.Int64("requests", 0, "stop after this many requests in all (0: only --duration bounds the run)")
	asJSON := fs.Bool("json", false, `print {"sent","ok","errors","rps","p50_ms","p95_ms","p99_ms"}`)
	secret := fs.String("secret", "", "X-Telegram-Bot-Api-Secret-Token for /webhook/telegram (default: TELEGRAM_WEBHOOK_SECRET)")
	fakeTG := fs.String("fake-telegram", "", "serve a fake Telegram Bot API on this loopback host:port during the run")
	readyWait := fs.Duration("wait-ready", time.Minute, "with --fake-telegram: how long to wait for the bot's /readyz")
	seed := fs.Uint64("seed", 0, "seed of the citizens' choices (0: from the clock)")
	rate := fs.Float64("rate", 0, fmt.Sprintf("open loop: mean arrivals per second, Poisson (0: closed loop; at most %d)", MaxRate))
	wire := fs.Bool("wire", false, "with --rate: send over plain connections with a minimal HTTP/1.1 client, every request a new web chat conversation (one core can offer far more)")
	timeout := fs.Duration("timeout", 0, "timeout of one request (default 30s; 10s with --rate)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return cli.Usagef("loadtest: unexpected argument %q", fs.Arg(0))
	}
	if *target == "" {
		return cli.UsageError{Msg: "loadtest: --target is required, e.g. --target http://127.0.0.1:8080/api/chat"}
	}
	u, mode, err := ParseTarget(*target)
	if err != nil {
		return cli.UsageError{Msg: err.Error()}
	}
	if *secret == "" {
		*secret = webhookSecret
	}
	if mode == ModeTelegram && *secret == "" {
		return cli.UsageError{Msg: "loadtest: the Telegram webhook needs --secret (or TELEGRAM_WEBHOOK_SECRET)"}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	ro := Options{Target: *target, Chats: *chats, Duration: *duration, Requests: *requests, Secret: *secret, Seed: *seed, Rate: *rate, Timeout: *timeout, Wire: *wire}
	if *rate > 0 {
		if ro.Timeout == 0 {
			ro.Timeout = 10 * time.Second
		}
		if mode != ModeHealth {
			ro.HealthURL = baseURL(u) + "/healthz"
		}
	}
	if *fakeTG != "" {
		fake, closeFake, err := serveFakeTelegram(*fakeTG)
		if err != nil {
			return err
		}
		defer closeFake()
		ro.Telegram = fake
		fmt.Fprintf(stderr, "loadtest: fake Telegram Bot API on http://%s/bot%%s/%%s; waiting for the bot to be ready\n", *fakeTG)
		if err := waitReady(ctx, u, *readyWait); err != nil {
			return err
		}
	}
	res, err := Run(ctx, ro)
	if err != nil {
		return cli.UsageError{Msg: err.Error()}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		Report(stdout, res)
	}
	if res.Errors > 0 {
		return cli.ErrSilent
	}
	return nil
}

// serveFakeTelegram serves a FakeTelegram on addr, a loopback address.
func serveFakeTelegram(addr string) (*FakeTelegram, func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || !LoopbackHost(host) {
		return nil, nil, cli.Usagef("loadtest: --fake-telegram %q must be a loopback host:port such as 127.0.0.1:18081", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("loadtest: fake Telegram: %w", err)
	}
	fake := NewFakeTelegram()
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
	client := NewClient(1, 2*time.Second)
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
