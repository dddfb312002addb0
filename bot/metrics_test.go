package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port free at the time.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestMetricsOnlyOnMetricsListener: the public listener has no /metrics
// and a /readyz without detail; METRICS_ADDR has both, in full.
func TestMetricsOnlyOnMetricsListener(t *testing.T) {
	addr, maddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"serve"}, nil, io.Discard, io.Discard, env("VNEIDBOT_ADDR", addr, "METRICS_ADDR", maddr))
	}()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(12 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	public, private := "http://"+addr, "http://"+maddr
	eventually(t, 10*time.Second, "both listeners up", func() bool {
		for _, u := range []string{public + "/healthz", private + "/healthz"} {
			res, err := http.Get(u)
			if err != nil {
				return false
			}
			res.Body.Close()
		}
		return true
	})

	if code, body := get(t, public+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "go_info") {
		t.Errorf("public /metrics: %d %.80q, want 404", code, body)
	}
	if code, body := get(t, public+"/readyz"); code != http.StatusOK || body != "ready\n" {
		t.Errorf("public /readyz: %d %q, want 200 and only \"ready\"", code, body)
	}
	if code, body := get(t, private+"/metrics"); code != http.StatusOK || !strings.Contains(body, "go_info") {
		t.Errorf("metrics listener /metrics: %d", code)
	}
	if code, body := get(t, private+"/readyz"); code != http.StatusOK || !strings.Contains(body, "redis: ok") || !strings.Contains(body, "content: ok") {
		t.Errorf("metrics listener /readyz: %d %q, want the detail", code, body)
	}
	if code, _ := get(t, private+"/"); code != http.StatusNotFound {
		t.Errorf("metrics listener serves the chat page: %d", code)
	}
}
