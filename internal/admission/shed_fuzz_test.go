package admission

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"
)

var shedSeeds = []string{
	"POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Length: 2\r\n\r\n{}",
	"POST /api/chat?x=1 HTTP/1.1\r\nHost: bot\r\nContent-Length: 02\r\nConnection: keep-alive\r\n\r\n{}GET / HTTP/1.1\r\nHost: b\r\n\r\n",
	"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\nGET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n",
	"POST /api/chat HTTP/1.1\r\nHost: bot\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
	"POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x",
	"POST /api/chat HTTP/1.1\r\nHost: bot\r\ncontent-length:\t5 \r\n\r\nhello",
	"POST /api/chat HTTP/1.0\r\nHost: bot\r\nContent-Length: 2\r\n\r\n{}",
	"POST /api/chat HTTP/1.1\nHost: bot\nContent-Length: 2\n\n{}",
	"POST /api/chat HTTP/1.1\r\nHost: bot\r\nContent-Length: +2\r\n\r\n{}",
	"POST /api/chat HTTP/1.1\r\nHost: bot\r\nX: a\rb\r\nContent-Length: 2\r\n\r\n{}",
	"POST  /api/chat HTTP/1.1\r\nHost: bot\r\n\r\n",
}

// FuzzHeadAgreesWithNetHTTP: every head the shedder accepts is one that
// net/http reads to the same length, with the same body length, method
// and path. The shedder may turn down heads net/http takes, never the
// other way round.
func FuzzHeadAgreesWithNetHTTP(f *testing.F) {
	for _, s := range shedSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, end, ok := readHead(b)
		if !ok {
			return
		}
		cr := &countingReader{r: bytes.NewReader(b)}
		br := bufio.NewReader(cr)
		req, err := http.ReadRequest(br)
		if err != nil {
			t.Fatalf("shedder took a head net/http refuses (%v): %q", err, b[:end])
		}
		if got := cr.n - int64(br.Buffered()); got != int64(end) {
			t.Fatalf("head %q: net/http read %d bytes, shedder %d", b[:end], got, end)
		}
		if req.ContentLength != h.body {
			t.Fatalf("head %q: net/http body %d, shedder %d", b[:end], req.ContentLength, h.body)
		}
		if req.Method != string(h.method) {
			t.Fatalf("head %q: method %q, shedder %q", b[:end], req.Method, h.method)
		}
		// The shedder matches the raw path; where it equals a route's,
		// net/http must route it there too.
		if string(h.path) == "/api/chat" && req.URL.Path != "/api/chat" {
			t.Fatalf("head %q: path %q, shedder %q", b[:end], req.URL.Path, h.path)
		}
	})
}

// FuzzTrackFollowsNetHTTP: fed a stream in arbitrary pieces, the shedder
// is between requests only where net/http's reading of the same stream
// puts a request boundary.
func FuzzTrackFollowsNetHTTP(f *testing.F) {
	for _, s := range shedSeeds {
		f.Add([]byte(s), []byte{3, 40, 7})
	}
	f.Fuzz(func(t *testing.T, stream, cuts []byte) {
		boundaries := netHTTPBoundaries(stream)
		c := &shedConn{}
		pos := 0
		for i := 0; pos < len(stream); i++ {
			n := len(stream) - pos
			if i < len(cuts) {
				n = min(n, int(cuts[i])+1)
			}
			c.track(stream[pos : pos+n])
			pos += n
			if !c.off && !c.mid && !boundaries[pos] {
				t.Fatalf("shedder between requests at %d of %q; net/http's boundaries %v", pos, stream, boundaries)
			}
		}
	})
}

// netHTTPBoundaries reads requests as net/http's server does, each body to
// its end, and returns the offsets where one request ends.
func netHTTPBoundaries(b []byte) map[int]bool {
	cr := &countingReader{r: bytes.NewReader(b)}
	br := bufio.NewReader(cr)
	at := map[int]bool{}
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return at
		}
		if _, err := io.Copy(io.Discard, req.Body); err != nil {
			return at
		}
		at[int(cr.n)-br.Buffered()] = true
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// BenchmarkTrack is what following the framing adds to every request
// net/http reads: a browser-sized web chat request, head and body in one
// read.
func BenchmarkTrack(b *testing.B) {
	req := []byte("POST /api/chat HTTP/1.1\r\nHost: vneid.example.gov.vn\r\nUser-Agent: Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36\r\n" +
		"Accept: */*\r\nAccept-Language: vi-VN,vi;q=0.9\r\nContent-Type: application/json\r\nCookie: vneidbot_chat=abcdefghijklmnopqrstuvwxyz0123456789\r\nOrigin: https://vneid.example.gov.vn\r\nContent-Length: 52\r\n\r\n" +
		`{"user":"u1","id":"m1","text":"ko nhan dc otp a"}   `)
	c := &shedConn{}
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		c.track(req)
	}
	if c.off || c.mid {
		b.Fatal("the request was not followed to its end")
	}
}
