package loadtest

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The wire open loop (Options.Wire): net/http's client costs the generator
// 30–50 µs a request, so one core could not offer twice the bot's capacity
// (docs/benchmarks.md, issue 13). Here arrivals are scheduled with
// exponential gaps (a Poisson process at Rate) and each is handed to an idle
// keep-alive connection, or to a new one when none is idle (up to Chats);
// the request is prepared bytes written straight to the connection, and the
// answer is read with net/http's response reader. Latency counts from the scheduled
// arrival. Every request is a new conversation, as with wrk and
// bench/wrk-chat.lua.

// wireTexts are the first messages the wire loop sends, in turn.
var wireTexts = []string{"ko nhan dc otp", "quen mat khau", "kich hoat tai khoan", "dang ky muc 2 o dau", "1", "2"}

// wireStats is what one connection measured.
type wireStats struct {
	lats, refused, lags []time.Duration
	refusedSent         []time.Duration // refusals from the moment the request was written
}

// wireArrival is one scheduled request.
type wireArrival struct {
	n         int
	scheduled time.Time
}

// wireLoop runs the wire open loop until deadline and returns the latencies
// of the OK requests.
func (r *runner) wireLoop(ctx context.Context, host, path string, start, deadline time.Time) []time.Duration {
	var (
		stats []*wireStats
		wg    sync.WaitGroup
		work  = make(chan wireArrival) // unbuffered: a send succeeds only when a connection is idle
	)
	rng := rand.New(rand.NewPCG(r.o.Seed, 0x5851f42d4c957f2d))
	mean := float64(time.Second) / r.o.Rate
	next := start
	for n := 0; ctx.Err() == nil; n++ {
		next = next.Add(time.Duration(rng.ExpFloat64() * mean))
		if !next.Before(deadline) {
			break
		}
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		if sent := r.sent.Load(); r.o.Requests > 0 && sent >= r.o.Requests {
			break
		}
		r.arrivals.Add(1)
		a := wireArrival{n, next}
		select {
		case work <- a:
		default:
			if len(stats) == r.o.Chats {
				r.fail(errGeneratorCap)
				continue
			}
			s := &wireStats{}
			stats = append(stats, s)
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r.wireConn(ctx, i, host, path, a, work, s)
			}(len(stats) - 1)
		}
		r.sent.Add(1)
	}
	close(work)
	wg.Wait()
	var lats []time.Duration
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range stats {
		lats = append(lats, s.lats...)
		r.refusedLats = append(r.refusedLats, s.refused...)
		r.refusedSent = append(r.refusedSent, s.refusedSent...)
		r.lags = append(r.lags, s.lags...)
	}
	return lats
}

// wireConn is one connection: it sends first, then every arrival it takes
// from work, one at a time.
func (r *runner) wireConn(ctx context.Context, i int, host, path string, first wireArrival, work <-chan wireArrival, s *wireStats) {
	dialer := net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	var (
		conn net.Conn
		br   *bufio.Reader
		req  = make([]byte, 0, 512)
	)
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for a, ok := first, true; ok; a, ok = <-work {
		sentAt := time.Now()
		s.lags = append(s.lags, sentAt.Sub(a.scheduled))
		if conn == nil {
			c, err := dialer.DialContext(ctx, "tcp", host)
			if err != nil {
				r.fail(err)
				continue
			}
			conn = stamped(c)
			br = bufio.NewReaderSize(conn, 8<<10)
		}
		req = appendWireRequest(req[:0], host, path, i, a.n)
		conn.SetDeadline(a.scheduled.Add(r.o.Timeout))
		status, retry, closing, writtenAt, err := writeAndRead(conn, br, req)
		d := time.Since(a.scheduled)
		if err != nil || closing {
			conn.Close()
			conn = nil
		}
		switch {
		case err != nil:
			r.fail(err)
		case status == 503 && retry:
			s.refused = append(s.refused, d)
			s.refusedSent = append(s.refusedSent, answeredSince(conn, writtenAt))
			r.fail(errRefused)
		case status/100 != 2:
			r.fail(statusError(status))
		default:
			s.lats = append(s.lats, d)
			r.ok.Add(1)
		}
	}
}

// answeredSince is how long after written the answer just read reached
// this machine: by the kernel's arrival time where the connection has it,
// else until now.
func answeredSince(conn net.Conn, written time.Time) time.Duration {
	if at, ok := arrival(conn); ok {
		return at.Sub(written.Round(0)) // wall clock: the kernel's time has no monotonic reading
	}
	return time.Since(written)
}

// appendWireRequest appends a web chat request from a new citizen.
func appendWireRequest(b []byte, host, path string, conn, n int) []byte {
	var body [160]byte
	bd := append(body[:0], `{"user":"w`...)
	bd = strconv.AppendInt(bd, int64(conn), 10)
	bd = append(bd, '_')
	bd = strconv.AppendInt(bd, int64(n), 10)
	bd = append(bd, `","id":"m`...)
	bd = strconv.AppendInt(bd, int64(n), 10)
	bd = append(bd, `","text":"`...)
	bd = append(bd, wireTexts[(conn+n)%len(wireTexts)]...)
	bd = append(bd, `"}`...)
	b = append(b, "POST "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nContent-Type: application/json\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(bd)), 10)
	b = append(b, "\r\n\r\n"...)
	return append(b, bd...)
}

// writeAndRead sends req and reads one answer with net/http's reader,
// which also undoes a chunked body: its status, whether it carried
// Retry-After, whether the server closes the connection after it, and when
// the write returned. On loopback the kernel has put the bytes in the
// server's socket by then, inside the write: a time taken before the write
// would also count the generator waiting for its own core (which it shares
// with Redis in bench/surge.sh) against the server.
func writeAndRead(conn net.Conn, br *bufio.Reader, req []byte) (status int, retry, closing bool, written time.Time, err error) {
	if _, err := conn.Write(req); err != nil {
		return 0, false, false, time.Time{}, err
	}
	written = time.Now()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, false, false, written, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After") != "", resp.Close, written, err
}
