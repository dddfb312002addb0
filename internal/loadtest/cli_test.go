package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/loadtest"
)

// runCmd runs "vneidbot loadtest ARGS" with no TELEGRAM_WEBHOOK_SECRET:
// the exit code, stdout and stderr.
func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := loadtest.Command(context.Background(), "", args, &out, &errOut)
	return cli.Exit(err, &errOut), out.String(), errOut.String()
}

func TestLoadtestRefusesRemoteTargets(t *testing.T) {
	for _, target := range []string{"http://10.1.2.3:8080/api/chat", "http://example.org/healthz", "https://203.0.113.9/webhook/telegram"} {
		code, _, stderr := runCmd(t, "--target", target, "--chats", "1", "--duration", "1s")
		if code != 2 || !strings.Contains(stderr, "loopback") {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming loopback", target, code, stderr)
		}
	}
	if code, _, _ := runCmd(t); code != 2 {
		t.Errorf("no --target: exit %d, want 2", code)
	}
	if code, _, stderr := runCmd(t, "--target", "http://127.0.0.1:1/webhook/telegram"); code != 2 || !strings.Contains(stderr, "secret") {
		t.Errorf("telegram without a secret: exit %d, stderr %q", code, stderr)
	}
}

func TestLoadtestJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
	defer srv.Close()
	code, out, stderr := runCmd(t, "--json", "--target", srv.URL+"/healthz", "--chats", "2", "--duration", "2s", "--requests", "20")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m map[string]float64
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if len(m) != 7 || m["sent"] != 20 || m["ok"] != 20 || m["errors"] != 0 {
		t.Errorf("got %v", m)
	}
	for _, k := range []string{"rps", "p50_ms", "p95_ms", "p99_ms"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %v", k, m)
		}
	}
}

// A failed request makes the exit 1 (after the report), so that a health
// check or a CI step can rely on it.
func TestLoadtestFailsOnErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	code, out, _ := runCmd(t, "--target", srv.URL+"/healthz", "--chats", "1", "--requests", "1", "--duration", "5s")
	if code != 1 || !strings.Contains(out, "errors    1") {
		t.Errorf("exit %d, output %q; want exit 1 and the report", code, out)
	}
}
