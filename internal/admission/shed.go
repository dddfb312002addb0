package admission

import (
	"bytes"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Refusing below net/http (issue 13).
//
// While the gate is full, every excess request is read and answered, so
// what a refusal costs decides how much of the core is left for the updates:
// at twice the capacity offered, goodput is (1 − 2r) ÷ (1 − r) of capacity, r
// being a refusal's cost over an update's. Through net/http a refusal costs
// 15–22 µs here against 60–130 µs for an update; answered straight from the
// connection it costs about 8 µs (docs/benchmarks.md, issue 13, fifth and
// sixth rounds).
//
// So the public listener's connections watch the bytes net/http reads. At a
// request boundary, while the gate is full, a complete request for a route
// that refuses under load is answered with canned bytes and skipped, and
// net/http never sees it. Everything else reaches net/http unchanged.
//
// The framing is kept deliberately narrow: a connection is watched only as
// long as every request on it is plain HTTP/1.1 framed by at most one
// Content-Length (no Transfer-Encoding, Expect, Upgrade or Connection other
// than keep-alive, no bare CR or LF, no folded lines). At the first request
// that is anything else, the connection is handed to net/http for good, so a
// request that net/http could frame differently from us is never answered
// here. FuzzHeadAgreesWithNetHTTP holds the two framings together.

// ShedRoute is a route whose requests the listener may refuse itself while
// the gate is full.
type ShedRoute struct {
	Method, Path string // matched exactly; a query string is allowed
	Channel      string // the label of vneidbot_admission_refused_total
	// Refuse writes the refusal, as the route's handler does past the
	// limit. It is rendered at most once a second and the bytes reused.
	Refuse http.HandlerFunc
}

// ShedOptions are the timeouts of the http.Server the listener feeds: a
// connection waiting for its next request after a refusal gets IdleTimeout,
// and one with part of a request gets ReadHeaderTimeout, as net/http would.
type ShedOptions struct {
	IdleTimeout, ReadHeaderTimeout time.Duration
}

// maxShedBody bounds the body of a request refused here; a larger one goes
// to net/http, whose handler refuses it without reading it.
const maxShedBody = 64 << 10

// maxHead bounds a request head this side keeps. The bot's server takes
// 16 KiB of headers and 4 KiB of request line; a longer head is net/http's
// to refuse, and this side stops following the connection.
const maxHead = 64 << 10

// minShedRead is the smallest read at which a refusal is tried. net/http
// reads a request through a 4 KiB buffer; its one-byte reads watch for a
// closed connection while a handler runs, when a refusal written here
// would overtake the handler's answer.
const minShedRead = 512

// Listener wraps ln, the public listener, so that while the gate is full the
// requests for routes are refused before net/http reads them.
func (g *Gate) Listener(ln net.Listener, routes []ShedRoute, o ShedOptions) net.Listener {
	s := &shedder{gate: g, opts: o}
	for _, r := range routes {
		s.routes = append(s.routes, &shedRoute{ShedRoute: r, refused: g.mRefused.WithLabelValues(r.Channel)})
	}
	return &shedListener{Listener: ln, s: s}
}

type shedListener struct {
	net.Listener
	s *shedder
}

func (l *shedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shedConn{Conn: c, s: l.s}, nil
}

type shedder struct {
	gate   *Gate
	routes []*shedRoute
	opts   ShedOptions
}

type shedRoute struct {
	ShedRoute
	refused prometheus.Counter
	mu      sync.Mutex
	canned  atomic.Pointer[canned]
}

type canned struct {
	b     []byte
	until time.Time
}

// response is the route's refusal as bytes on the wire.
func (r *shedRoute) response(now time.Time) []byte {
	if c := r.canned.Load(); c != nil && now.Before(c.until) {
		return c.b
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.canned.Load(); c != nil && now.Before(c.until) {
		return c.b
	}
	b := render(r.Refuse)
	r.canned.Store(&canned{b: b, until: now.Add(time.Second)})
	return b
}

// render runs a refusal handler and frames what it wrote as an HTTP/1.1
// response with a Content-Length.
func render(h http.HandlerFunc) []byte {
	rec := &recorder{h: http.Header{}}
	req, _ := http.NewRequest(http.MethodPost, "/", http.NoBody)
	h(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusServiceUnavailable
	}
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(rec.status) + " " + http.StatusText(rec.status) + "\r\n")
	rec.h.Del("Content-Length")
	rec.h.Write(&b)
	b.WriteString("Content-Length: " + strconv.Itoa(rec.body.Len()) + "\r\n\r\n")
	b.Write(rec.body.Bytes())
	return b.Bytes()
}

type recorder struct {
	h      http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

// shedConn follows the framing of the requests net/http reads from it.
type shedConn struct {
	net.Conn
	s *shedder

	off  bool   // handed to net/http for good
	head []byte // the head of the request being passed on, while incomplete
	body int64  // bytes of the current request's body still to pass on; -1 while in its head
	mid  bool   // inside a request: its head or its body
}

func (c *shedConn) Read(p []byte) (int, error) {
	for waited := false; ; waited = true {
		if waited {
			// Every byte read so far was refused: wait for the next
			// request as net/http would between requests.
			c.setReadDeadline(c.s.opts.IdleTimeout)
		}
		n, err := c.Conn.Read(p)
		if c.off || n == 0 {
			return n, err
		}
		k := 0
		if !c.mid && len(p) >= minShedRead && c.s.gate.Full() {
			var werr error
			k, werr = c.refuse(p[:n])
			if werr != nil {
				c.off = true
				return 0, werr
			}
		}
		if k < n {
			n = copy(p, p[k:n])
			if waited || k > 0 {
				// A request net/http will read: the time for its
				// head starts now.
				c.setReadDeadline(c.s.opts.ReadHeaderTimeout)
			}
			c.track(p[:n])
			return n, err
		}
		if err != nil {
			return 0, err
		}
	}
}

func (c *shedConn) setReadDeadline(d time.Duration) {
	if d > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(d))
	} else {
		c.Conn.SetReadDeadline(time.Time{})
	}
}

