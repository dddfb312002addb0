package loadtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/loadtest"
)

// cookieBot issues a conversation cookie to a request without one, as the
// web chat does, and checks that each later request carries the cookie of
// the citizen (user field) it was issued to.
type cookieBot struct {
	mu      sync.Mutex
	owner   map[string]string // cookie value → user
	issued  atomic.Int64
	wrong   atomic.Int64 // a cookie sent by another citizen than its owner
	missing atomic.Int64 // a non-start request without a cookie
}

func (b *cookieBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
		return
	}
	user, _ := req["user"].(string)
	_, start := req["start"]
	ck, err := r.Cookie(loadtest.ChatCookie)
	b.mu.Lock()
	switch {
	case err == nil:
		if b.owner[ck.Value] != user {
			b.wrong.Add(1)
		}
	case !start:
		b.missing.Add(1)
	default:
		v := "c" + strconv.FormatInt(b.issued.Add(1), 10)
		b.owner[v] = user
		http.SetCookie(w, &http.Cookie{Name: loadtest.ChatCookie, Value: v, HttpOnly: true, Path: "/"})
	}
	b.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"replies":[{"text":"Bước 1","buttons":[[{"label":"Xong","payload":"c:install:s1:done","number":1}]]}]}`)
}

func TestCitizensKeepTheirOwnCookie(t *testing.T) {
	for _, rate := range []float64{0, 400} {
		bot := &cookieBot{owner: map[string]string{}}
		srv := httptest.NewServer(bot)
		chats := 8 // a closed loop of 8 citizens; in an open loop, up to 200 requests in flight
		if rate > 0 {
			chats = 200
		}
		res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL, Chats: chats, Duration: 2 * time.Second, Requests: 300, Seed: 3, Rate: rate})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.OK != res.Sent || res.Errors != 0 {
			t.Fatalf("rate %v: sent %d ok %d errors %d %v", rate, res.Sent, res.OK, res.Errors, res.ErrorKinds)
		}
		if bot.issued.Load() < 8 || bot.wrong.Load() != 0 || bot.missing.Load() != 0 {
			t.Fatalf("rate %v: %d cookies issued, %d sent by another citizen, %d requests after start without one",
				rate, bot.issued.Load(), bot.wrong.Load(), bot.missing.Load())
		}
	}
}

// An open loop sends at the rate asked, whatever the answers take.
func TestOpenLoopKeepsTheRate(t *testing.T) {
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		time.Sleep(50 * time.Millisecond) // a closed loop of 4 would manage 80/s
		io.WriteString(w, "ok\n")
	}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL + "/healthz", Chats: 200, Duration: 2 * time.Second, Rate: 300, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	// 600 expected arrivals; Poisson's standard deviation is about 25
	if res.Sent < 480 || res.Sent > 720 || res.Offered < 240 || res.Offered > 360 {
		t.Fatalf("sent %d, offered %.1f/s: want about 600 and 300/s", res.Sent, res.Offered)
	}
	if res.OK != res.Sent || got.Load() != res.Sent || res.P50 < 50 {
		t.Fatalf("ok %d of %d, server saw %d, p50 %.1f ms (≥ 50)", res.OK, res.Sent, got.Load(), res.P50)
	}
}

// Refusals (503 + Retry-After) are told apart from other errors, with
// their latency, and the health probe runs alongside.
func TestOpenLoopClassifiesRefusals(t *testing.T) {
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/chat", func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) % 3 {
		case 0:
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
		case 1:
			http.Error(w, `{"error":"down"}`, http.StatusServiceUnavailable)
		default:
			io.WriteString(w, `{"replies":[{"text":"ok"}]}`)
		}
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Options{Target: srv.URL, Chats: 1000, Duration: time.Second, Rate: 300, HealthURL: srv.URL + "/healthz"})
	if err != nil {
		t.Fatal(err)
	}
	refused := res.ErrorKinds["refused (503 + Retry-After)"]
	// on a busy machine some arrivals may find 1000 requests in flight
	others := res.ErrorKinds["status 503"] + res.ErrorKinds["generator cap (requests in flight)"]
	if refused == 0 || refused != res.Refused || res.ErrorKinds["status 503"] == 0 || res.Errors != refused+others {
		t.Fatalf("errors %d: kinds %v, refused %d", res.Errors, res.ErrorKinds, res.Refused)
	}
	if res.RefusedP99 <= 0 || res.RefusedMax < res.RefusedP99 {
		t.Fatalf("refusal latency p99 %v max %v", res.RefusedP99, res.RefusedMax)
	}
	if h := res.Health; h == nil || h.Probes < 5 || h.Failed != 0 {
		t.Fatalf("health probes %+v: want about 10, none failed", h)
	}
}

func TestRateBounds(t *testing.T) {
	for _, rate := range []float64{-1, loadtest.MaxRate + 1} {
		if _, err := loadtest.Run(context.Background(), loadtest.Options{Target: "http://127.0.0.1:1", Chats: 1, Duration: time.Second, Rate: rate}); err == nil {
			t.Errorf("rate %v accepted", rate)
		}
	}
}
