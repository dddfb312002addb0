package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admission"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/handoff"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/volunteer/inchat"
	"github.com/vneid-guide/vneidbot/internal/web"
)

// shutdownGrace is how long a SIGTERM waits for in-flight work.
const shutdownGrace = 10 * time.Second

// app is the running bot: the shared parts every channel plugs into.
type app struct {
	cfg    Config
	log    *slog.Logger
	store  *store.Store
	engine *flows.Engine
	// delivery runs the engine for the channels answered asynchronously
	// (Telegram, Zalo OA, Zalo Bot) and delivers their replies.
	delivery *delivery.Core
	content  *contentSource
	mux      *http.ServeMux
	metrics  *prometheus.Registry
	gate     *admission.Gate       // MAX_INFLIGHT updates in progress at once (issue 13)
	shed     []admission.ShedRoute // routes the public listener refuses itself while the gate is full
	handoff  *handoff.Service      // talking to a commune officer (issue 14)
	// statsBatch writes statistics in batches; serve closes it (writing
	// what is queued) before the store.
	statsBatch *stats.Batcher
	// volunteers is the engine's volunteer service (share codes expire).
	volunteers *inchat.Service

	mu     sync.Mutex
	checks []readyCheck
	bg     sync.WaitGroup
}

type readyCheck struct {
	name  string
	check func(context.Context) (string, error)
}

// ready registers a readiness check reported by /readyz.
func (a *app) ready(name string, check func(context.Context) error) {
	a.readyDetail(name, func(ctx context.Context) (string, error) { return "", check(ctx) })
}

// readyDetail registers a readiness check that also says something when it
// passes: /readyz prints "name: ok (detail)" and stays 200.
func (a *app) readyDetail(name string, check func(context.Context) (string, error)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks = append(a.checks, readyCheck{name, check})
}

// background runs fn until ctx ends; shutdown waits for it.
func (a *app) background(ctx context.Context, name string, fn func(context.Context) error) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			a.log.Error("background task stopped", "task", name, "err", err)
		}
	}()
}

// newApp loads content, connects to Redis and builds the engine: everything
// every command needs.
func newApp(ctx context.Context, cfg Config, log *slog.Logger) (*app, error) {
	src, err := newContentSource(cfg.ContentDir)
	if err != nil {
		return nil, err
	}
	store.SetLogger(log)
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL, SessionTTL: cfg.SessionTTL})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if st.InProcess() {
		log.Warn("REDIS_URL is empty: using an in-process Redis; sessions do not survive a restart")
	}
	src.StartPublished(ctx, st, log) // serve the published content version, unless CONTENT_DIR is set
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rec, vol := statsOptions(cfg, st)
	var batch *stats.Batcher
	if r, ok := rec.(*stats.Recorder); ok {
		// statistics are written off the update's path, many updates per
		// round trip (issue 13: one round trip less per web chat update)
		batch = stats.NewBatcher(r, log)
		rec = batch
	}
	var core *delivery.Core
	ho := newHandoff(cfg, st, src, log, func() *delivery.Core { return core }) // issue 14
	eng, err := flows.New(src.Catalog(), st, flows.Options{Logger: log, Metrics: reg, Recorder: rec, Volunteers: vol, Handoff: ho})
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("build engine: %w", err)
	}
	core = delivery.New(delivery.Options{Store: st, Engine: eng, Recorder: rec, Logger: log})
	a := &app{cfg: cfg, log: log, store: st, engine: eng, delivery: core, content: src, mux: http.NewServeMux(), metrics: reg, statsBatch: batch, handoff: ho, volunteers: vol}
	a.ready("redis", st.Ping)
	a.readyDetail("content", src.Ready)
	return a, nil
}

// serve runs the bot: every configured channel, the web chat, health and
// metrics on one listener, until SIGINT or SIGTERM.
func serve(ctx context.Context, cfg Config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.GOGC == "" {
		debug.SetGCPercent(ServeGCPercent)
	}

	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.store.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on VNEIDBOT_ADDR %s: %w", cfg.Addr, err)
	}
	bgCtx, cancelBg := context.WithCancel(context.Background())
	defer cancelBg()
	if err := a.routes(bgCtx); err != nil {
		ln.Close()
		return err
	}
	for _, ch := range channelSetups {
		if err := ch.setup(bgCtx, a); err != nil {
			ln.Close()
			return fmt.Errorf("start %s channel: %w", ch.name, err)
		}
	}
	a.watchContent(bgCtx)
	// Replies a crash left undelivered are sent again by whichever replica
	// runs their channel.
	a.background(bgCtx, "outbox", a.delivery.RunOutbox)
	a.background(bgCtx, "share code expiry", func(ctx context.Context) error {
		return a.volunteers.RunExpiry(ctx, 6*time.Hour, a.log)
	})

	srv := &http.Server{
		Handler:           a.mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	if a.cfg.AdmissionTarget > 0 {
		// While it refuses, the replica admits fewer updates at once, so
		// that those admitted do not wait in a queue the core cannot work
		// off: shorter waits for somewhat fewer answers
		// (internal/admission/adapt.go, docs/benchmarks.md).
		a.background(bgCtx, "admission", func(ctx context.Context) error {
			a.gate.Adapt(ctx, admission.AdaptOptions{Target: a.cfg.AdmissionTarget})
			return nil
		})
	}
	// Under overload the excess web chat and webhook requests are refused
	// on the connection, before net/http parses them: a refusal costs about
	// half of what it does through net/http (internal/admission/shed.go).
	ln = a.gate.Listener(ln, a.shed, admission.ShedOptions{IdleTimeout: srv.IdleTimeout, ReadHeaderTimeout: srv.ReadHeaderTimeout})
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("vneidbot is serving", "addr", "http://"+ln.Addr().String(), "content", a.content.Catalog().Summary())
	if warning := goWarning(runtime.Version()); warning != "" {
		log.Warn(warning, "go", runtime.Version(), "minimum", minGoVersion)
	}
	// Without its metrics listener (port taken) the bot still serves
	// citizens; the error says what to fix.
	if msrv, err := a.serveMetrics(errc); err != nil {
		log.Error("metrics listener not started; /metrics is unavailable", "err", err)
	} else if msrv != nil {
		defer msrv.Close()
	}

	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace)
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	cancelBg() // stop intake (pollers) while HTTP finishes in-flight requests
	err = srv.Shutdown(shutCtx)
	done := make(chan struct{})
	go func() { a.bg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		log.Warn("background tasks did not stop in time")
	}
	if a.statsBatch != nil {
		a.statsBatch.Close()
	}
	return err
}

