// Package loadtest drives a running bot with simulated citizens, for
// "vneidbot loadtest". Each simulated citizen is one closed loop: it sends an
// update, waits for the answer, picks its next move from that answer (press
// a button it was shown, type a button's number, ask a FAQ question the way
// people type them) and sends again. The load is bounded in time and,
// optionally, in count, and it only ever goes to loopback addresses: this
// workplace forbids load on any other host, and a load tool that can be
// pointed at a stranger's server is a weapon.
//
// Three targets are understood, by the path of the URL:
//
//   - …/api/chat, or a bare base URL: the web chat API (POST JSON);
//   - …/webhook/telegram: the Telegram webhook, with the secret header and
//     Telegram update JSON (increasing update_id); when a FakeTelegram
//     records what the bot sends, citizens press the buttons they were sent;
//   - …/healthz: plain GETs, the baseline for the throughput ratio.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vneid-guide/vneidbot/internal/retry"
)

// Mode is what a target URL is driven as.
type Mode int

// The modes, chosen from the target's path by ParseTarget.
const (
	ModeWeb      Mode = iota // POST /api/chat
	ModeTelegram             // POST /webhook/telegram
	ModeHealth               // GET /healthz
)

func (m Mode) String() string {
	switch m {
	case ModeWeb:
		return "web chat"
	case ModeTelegram:
		return "telegram webhook"
	case ModeHealth:
		return "healthz baseline"
	}
	return "mode(" + strconv.Itoa(int(m)) + ")"
}

// Bounds on a run, so that a typo cannot turn the tool into a flood.
const (
	MaxChats    = 10_000
	MaxDuration = 30 * time.Minute
)

// ErrNotLoopback is returned for a target (or a connection) whose address is
// not on this machine's loopback interface.
var ErrNotLoopback = errors.New("loadtest: target must be a loopback address (127.0.0.0/8, ::1 or localhost)")

// Options configure a run. Target, Chats and Duration are required.
type Options struct {
	Target   string        // the URL to drive; see the package comment
	Chats    int           // simulated citizens, each a closed loop
	Duration time.Duration // how long new requests are started
	Requests int64         // stop after this many requests in all (0: no bound but Duration)
	Secret   string        // X-Telegram-Bot-Api-Secret-Token for the Telegram webhook
	Seed     uint64        // seeds the citizens' choices (0: from the clock)
	Timeout  time.Duration // of one request (30s)
	// Telegram, when set, is the fake Bot API the bot sends its replies to;
	// Telegram citizens read the buttons they were sent from it.
	Telegram *FakeTelegram
	// HTTPClient replaces the client built for the run (tests). The target
	// must still be a loopback URL.
	HTTPClient *http.Client
	// Rate, when more than 0, makes the run an open loop: requests arrive
	// at this mean rate per second with Poisson (exponential) gaps, whether
	// or not earlier ones were answered, and latency is measured from each
	// request's scheduled arrival. Chats then bounds the requests in flight;
	// an arrival that finds Chats in flight is not sent and counts as a
	// "generator cap" error. 0: a closed loop of Chats citizens.
	Rate float64
	// HealthURL, when set, is probed with a GET every 100 ms during the run
	// on its own connection; Result.Health says how it fared.
	HealthURL string
	// Wire, with Rate, sends the open loop over plain keep-alive
	// connections with a minimal HTTP/1.1 client instead of net/http's,
	// every request a new web chat conversation: one core can then offer
	// several times the bot's capacity. Web chat targets over http only.
	Wire bool
}

// MaxRate bounds Options.Rate, requests per second.
const MaxRate = 100_000