// refuse answers the complete refusable requests at the start of b, and
// returns how many bytes they took. A request's body may go on past b: it is
// then read here and dropped.
func (c *shedConn) refuse(b []byte) (int, error) {
	done := 0
	for done < len(b) && c.s.gate.Full() {
		rest := b[done:]
		h, end, ok := readHead(rest)
		if !ok {
			break
		}
		r := c.s.route(h)
		if r == nil || h.body > maxShedBody {
			break
		}
		took := int64(len(rest) - end)
		if took > h.body {
			took = h.body
		}
		if missing := h.body - took; missing > 0 {
			c.setReadDeadline(c.s.opts.ReadHeaderTimeout)
			if err := c.discard(missing); err != nil {
				return 0, err
			}
		}
		// Counted before the answer is written, so that whoever reads the
		// answer also sees the count.
		r.refused.Inc()
		c.s.gate.noteRefusal()
		now := time.Now()
		c.Conn.SetWriteDeadline(now.Add(5 * time.Second))
		_, err := c.Conn.Write(r.response(now))
		c.Conn.SetWriteDeadline(time.Time{})
		if err != nil {
			return 0, err
		}
		done += end + int(took)
	}
	return done, nil
}

// discard reads and drops n bytes of a refused request's body.
func (c *shedConn) discard(n int64) error {
	var buf [4096]byte
	for n > 0 {
		m, err := c.Conn.Read(buf[:min(int64(len(buf)), n)])
		n -= int64(m)
		if n > 0 && err != nil {
			return err
		}
	}
	return nil
}

func (s *shedder) route(h head) *shedRoute {
	for _, r := range s.routes {
		if string(h.method) == r.Method && string(h.path) == r.Path {
			return r
		}
	}
	return nil
}

