package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoadtestRefusesRemoteTargets(t *testing.T) {
	for _, target := range []string{"http://10.1.2.3:8080/api/chat", "http://example.org/healthz", "https://203.0.113.9/webhook/telegram"} {
		code, _, stderr := runCmd(t, env(), "loadtest", "--target", target, "--chats", "1", "--duration", "1s")
		if code != exitUsage || !strings.Contains(stderr, "loopback") {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 naming loopback", target, code, stderr)
		}
	}
	if code, _, _ := runCmd(t, env(), "loadtest"); code != exitUsage {
		t.Errorf("no --target: exit %d, want 2", code)
	}
	if code, _, stderr := runCmd(t, env(), "loadtest", "--target", "http://127.0.0.1:1/webhook/telegram"); code != exitUsage || !strings.Contains(stderr, "secret") {
		t.Errorf("telegram without a secret: exit %d, stderr %q", code, stderr)
	}
}

func TestLoadtestJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
	defer srv.Close()
	code, out, stderr := runCmd(t, env(), "loadtest", "--json", "--target", srv.URL+"/healthz", "--chats", "2", "--duration", "2s", "--requests", "20")
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
	code, out, _ := runCmd(t, env(), "loadtest", "--target", srv.URL+"/healthz", "--chats", "1", "--requests", "1", "--duration", "5s")
	if code != 1 || !strings.Contains(out, "errors    1") {
		t.Errorf("exit %d, output %q; want exit 1 and the report", code, out)
	}
}
