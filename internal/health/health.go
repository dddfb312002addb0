// Package health is the bot's health probe: "vneidbot health" asks a
// running bot for /healthz or /readyz, for container images without curl.
package health

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/vneid-guide/vneidbot/internal/cli"
)

// Command runs "vneidbot health [--ready]": it asks the bot listening on
// addr (VNEIDBOT_ADDR) for /healthz (or /readyz) and succeeds when it
// answers 200. Container images without curl use it as their healthcheck.
func Command(ctx context.Context, addr string, args []string, stdout io.Writer) error {
	fs := cli.NewFlags("health", "health [--ready]\n\nAsks the bot on VNEIDBOT_ADDR for /healthz (or /readyz with --ready); exits 0 when it answers 200.", stdout)
	ready := fs.Bool("ready", false, "check /readyz (content and Redis) instead of /healthz")
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	path := "/healthz"
	if *ready {
		path = "/readyz"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+net.JoinHostPort(host, port)+path, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	fmt.Fprint(stdout, string(body))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", path, res.Status)
	}
	return nil
}
