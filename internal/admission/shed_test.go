package admission_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/admission"
)

// shedServer serves a mux behind the gate's listener and counts the
// requests that reach net/http's handler.
type shedServer struct {
	addr    string
	handled atomic.Int64
}

func startShedServer(t *testing.T, g *admission.Gate, o admission.ShedOptions) *shedServer {
	t.Helper()
	s := &shedServer{}
	mux := http.NewServeMux()
	mux.Handle("POST /api/chat", g.Middleware("web", 64<<10, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "answered %d bytes", len(b))
	})))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln = g.Listener(ln, []admission.ShedRoute{{Method: "POST", Path: "/api/chat", Channel: "web", Refuse: g.RefusePlain}}, o)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.handled.Add(1)
			mux.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.addr = ln.Addr().String()
	return s
}

// client is one keep-alive connection that writes raw bytes and reads
// answers in order.
type client struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return &client{t: t, conn: c, br: bufio.NewReader(c)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatal(err)
	}
}

// answer reads the next response and returns its status, Retry-After and body.
func (c *client) answer() (int, string, string) {
	c.t.Helper()
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.t.Fatalf("read answer: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("read answer's body: %v", err)
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

func chatPost(body string) string {
	return fmt.Sprintf("POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}

const healthz = "GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n"

func shedOpts() admission.ShedOptions {
	return admission.ShedOptions{IdleTimeout: 5 * time.Second, ReadHeaderTimeout: 5 * time.Second}
}

// TestShedRefusesBelowNetHTTPWhileFull: with the gate full, requests for a
// shed route are answered 503 with Retry-After without reaching net/http,
// and the other routes are served.
func TestShedRefusesBelowNetHTTPWhileFull(t *testing.T) {
	g := admission.New(1, admission.Options{})
	s := startShedServer(t, g, shedOpts())
	c := dial(t, s.addr)

	c.send(chatPost(`{"text":"xin chao"}`))
	if st, _, body := c.answer(); st != 200 || body != "answered 19 bytes" {
		t.Fatalf("with room: %d %q, want 200 answered", st, body)
	}
	if !g.Admit(context.Background(), "test") {
		t.Fatal("gate refused its only slot")
	}
	// Pipelined, in one write: three refusals and a health check. On a
	// connection of their own: net/http writes an answer before it calls
	// off its one-byte read of the connection (finishRequest), so bytes
	// sent straight after an answer on the same connection may reach that
	// read first, and the requests are then net/http's to refuse.
	c = dial(t, s.addr)
	c.send(chatPost(`{"text":"a"}`) + chatPost(`{"text":"b"}`) + chatPost(`{"text":"c"}`) + healthz)
	for i := range 3 {
		st, retry, body := c.answer()
		if st != 503 || retry != "1" || body != "busy, retry later\n" {
			t.Fatalf("request %d while full: %d Retry-After %q %q; want 503, 1, busy", i, st, retry, body)
		}
	}
	if st, _, body := c.answer(); st != 200 || body != "ok\n" {
		t.Fatalf("healthz while full: %d %q", st, body)
	}
	if n := s.handled.Load(); n != 2 {
		t.Fatalf("net/http handled %d requests, want 2 (the first chat and healthz)", n)
	}
	if g.Refused() != 3 {
		t.Fatalf("gate counted %d refusals, want 3", g.Refused())
	}
	g.Release()
	c.send(chatPost(`{"text":"again"}`))
	if st, _, _ := c.answer(); st != 200 {
		t.Fatalf("after release: %d, want 200", st)
	}
}

// TestShedRefusalStartsASurge: a refusal written by the listener, like one
// by Admit, leaves only the surge workers running.
func TestShedRefusalStartsASurge(t *testing.T) {
	g := admission.New(2, admission.Options{Workers: 2, SurgeWorkers: 1, SurgeWindow: time.Minute})
	s := startShedServer(t, g, shedOpts())
	for range 2 {
		if !g.Admit(context.Background(), "test") {
			t.Fatal("gate refused a free slot")
		}
	}
	c := dial(t, s.addr)
	c.send(chatPost(`{"text":"a"}`))
	if st, _, _ := c.answer(); st != 503 || s.handled.Load() != 0 {
		t.Fatalf("while full: %d, %d handled by net/http; want 503 from the listener", st, s.handled.Load())
	}
	g.Release()
	// One slot is free below the limit, but its worker is held: only one
	// update runs during a surge.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if g.Admit(ctx, "test") {
		t.Fatal("a second update ran during the surge; want the 1 surge worker only")
	}
	if g.Running() != 1 {
		t.Fatalf("running %d, want 1", g.Running())
	}
}

// TestShedRefusalMatchesTheHandlers: the bytes written below net/http say
// what the handler's own refusal says.
func TestShedRefusalMatchesTheHandlers(t *testing.T) {
	g := admission.New(1, admission.Options{RetryAfter: 3 * time.Second})
	s := startShedServer(t, g, shedOpts())
	g.Admit(context.Background(), "test")

	below := dial(t, s.addr)
	below.send(chatPost(`{}`))
	resp1, err := http.ReadResponse(below.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A head split across two writes reaches net/http, whose handler refuses.
	through := dial(t, s.addr)
	through.send("POST /api/chat HTTP/1.1\r\nHost: bot\r\n")
	time.Sleep(50 * time.Millisecond)
	through.send("Content-Length: 2\r\n\r\n{}")
	resp2, err := http.ReadResponse(through.br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.handled.Load() != 1 {
		t.Fatalf("net/http handled %d, want 1 (the split request)", s.handled.Load())
	}
	b1, _ := io.ReadAll(resp1.Body)
	b2, _ := io.ReadAll(resp2.Body)
	if resp1.StatusCode != resp2.StatusCode || string(b1) != string(b2) {
		t.Fatalf("below: %d %q; through net/http: %d %q", resp1.StatusCode, b1, resp2.StatusCode, b2)
	}
	for _, k := range []string{"Retry-After", "Content-Type", "X-Content-Type-Options", "Content-Length"} {
		if resp1.Header.Get(k) != resp2.Header.Get(k) {
			t.Errorf("%s: below %q, through net/http %q", k, resp1.Header.Get(k), resp2.Header.Get(k))
		}
	}
	if resp1.Header.Get("Retry-After") != "3" {
		t.Errorf("Retry-After %q, want 3", resp1.Header.Get("Retry-After"))
	}
}

// TestShedReadsALongBodyBeforeTheNextRequest: a body longer than one read,
// sent after a pause, is skipped whole, and the request behind it answered.
func TestShedReadsALongBodyBeforeTheNextRequest(t *testing.T) {
	g := admission.New(1, admission.Options{})
	s := startShedServer(t, g, shedOpts())
	g.Admit(context.Background(), "test")
	c := dial(t, s.addr)
	body := strings.Repeat("x", 20_000)
	req := chatPost(body)
	c.send(req[:300])
	time.Sleep(20 * time.Millisecond)
	c.send(req[300:] + healthz)
	if st, _, _ := c.answer(); st != 503 {
		t.Fatalf("long body: %d, want 503", st)
	}
	if st, _, body := c.answer(); st != 200 || body != "ok\n" {
		t.Fatalf("the request after it: %d %q", st, body)
	}
	if s.handled.Load() != 1 {
		t.Fatalf("net/http handled %d, want 1 (healthz)", s.handled.Load())
	}
}

// TestShedHandsOddFramingToNetHTTP: after a request whose framing is not
// plain Content-Length, the connection is net/http's for good.
func TestShedHandsOddFramingToNetHTTP(t *testing.T) {
	cases := map[string]string{
		"chunked":      "POST /api/chat HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
		"two lengths":  "POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
		"expect":       "POST /api/chat HTTP/1.1\r\nHost: bot\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
		"bare LF":      "POST /api/chat HTTP/1.1\nHost: bot\nContent-Length: 2\n\n{}",
		"folded line":  "POST /api/chat HTTP/1.1\r\nHost: bot\r\nX-A: 1\r\n  2\r\nContent-Length: 2\r\n\r\n{}",
		"space before": "POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Length : 2\r\n\r\n{}",
	}
	for name, first := range cases {
		t.Run(name, func(t *testing.T) {
			g := admission.New(1, admission.Options{})
			s := startShedServer(t, g, shedOpts())
			g.Admit(context.Background(), "test")
			c := dial(t, s.addr)
			c.send(first)
			resp, err := http.ReadResponse(c.br, nil)
			for err == nil && resp.StatusCode == http.StatusContinue {
				// The body is read before admission, so net/http asks
				// for it first.
				resp, err = http.ReadResponse(c.br, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 503 && resp.StatusCode != 400 && resp.StatusCode != 417 {
				t.Fatalf("odd request answered %d", resp.StatusCode)
			}
			handled := s.handled.Load()
			if resp.StatusCode == 503 && handled != 1 {
				t.Fatalf("odd request refused below net/http (handled %d)", handled)
			}
			if resp.Close || resp.StatusCode == 400 {
				return // net/http closed the connection
			}
			// The next plain request on the connection goes to net/http too.
			c.send(chatPost(`{}`))
			if st, _, _ := c.answer(); st != 503 {
				t.Fatalf("next request %d, want 503", st)
			}
			if s.handled.Load() != handled+1 {
				t.Fatal("a request after odd framing did not reach net/http")
			}
		})
	}
}

// TestShedKeepsTheIdleTimeout: a connection whose requests were all refused
// is closed after the idle timeout, as net/http closes an idle one.
func TestShedKeepsTheIdleTimeout(t *testing.T) {
	g := admission.New(1, admission.Options{})
	s := startShedServer(t, g, admission.ShedOptions{IdleTimeout: 200 * time.Millisecond, ReadHeaderTimeout: time.Second})
	g.Admit(context.Background(), "test")
	c := dial(t, s.addr)
	c.send(chatPost(`{}`))
	if st, _, _ := c.answer(); st != 503 {
		t.Fatalf("%d, want 503", st)
	}
	start := time.Now()
	if _, err := c.br.ReadByte(); err == nil {
		t.Fatal("the server wrote more after the refusal")
	}
	if waited := time.Since(start); waited > 3*time.Second {
		t.Fatalf("idle connection kept %v, want about 200ms", waited)
	}
}

// TestSlowBodiesHoldNoSlot: clients that send their bodies a byte at a
// time hold no slot while they do, so a whole request is still admitted
// (security probe, 2026-12-05: 40 such connections had kept the chat
// waiting 15 s, and 530 had refused everybody).
func TestSlowBodiesHoldNoSlot(t *testing.T) {
	g := admission.New(1, admission.Options{})
	s := startShedServer(t, g, shedOpts())
	var slow []*client
	for range 3 {
		c := dial(t, s.addr)
		c.send("POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		slow = append(slow, c)
	}
	time.Sleep(50 * time.Millisecond) // the slow requests reach their handlers
	if n := g.InFlight(); n != 0 {
		t.Fatalf("%d slots held by bodies still being sent", n)
	}
	c := dial(t, s.addr)
	c.send(chatPost(`{"text":"hi"}`))
	if st, _, body := c.answer(); st != 200 || body != "answered 13 bytes" {
		t.Fatalf("a whole request beside slow ones: %d %q, want 200", st, body)
	}
	for _, sc := range slow {
		rest := `"text":"late"}`
		sc.send(rest + strings.Repeat(" ", 100-1-len(rest)))
		if st, _, body := sc.answer(); st != 200 || body != "answered 100 bytes" {
			t.Fatalf("a slow request, once whole: %d %q, want 200", st, body)
		}
	}
}