// Result is what a run measured. Its JSON form is the one "loadtest --json"
// prints: {"sent","ok","errors","rps","p50_ms","p95_ms","p99_ms"}.
type Result struct {
	Sent   int64   `json:"sent"`   // requests started
	OK     int64   `json:"ok"`     // requests answered 2xx (and, for the web chat, with replies)
	Errors int64   `json:"errors"` // requests that failed: transport error, timeout, non-2xx, bad answer
	RPS    float64 `json:"rps"`    // OK per second of the run
	P50    float64 `json:"p50_ms"` // latency percentiles of the OK requests, milliseconds
	P95    float64 `json:"p95_ms"`
	P99    float64 `json:"p99_ms"`

	Mode    Mode          `json:"-"`
	URL     string        `json:"-"` // the URL actually driven
	Chats   int           `json:"-"`
	Elapsed time.Duration `json:"-"` // from the first request to the last answer
	// ErrorKinds counts errors by kind ("status 503", "timeout", …), for the report.
	ErrorKinds map[string]int64 `json:"-"`
	// Silent counts web chat answers with no reply (a duplicate, or a chat
	// the bot's rate limit silenced); they count as OK.
	Silent int64 `json:"-"`

	// Open loop only (zero, and left out of the JSON, in a closed loop).
	Offered float64 `json:"offered_rps,omitempty"` // arrivals per second scheduled
	// Refused counts 503 answers with Retry-After: the server's admission
	// control turning the excess away. They are also Errors.
	Refused    int64   `json:"refused,omitempty"`
	RefusedP99 float64 `json:"refused_p99_ms,omitempty"` // latency of the refusals
	RefusedMax float64 `json:"refused_max_ms,omitempty"`
	// RefusedSentP99 (--wire only) counts the refusals' latency from the
	// moment each request's write returned rather than from its arrival,
	// to the moment its answer reached the machine (the kernel's receive
	// time on Linux): the server's part, without the wait for a busy
	// connection, for the generator to write or for it to read.
	RefusedSentP99 float64 `json:"refused_sent_p99_ms,omitempty"`
	Timeouts       int64   `json:"timeouts,omitempty"`
	// LagP99 is how late the generator started its requests against their
	// schedule (p99, milliseconds): above a few milliseconds the generator
	// itself could not keep the rate, and the latencies are not the server's.
	LagP99 float64 `json:"lag_p99_ms,omitempty"`

	// Health is what the HealthURL probes saw.
	Health *HealthResult `json:"health,omitempty"`
}

// HealthResult is how a health endpoint answered during a run.
type HealthResult struct {
	Probes int64   `json:"probes"`
	Failed int64   `json:"failed"` // not 200 within a second
	MaxMs  float64 `json:"max_ms"`
}

// ParseTarget checks that raw is an http(s) URL on a loopback address and
// tells how it is driven. A base URL (no path, or "/") means the web chat
// at /api/chat; the returned URL is the one to request.
func ParseTarget(raw string) (*url.URL, Mode, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, 0, fmt.Errorf("loadtest: target %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, 0, fmt.Errorf("loadtest: target %q: want an http:// or https:// URL", raw)
	}
	if u.User != nil {
		return nil, 0, fmt.Errorf("loadtest: target %q: no user info in the URL", raw)
	}
	if !LoopbackHost(u.Hostname()) {
		return nil, 0, fmt.Errorf("%w; got %q", ErrNotLoopback, u.Hostname())
	}
	p := strings.TrimRight(u.Path, "/")
	var mode Mode
	switch {
	case p == "":
		u.Path, u.RawPath = "/api/chat", ""
		mode = ModeWeb
	case strings.HasSuffix(p, "/api/chat"):
		mode = ModeWeb
	case strings.HasSuffix(p, "/webhook/telegram"):
		mode = ModeTelegram
	case strings.HasSuffix(p, "/healthz"):
		mode = ModeHealth
	default:
		return nil, 0, fmt.Errorf("loadtest: target %q: the path must end in /api/chat, /webhook/telegram or /healthz (or be empty for the web chat)", raw)
	}
	return u, mode, nil
}

// LoopbackHost reports whether host (an IP literal or a name, without port)
// names this machine's loopback interface: 127.0.0.0/8, ::1, "localhost" or
// a name under ".localhost" (RFC 6761). Names are checked again when the
// connection is made, against the address they resolved to.
func LoopbackHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackOnly is a net.Dialer Control that refuses any connection whose
// remote address is not loopback, whatever a name resolved to.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w; refusing to connect to %s", ErrNotLoopback, address)
	}
	return nil
}

