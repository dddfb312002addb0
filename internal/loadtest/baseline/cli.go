package baseline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/loadtest"
	"github.com/vneid-guide/vneidbot/internal/store"
)

const baselineSynopsis = `loadtest baseline [--addr 127.0.0.1:8090]

Serves the minimal web chat the bot is measured against (issue 13): per
POST /api/chat it decodes the JSON, loads the session and the dedup mark in
one pipelined round trip, saves a 512-byte session and the mark with one
Lua script, and answers a fixed 1.2 KiB JSON reply; it issues the same
conversation cookie as the bot and answers GET /healthz. It uses REDIS_URL
(keys under "vneid-baseline:"), and has no admission control. Drive it with
"vneidbot loadtest --target http://127.0.0.1:8090"; stop it with Ctrl-C.`

// Command runs "vneidbot loadtest baseline": it serves the baseline on
// REDIS_URL redisURL until SIGINT or SIGTERM.
func Command(ctx context.Context, redisURL string, args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlags("loadtest baseline", baselineSynopsis, stdout)
	addr := fs.String("addr", "127.0.0.1:8090", "listen address (loopback only)")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !loadtest.LoopbackHost(host) {
		return cli.Usagef("loadtest baseline: --addr %q must be a loopback host:port such as 127.0.0.1:8090", *addr)
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := store.Open(ctx, store.Options{URL: redisURL, Prefix: "vneid-baseline"})
	if err != nil {
		return fmt.Errorf("loadtest baseline: %w", err)
	}
	defer st.Close()
	b := New(st.Client(), st.Key())
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