// track follows the requests in b, bytes net/http is about to read.
func (c *shedConn) track(b []byte) {
	for len(b) > 0 && !c.off {
		if !c.mid {
			c.mid, c.body = true, -1
		}
		if c.body >= 0 {
			take := min(int64(len(b)), c.body)
			c.body -= take
			b = b[take:]
			if c.body == 0 {
				c.mid = false
			}
			continue
		}
		// In the head: find its end, across reads if it must.
		var full []byte
		var rest []byte
		if len(c.head) == 0 {
			if end := headEnd(b); end >= 0 {
				full, rest = b[:end], b[end:]
			}
		}
		if full == nil {
			from := max(0, len(c.head)-3)
			c.head = append(c.head, b...)
			end := headEnd(c.head[from:])
			if end < 0 {
				if len(c.head) > maxHead {
					c.off = true
				}
				return
			}
			end += from
			over := len(c.head) - end
			full, rest = c.head[:end], b[len(b)-over:]
		}
		h, ok := parseHead(full)
		c.head = c.head[:0]
		if cap(c.head) > 4096 {
			c.head = nil // a long head's buffer is not kept for the life of the connection
		}
		if !ok {
			c.off = true
			return
		}
		c.body = h.body
		if c.body == 0 {
			c.mid = false
		}
		b = rest
	}
}

// headEnd is the length of the request head at the start of b, through its
// empty line, or -1 if b does not hold all of it (or it is too long).
func headEnd(b []byte) int {
	i := bytes.Index(b, crlfcrlf)
	if i < 0 || i+4 > maxHead {
		return -1
	}
	return i + 4
}

var crlfcrlf = []byte("\r\n\r\n")

// readHead reads the request head at the start of b: what the shedder
// needs of it and its length, or false if b does not hold all of it or it
// is not one the shedder may follow (parseHead).
func readHead(b []byte) (h head, n int, ok bool) {
	n = headEnd(b)
	if n < 0 {
		return head{}, 0, false
	}
	h, ok = parseHead(b[:n])
	return h, n, ok
}

// head is what the shedder needs of a request head.
type head struct {
	method, path []byte
	body         int64
}

// parseHead reads a complete request head (ending in an empty line) and
// reports whether it is one the shedder may follow: HTTP/1.1, every line
// ended by CRLF, header names that are tokens, no folded lines, at most one
// Content-Length, and none of the headers that change the framing or the
// connection.
func parseHead(b []byte) (head, bool) {
	var h head
	line, b, ok := nextLine(b)
	if !ok {
		return h, false
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return h, false
	}
	h.method, line = line[:sp1], line[sp1+1:]
	sp2 := bytes.IndexByte(line, ' ')
	if sp2 <= 0 || string(line[sp2+1:]) != "HTTP/1.1" {
		return h, false
	}
	target := line[:sp2]
	if target[0] != '/' || !slices.ContainsFunc(methods, func(m string) bool { return m == string(h.method) }) {
		return h, false
	}
	for i, c := range target {
		if c <= ' ' || c >= 0x7f || c == '#' {
			return h, false
		}
		if c == '%' && (i+2 >= len(target) || !isHex(target[i+1]) || !isHex(target[i+2])) {
			return h, false
		}
	}
	h.path = target
	if q := bytes.IndexByte(target, '?'); q >= 0 {
		h.path = target[:q]
	}
	seenLength, seenHost := false, false
	for {
		line, b, ok = nextLine(b)
		if !ok {
			return h, false
		}
		if len(line) == 0 {
			return h, len(b) == 0
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return h, false
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		for _, c := range name {
			if !isTokenChar(c) {
				return h, false
			}
		}
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				return h, false
			}
		}
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if seenLength || len(value) == 0 || len(value) > 10 {
				return h, false
			}
			seenLength = true
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || value[0] == '+' || value[0] == '-' {
				return h, false
			}
			h.body = n
		case bytes.EqualFold(name, []byte("Host")):
			if seenHost {
				return h, false
			}
			seenHost = true
		case bytes.EqualFold(name, []byte("Transfer-Encoding")),
			bytes.EqualFold(name, []byte("Expect")),
			bytes.EqualFold(name, []byte("Upgrade")),
			bytes.EqualFold(name, []byte("Connection")) && !bytes.EqualFold(value, []byte("keep-alive")):
			return h, false
		}
	}
}

// methods are the request methods followed; CONNECT and the rest go to
// net/http for good.
var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// nextLine splits off a line ended by CRLF; a lone CR or LF fails it.
func nextLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 1 || b[i-1] != '\r' {
		return nil, nil, false
	}
	line = b[:i-1]
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, nil, false
	}
	return line, b[i+1:], true
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// isTokenChar reports whether c may appear in a header name (RFC 9110 tchar).
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
}