// NewClient returns the one HTTP client a run shares between its citizens:
// enough idle connections for every chat to keep its own, no proxy (a proxy
// would carry the load off this machine), no redirects, and a dialer that
// only connects to loopback addresses.
func NewClient(chats int, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		MaxIdleConns:        2*chats + 16,
		MaxIdleConnsPerHost: 2*chats + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport:     tr,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Run drives o.Target with o.Chats citizens for o.Duration (or until
// o.Requests requests were started, or ctx ends) and returns what it
// measured. Requests in flight when the time is up are waited for and
// counted.
func Run(ctx context.Context, o Options) (Result, error) {
	u, mode, err := ParseTarget(o.Target)
	if err != nil {
		return Result{}, err
	}
	if o.Chats < 1 || o.Chats > MaxChats {
		return Result{}, fmt.Errorf("loadtest: chats must be 1 to %d, got %d", MaxChats, o.Chats)
	}
	if o.Duration <= 0 || o.Duration > MaxDuration {
		return Result{}, fmt.Errorf("loadtest: duration must be more than 0 and at most %s, got %s", MaxDuration, o.Duration)
	}
	if o.Requests < 0 {
		return Result{}, fmt.Errorf("loadtest: requests must not be negative")
	}
	if mode == ModeTelegram && o.Secret == "" {
		return Result{}, errors.New("loadtest: the Telegram webhook needs its secret (--secret)")
	}
	if o.Rate < 0 || o.Rate > MaxRate || math.IsNaN(o.Rate) {
		return Result{}, fmt.Errorf("loadtest: rate must be 0 (closed loop) to %d requests/s, got %v", MaxRate, o.Rate)
	}
	if o.Wire && (o.Rate == 0 || mode != ModeWeb || u.Scheme != "http") {
		return Result{}, errors.New("loadtest: --wire needs --rate and an http:// web chat target")
	}
	if o.HealthURL != "" {
		if _, _, err := ParseTarget(o.HealthURL); err != nil {
			return Result{}, err
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = uint64(time.Now().UnixNano())
	}
	client := o.HTTPClient
	if client == nil {
		client = NewClient(o.Chats, o.Timeout)
		defer client.CloseIdleConnections()
	}
	r := &runner{
		o:      o,
		url:    u.String(),
		mode:   mode,
		client: client,
		runID:  strconv.FormatUint(o.Seed%(36*36*36*36*36*36), 36),
		kinds:  map[string]int64{},
	}
	// update ids must grow across runs against the same Redis, or the bot
	// would take a new run's updates for replays of the last one's
	r.updateID.Store(time.Now().UnixMilli() * 1000)

	start := time.Now()
	deadline := start.Add(o.Duration)
	var health *healthProbe
	if o.HealthURL != "" {
		health = startHealthProbe(ctx, o.HealthURL)
	}
	var all []time.Duration
	switch {
	case o.Wire:
		all = r.wireLoop(ctx, u.Host, u.EscapedPath(), start, deadline)
	case o.Rate > 0:
		all = r.openLoop(ctx, start, deadline)
	default:
		lats := make([][]time.Duration, o.Chats)
		var wg sync.WaitGroup
		for i := range o.Chats {
			wg.Add(1)
			go func() {
				defer wg.Done()
				lats[i] = r.loop(ctx, i, deadline)
			}()
		}
		wg.Wait()
		all = slices.Concat(lats...)
	}
	elapsed := time.Since(start)
	slices.Sort(all)
	res := Result{
		Sent:       r.sent.Load(),
		OK:         r.ok.Load(),
		Errors:     r.errors.Load(),
		Mode:       mode,
		URL:        r.url,
		Chats:      o.Chats,
		Elapsed:    elapsed,
		ErrorKinds: r.kinds,
		Silent:     r.silent.Load(),
		P50:        ms(percentile(all, 0.50)),
		P95:        ms(percentile(all, 0.95)),
		P99:        ms(percentile(all, 0.99)),
	}
	if s := elapsed.Seconds(); s > 0 {
		res.RPS = math.Round(float64(res.OK)/s*10) / 10
	}
	if o.Rate > 0 {
		res.Offered = math.Round(float64(r.arrivals.Load())/o.Duration.Seconds()*10) / 10
		r.mu.Lock()
		refused := slices.Clone(r.refusedLats)
		r.mu.Unlock()
		slices.Sort(refused)
		res.Refused = int64(len(refused))
		res.RefusedP99 = ms(percentile(refused, 0.99))
		if len(refused) > 0 {
			res.RefusedMax = ms(refused[len(refused)-1])
		}
		res.Timeouts = r.kinds["timeout"]
		slices.Sort(r.refusedSent)
		res.RefusedSentP99 = ms(percentile(r.refusedSent, 0.99))
		lag := slices.Clone(r.lags)
		slices.Sort(lag)
		res.LagP99 = ms(percentile(lag, 0.99))
	}
	if health != nil {
		res.Health = health.stop()
	}
	return res, nil
}

// runner is one run's shared state.
type runner struct {
	o      Options
	url    string
	mode   Mode
	client *http.Client
	runID  string

	sent, ok, errors atomic.Int64
	silent           atomic.Int64
	updateID         atomic.Int64
	identities       atomic.Int64 // citizens started, for unique chat ids
	arrivals         atomic.Int64 // open loop: arrivals scheduled

	mu          sync.Mutex
	kinds       map[string]int64
	refusedLats []time.Duration // open loop: latency of each 503 + Retry-After
	lags        []time.Duration // open loop: how late each request started
	refusedSent []time.Duration // wire open loop: each refusal's latency from its write
}

// loop is one citizen slot: a citizen walks until it leaves, then a new one
// takes the slot, until the deadline. It returns the latencies of its OK
// requests.
func (r *runner) loop(ctx context.Context, slot int, deadline time.Time) []time.Duration {
	lats := make([]time.Duration, 0, 1024)
	c := r.newCitizen(slot)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if n := r.sent.Add(1); r.o.Requests > 0 && n > r.o.Requests {
			r.sent.Add(-1)
			break
		}
		t0 := time.Now()
		err := r.step(ctx, c)
		d := time.Since(t0)
		if err != nil {
			r.fail(err)
			// back off a little so a dead target is not spun on
			_ = retry.Sleep(ctx, 10*time.Millisecond)
			continue
		}
		r.ok.Add(1)
		lats = append(lats, d)
		if c.done() {
			c = r.newCitizen(slot)
		}
	}
	return lats
}

// step sends the citizen's next update and reads the answer.
func (r *runner) step(ctx context.Context, c *citizen) error {
	switch r.mode {
	case ModeHealth:
		return r.get(ctx)
	case ModeTelegram:
		return r.telegramStep(ctx, c)
	}
	return r.webStep(ctx, c)
}

func (r *runner) get(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode/100 != 2 {
		return responseError(resp)
	}
	return err
}

// statusError is a non-2xx answer.
type statusError int

func (e statusError) Error() string { return "status " + strconv.Itoa(int(e)) }

// errRefused is a 503 with Retry-After: admission control at work.
var errRefused = errors.New("refused (503 + Retry-After)")

// errGeneratorCap is an open-loop arrival not sent because Chats requests
// were already in flight.
var errGeneratorCap = errors.New("generator cap (requests in flight)")

// responseError classifies a non-2xx answer.
func responseError(resp *http.Response) error {
	if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "" {
		return errRefused
	}
	return statusError(resp.StatusCode)
}

// fail counts a failed request, by kind.
func (r *runner) fail(err error) {
	r.errors.Add(1)
	kind := "transport"
	var se statusError
	var ne net.Error
	switch {
	case errors.Is(err, errRefused), errors.Is(err, errGeneratorCap):
		kind = err.Error()
	case errors.As(err, &se):
		kind = se.Error()
	case errors.Is(err, ErrNotLoopback):
		kind = "not loopback"
	case errors.As(err, &ne) && ne.Timeout():
		kind = "timeout"
	case errors.Is(err, errBadAnswer):
		kind = "bad answer"
	}
	r.mu.Lock()
	r.kinds[kind]++
	r.mu.Unlock()
}

var errBadAnswer = errors.New("loadtest: answer is not what the bot sends")

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Millisecond)*1000) / 1000
}

