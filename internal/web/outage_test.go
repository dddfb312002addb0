package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/web"
)

// redisProcess is a redis-server of the test's own, so the test may kill it.
type redisProcess struct {
	dir, port string
	cmd       *exec.Cmd
}

func (r *redisProcess) start(t *testing.T) {
	t.Helper()
	// appendfsync always: data written before the kill survives it, as with
	// the AOF persistence the deploy files configure.
	r.cmd = exec.Command("redis-server", "--port", r.port, "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+r.port); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("redis-server did not start")
}

func (r *redisProcess) kill() {
	r.cmd.Process.Kill()
	r.cmd.Wait()
}

// TestRedisOutageLosesNothing runs citizens through the web chat while
// Redis is killed and restarted. Every message must be answered once it
// comes back (the page retries with the same message id), nothing may be
// applied twice, and the bot must recover without a restart.
func TestRedisOutageLosesNothing(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (CI installs it)")
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	rp := &redisProcess{dir: t.TempDir(), port: port}
	rp.start(t)
	defer rp.kill()

	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: "redis://127.0.0.1:" + port + "/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cat := contenttest.Builtin(t)
	eng, err := flows.New(cat, st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(web.NewHandler(eng, func() *content.Catalog { return cat }, slog.New(slog.DiscardHandler)))
	defer srv.Close()

	const chats, perChat = 8, 12
	var (
		mu        sync.Mutex
		unavail   int // 503 answers seen
		lastFail  time.Time
		firstOKAt = map[int]time.Time{}
	)
	// one browser (cookie jar) per chat: the server names the conversation
	clients := make([]*http.Client, chats)
	for c := range clients {
		jar, _ := cookiejar.New(nil)
		clients[c] = &http.Client{Jar: jar}
	}
	send := func(chat, n int) {
		body := fmt.Sprintf(`{"user":"c%d","id":"c%d-m%d","text":"menu"}`, chat, chat, n)
		for {
			res, err := clients[chat].Post(srv.URL, "application/json", bytes.NewBufferString(body))
			if err == nil {
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode == 200 {
					var r web.Response
					if json.Unmarshal(b, &r) != nil || len(r.Replies) == 0 {
						t.Errorf("chat %d message %d: empty answer %s", chat, n, b)
					}
					mu.Lock()
					if !lastFail.IsZero() && firstOKAt[0].IsZero() {
						firstOKAt[0] = time.Now()
					}
					mu.Unlock()
					return
				}
				if res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("status %d: %s", res.StatusCode, b)
					return
				}
				mu.Lock()
				unavail++
				lastFail = time.Now()
				mu.Unlock()
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	for c := range chats {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range perChat {
				send(c, n)
				time.Sleep(40 * time.Millisecond)
			}
		}()
	}
	time.Sleep(150 * time.Millisecond)
	rp.kill()
	down := time.Now()
	time.Sleep(2500 * time.Millisecond)
	rp.start(t)
	back := time.Now()
	wg.Wait()

	if unavail == 0 {
		t.Fatal("no request saw the outage; the test proves nothing")
	}
	if rec := firstOKAt[0].Sub(back); rec > 5*time.Second {
		t.Fatalf("first success %v after Redis came back, want within 5 s", rec)
	}
	for c := range chats {
		u, _ := url.Parse(srv.URL)
		var chat string
		for _, ck := range clients[c].Jar.Cookies(u) {
			if ck.Name == web.CookieName {
				chat, _, _ = strings.Cut(ck.Value, ".")
			}
		}
		if chat == "" {
			t.Fatalf("chat %d holds no chat cookie", c)
		}
		snap, err := st.LoadSession(ctx, "web:"+chat, "")
		if err != nil {
			t.Fatal(err)
		}
		var s flows.Session
		json.Unmarshal(snap.Data, &s)
		// The start turn of each chat is its first message; every message counts once.
		if s.Turns != perChat {
			t.Errorf("chat %d: session counted %d messages, want %d (lost or applied twice)", c, s.Turns, perChat)
		}
	}
	t.Logf("outage %v, %d answers were 503 during it, recovered %v after Redis returned",
		back.Sub(down).Round(time.Millisecond), unavail, firstOKAt[0].Sub(back).Round(time.Millisecond))
	_ = os.Remove(filepath.Join(rp.dir, "appendonly.aof"))
}