// serveMetrics starts the METRICS_ADDR listener, unless it is "off".
func (a *app) serveMetrics(errc chan<- error) (*http.Server, error) {
	if a.cfg.MetricsAddr == "off" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on METRICS_ADDR %s: %w", a.cfg.MetricsAddr, err)
	}
	srv := &http.Server{
		Handler:           a.metricsMux(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("metrics listener: %w", err)
		}
	}()
	a.log.Info("metrics and readiness detail", "addr", "http://"+ln.Addr().String()+"/metrics")
	return srv, nil
}

// routes registers the HTTP routes every deployment has.
func (a *app) routes(ctx context.Context) error {
	if a.gate == nil {
		a.gate = admission.New(cmp.Or(a.cfg.MaxInflight, DefaultMaxInflightPerCore*runtime.GOMAXPROCS(0)), admission.Options{Workers: a.cfg.MaxWorkers, SurgeWorkers: a.cfg.SurgeWorkers, Metrics: a.metrics})
	}
	chat, err := a.webChat(ctx)
	if err != nil {
		return err
	}
	a.mux.Handle("GET /{$}", chat.Page())
	a.mux.Handle("POST /api/chat", chat)
	a.shed = append(a.shed, admission.ShedRoute{Method: "POST", Path: "/api/chat", Channel: "web", Refuse: chat.Refuse})
	a.liveRoute(chat) // issue 14: officers' replies, live
	a.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	// The public /readyz says only ready or not; the reasons, which name
	// content versions and Redis errors, are on the metrics listener.
	a.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { a.readyz(w, r, false) })
	return nil
}

// metricsMux serves the operators' routes on METRICS_ADDR, a listener
// apart from the public one (loopback by default): /metrics, which names
// the Go release and much about the process, and /readyz with the reasons.
func (a *app) metricsMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { a.readyz(w, r, true) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	if a.cfg.Pprof {
		// CPU profiles and traces for docs/benchmarks.md; only
		// on this operators' listener, and only when asked for.
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// webChat builds the web chat: admission control, server-issued chat ids
// signed with a key every replica shares, and the new-conversation limit
// per address (issue 13).
func (a *app) webChat(ctx context.Context) (*web.Handler, error) {
	key, err := web.LoadIDKey(ctx, a.store.Client(), a.store.WebIDKey())
	if err != nil {
		return nil, err
	}
	return web.New(a.engine, a.content.Catalog, web.Options{
		Logger: a.log,
		Gate:   a.gate,
		IDKey:  key,
		NewChats: &web.NewChatLimit{
			Redis:  a.store.Client(),
			Prefix: a.store.WebNewChatsKey(),
			PerIP:  a.cfg.WebNewChatsPerIP,
			Window: a.cfg.WebNewChatsWindow,
		},
		SecureCookie:   strings.HasPrefix(a.cfg.PublicURL, "https://"),
		TrustedHeader:  a.cfg.TrustedProxyHeader,
		TrustedProxies: a.cfg.TrustedProxies,
		FrameAncestors: a.cfg.WebFrameAncestors,
	}), nil
}

// readyz answers 200 when every readiness check passes, else 503; with
// detail, each check's line and reason.
func (a *app) readyz(w http.ResponseWriter, r *http.Request, detail bool) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	a.mu.Lock()
	checks := append([]readyCheck(nil), a.checks...)
	a.mu.Unlock()
	status := http.StatusOK
	body := ""
	for _, c := range checks {
		detail, err := c.check(ctx)
		switch {
		case err != nil:
			status = http.StatusServiceUnavailable
			body += fmt.Sprintf("%s: not ready: %v\n", c.name, err)
		case detail != "":
			body += fmt.Sprintf("%s: ok (%s)\n", c.name, detail)
		default:
			body += c.name + ": ok\n"
		}
	}
	if !detail {
		body = "ready\n"
		if status != http.StatusOK {
			body = "not ready\n"
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}
