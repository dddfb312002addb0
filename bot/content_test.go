package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/content/contenttest"
)

// switchWithin is how quickly the issue promises that content switches.
const switchWithin = 5 * time.Second

// syncBuffer collects a log written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond every 20 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// TestTwoServingReplicasFollowPublishAndRollback runs two whole bots on one
// Redis, publishes and rolls back with the command line, and asks both bots
// through the web chat API after each step.
func TestTwoServingReplicasFollowPublishAndRollback(t *testing.T) {
	m := miniredis.RunT(t)
	redisURL := "redis://" + m.Addr() + "/0"
	var bases, metrics []string
	for i := 0; i < 2; i++ {
		addr, maddr := freeAddr(t), freeAddr(t)
		metrics = append(metrics, "http://"+maddr)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan int)
		go func() {
			done <- run(ctx, []string{"serve"}, nil, io.Discard, io.Discard, env("VNEIDBOT_ADDR", addr, "METRICS_ADDR", maddr, "REDIS_URL", redisURL))
		}()
		t.Cleanup(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(12 * time.Second):
				t.Error("serve did not stop")
			}
		})
		base := "http://" + addr
		eventually(t, 5*time.Second, "replica up", func() bool {
			res, err := http.Get(base + "/readyz")
			if err == nil {
				res.Body.Close()
			}
			return err == nil && res.StatusCode == 200
		})
		bases = append(bases, base)
	}
	n := 0
	chat := func(base string) string {
		n++
		body := fmt.Sprintf(`{"user":"u%d","text":"câu hỏi một"}`, n)
		res, err := http.Post(base+"/api/chat", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Replies []struct{ Text string } }
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, r := range out.Replies {
			texts = append(texts, r.Text)
		}
		return strings.Join(texts, "\n")
	}
	bothAnswer := func(want string) {
		t.Helper()
		for i, base := range bases {
			eventually(t, switchWithin, fmt.Sprintf("replica %d answers %q", i+1, want), func() bool {
				return strings.Contains(chat(base), want)
			})
		}
	}
	getenv := env("REDIS_URL", redisURL)
	dir := contenttest.Folder(t)
	if code, out, errOut := runCmd(t, getenv, "content", "publish", dir); code != 0 {
		t.Fatalf("publish: %s %s", out, errOut)
	}
	bothAnswer("Trả lời một")
	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời bản hai")
	if code, out, errOut := runCmd(t, getenv, "content", "publish", dir); code != 0 {
		t.Fatalf("publish: %s %s", out, errOut)
	}
	bothAnswer("Trả lời bản hai")
	if code, out, errOut := runCmd(t, getenv, "content", "rollback", "1"); code != 0 {
		t.Fatalf("rollback: %s %s", out, errOut)
	}
	bothAnswer("Trả lời một")
	for _, base := range metrics {
		res, err := http.Get(base + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), "\nvneidbot_content_version 1\n") || !strings.Contains(string(b), `vneidbot_content_reloads_total{source="published"} 3`) {
			t.Errorf("%s/metrics lacks the content version and switches", base)
		}
		res, err = http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), "content: ok") {
			t.Errorf("/readyz: %d %s", res.StatusCode, b)
		}
	}
}