// Report writes the human-readable summary of res.
func Report(w io.Writer, res Result) {
	fmt.Fprintf(w, "target    %s (%s, %d chats, %.1fs)\n", res.URL, res.Mode, res.Chats, res.Elapsed.Seconds())
	fmt.Fprintf(w, "sent      %d\n", res.Sent)
	fmt.Fprintf(w, "ok        %d", res.OK)
	if res.Silent > 0 {
		fmt.Fprintf(w, " (%d answered with no reply: duplicates or rate-limited chats)", res.Silent)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "errors    %d", res.Errors)
	if len(res.ErrorKinds) > 0 {
		kinds := make([]string, 0, len(res.ErrorKinds))
		for k, n := range res.ErrorKinds {
			kinds = append(kinds, fmt.Sprintf("%s: %d", k, n))
		}
		slices.Sort(kinds)
		fmt.Fprintf(w, " (%s)", strings.Join(kinds, ", "))
	}
	fmt.Fprintln(w)
	if res.Offered > 0 {
		fmt.Fprintf(w, "offered   %.1f/s (open loop, Poisson arrivals)\n", res.Offered)
		fmt.Fprintf(w, "goodput   %.1f/s\n", res.RPS)
		fmt.Fprintf(w, "refused   %d (503 + Retry-After; p99 %.2f ms, max %.2f ms)   timeouts %d\n", res.Refused, res.RefusedP99, res.RefusedMax, res.Timeouts)
		if res.RefusedSentP99 > 0 {
			fmt.Fprintf(w, "          refusals from their write: p99 %.2f ms\n", res.RefusedSentP99)
		}
		fmt.Fprintf(w, "lag       p99 %.2f ms (how late the generator sent; more than a few ms: the generator, not the server, fell behind)\n", res.LagP99)
	} else {
		fmt.Fprintf(w, "rps       %.1f\n", res.RPS)
	}
	fmt.Fprintf(w, "latency   p50 %.2f ms   p95 %.2f ms   p99 %.2f ms\n", res.P50, res.P95, res.P99)
	if h := res.Health; h != nil {
		fmt.Fprintf(w, "healthz   %d probes, %d failed, slowest %.2f ms\n", h.Probes, h.Failed, h.MaxMs)
	}
}
