package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// contentSource holds the content being served and keeps it up to date.
//
// Which content serves, first match wins:
//  1. CONTENT_DIR, when set: that folder, reloaded when its files change.
//     Versions published in Redis are ignored by this replica.
//  2. The current version published in Redis ("vneidbot content publish"),
//     followed through pub/sub and a periodic check.
//  3. The content embedded in the binary.
//
// Content that fails validation never replaces what is serving: the reason
// is logged, counted in metrics and shown on /readyz, and the old content
// keeps serving.
type contentSource struct {
	dir  string
	poll time.Duration // the safety-net check of the published version
	cur  atomic.Pointer[content.Catalog]
	m    contentMetrics

	swapMu  sync.Mutex           // serialises loading and swapping; guards version and tried
	version int64                // the published version serving; 0 for embedded or CONTENT_DIR content
	tried   contentstore.Current // the last published pointer acted on

	mu       sync.Mutex // guards the fields below, which /readyz reads
	origin   string     // what serves
	rejected error      // why the newest edit or version was rejected; nil once something newer serves
	redisErr bool       // the last look at the published version failed (logged once)
}

// debounce waits for an editor's burst of writes to settle before reloading.
const debounce = 400 * time.Millisecond

// pollPublished is how often a replica checks the published version even
// without an announcement. With it, a missed announcement delays a switch by
// at most this long, well within the promised 5 seconds.
const pollPublished = 2 * time.Second

type contentMetrics struct {
	version  prometheus.Gauge
	reloads  *prometheus.CounterVec
	failures *prometheus.CounterVec
	rejected prometheus.Gauge
}

func newContentMetrics() contentMetrics {
	return contentMetrics{
		version: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vneidbot_content_version",
			Help: "Published content version this replica serves; 0 for the embedded content or CONTENT_DIR.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_content_reloads_total",
			Help: "Content swapped in while running, by source (dir: CONTENT_DIR edited; published: a version from Redis).",
		}, []string{"source"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vneidbot_content_reload_failures_total",
			Help: "Content edits or published versions rejected (the previous content kept serving), by source.",
		}, []string{"source"}),
		rejected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vneidbot_content_rejected",
			Help: "1 while the newest content edit or published version is rejected and older content serves.",
		}),
	}
}

func newContentSource(dir string) (*contentSource, error) {
	s := &contentSource{dir: dir, poll: pollPublished, m: newContentMetrics(), origin: "embedded content"}
	if dir != "" {
		s.origin = "CONTENT_DIR " + dir
	}
	c, err := s.load()
	if err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", s.origin, err)
	}
	s.cur.Store(c)
	return s, nil
}

func (s *contentSource) fsys() fs.FS {
	if s.dir == "" {
		return content.Embedded
	}
	return os.DirFS(s.dir)
}

// load reads and validates the embedded content or CONTENT_DIR; the error
// lists every problem as file:line: message.
func (s *contentSource) load() (*content.Catalog, error) {
	if s.dir != "" {
		if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
			return nil, &ConfigError{"CONTENT_DIR", fmt.Sprintf("%s is not a folder", s.dir)}
		}
	}
	c, problems := content.Load(s.fsys(), content.Options{})
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Catalog returns the content being served.
func (s *contentSource) Catalog() *content.Catalog { return s.cur.Load() }

// Rejected returns why the newest content edit or published version was
// rejected, or nil when the newest content serves.
func (s *contentSource) Rejected() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Ready is the content's readiness check for /readyz: it never fails (see
// Err) and its detail says what serves and why the last edit was rejected,
// e.g. "published version 7; last edit rejected: faq/a.yaml:12: ...".
func (s *contentSource) Ready(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	detail := s.origin
	if s.rejected != nil {
		detail += "; last edit rejected: " + oneLine(s.rejected.Error(), 400)
	}
	return detail, nil
}

// oneLine joins the lines of s ("; " between them) and cuts it to about max
// characters, for the one-line detail of /readyz.
func oneLine(s string, max int) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case b.Len() == 0:
		case strings.HasSuffix(b.String(), ":"):
			b.WriteString(" ")
		default:
			b.WriteString("; ")
		}
		b.WriteString(line)
	}
	if r := []rune(b.String()); len(r) > max {
		return string(r[:max]) + "…"
	}
	return b.String()
}

// instrument registers the content metrics; registering twice is harmless.
func (s *contentSource) instrument(reg prometheus.Registerer, log *slog.Logger) {
	if reg == nil {
		return
	}
	for _, c := range []prometheus.Collector{s.m.version, s.m.reloads, s.m.failures, s.m.rejected} {
		var dup prometheus.AlreadyRegisteredError
		if err := reg.Register(c); err != nil && !errors.As(err, &dup) {
			log.Error("cannot register content metrics", "err", err)
		}
	}
}

// swap makes c the content everywhere: the engine first, then the source
// (read by the web chat). The caller holds s.swapMu.
func (s *contentSource) swap(a *app, c *content.Catalog, origin string, version int64) error {
	if a.engine != nil {
		if err := a.engine.SetContent(c); err != nil {
			return err
		}
	}
	s.cur.Store(c)
	s.version = version
	s.m.version.Set(float64(version))
	s.clearRejected()
	s.mu.Lock()
	s.origin = origin
	s.mu.Unlock()
	return nil
}

// reject records that new content was refused. The caller holds s.swapMu.
func (s *contentSource) reject(log *slog.Logger, source string, err error) {
	s.mu.Lock()
	s.rejected = err
	serving := s.origin
	s.mu.Unlock()
	s.m.failures.WithLabelValues(source).Inc()
	s.m.rejected.Set(1)
	log.Error("content rejected; the previous content keeps serving", "source", source, "serving", serving, "err", err)
}

func (s *contentSource) clearRejected() {
	s.mu.Lock()
	s.rejected = nil
	s.mu.Unlock()
	s.m.rejected.Set(0)
}

// reload loads CONTENT_DIR again and, when valid, swaps it in everywhere.
func (s *contentSource) reload(a *app) {
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	c, err := s.load()
	if err != nil {
		s.reject(a.log, "dir", err)
		return
	}
	if err := s.swap(a, c, "CONTENT_DIR "+s.dir, 0); err != nil {
		s.reject(a.log, "dir", err)
		return
	}
	s.m.reloads.WithLabelValues("dir").Inc()
	a.log.Info("content reloaded", "from", s.dir, "content", c.Summary())
}

// watch keeps the content up to date until ctx ends: it reloads CONTENT_DIR
// when it is set, and otherwise follows the version published in Redis
// (switching to it before returning, so the first message already gets it).
func (s *contentSource) watch(ctx context.Context, a *app) {
	s.instrument(a.metrics, a.log)
	if s.dir != "" {
		s.watchDir(ctx, a)
		s.warnIgnored(ctx, a)
		return
	}
	if a.store == nil {
		return
	}
	versions := contentstore.New(a.store)
	if cur, err := s.current(ctx, versions); err == nil {
		s.usePublished(ctx, a, versions, cur)
	} else {
		s.lookFailed(a.log, err)
	}
	a.background(ctx, "content-follow", func(ctx context.Context) error {
		versions.Follow(ctx, s.poll, func(ctx context.Context, cur contentstore.Current) {
			s.usePublished(ctx, a, versions, cur)
		}, func(err error) { s.lookFailed(a.log, err) })
		return nil
	})
}

// startPublished switches to the published version, if there is one and
// CONTENT_DIR is not set, before an engine exists: newApp calls it so that
// commands that do not watch (chat) start on what the replicas serve.
// watch does the same, so serve does not depend on it.
func (s *contentSource) startPublished(ctx context.Context, st *store.Store, log *slog.Logger) {
	if s.dir != "" || st == nil {
		return
	}
	versions := contentstore.New(st)
	cur, err := s.current(ctx, versions)
	if err != nil {
		s.lookFailed(log, err)
		return
	}
	s.usePublished(ctx, &app{log: log}, versions, cur)
}

// current reads the published pointer with a short timeout.
func (s *contentSource) current(ctx context.Context, versions *contentstore.Store) (contentstore.Current, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return versions.Current(ctx)
}

// warnIgnored tells the operator that CONTENT_DIR hides a published version.
func (s *contentSource) warnIgnored(ctx context.Context, a *app) {
	if a.store == nil || a.store.InProcess() {
		return
	}
	if cur, err := s.current(ctx, contentstore.New(a.store)); err == nil && cur.Version > 0 {
		a.log.Warn("CONTENT_DIR is set, so this replica serves that folder and ignores the published content version",
			"content_dir", s.dir, "published_version", cur.Version)
	}
}

// lookFailed logs a failure to read the published version, once until it
// works again: Redis being down is reported by the redis readiness check.
func (s *contentSource) lookFailed(log *slog.Logger, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.redisErr {
		log.Warn("cannot read the published content version; will retry", "err", err)
	}
	s.redisErr = true
}

// usePublished switches to the published version cur when it is not the one
// serving. A version that fails validation (for example one published by a
// newer release with rules this one lacks) is rejected once, not at every check.
func (s *contentSource) usePublished(ctx context.Context, a *app, versions *contentstore.Store, cur contentstore.Current) {
	s.mu.Lock()
	if s.redisErr {
		a.log.Info("reading the published content version works again")
		s.redisErr = false
	}
	s.mu.Unlock()
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	if cur == s.tried {
		return
	}
	if cur.Version == 0 || cur.Version == s.version {
		s.tried = cur
		if cur.Version != 0 {
			s.clearRejected() // back to the version that serves, e.g. by a rollback
		}
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, fsys, err := versions.Get(ctx, cur.Version)
	if err != nil && !errors.Is(err, contentstore.ErrNotFound) {
		s.lookFailed(a.log, err)
		return // a Redis hiccup: try again at the next check
	}
	s.tried = cur
	if err != nil {
		s.reject(a.log, "published", fmt.Errorf("published version %d: %w", cur.Version, err))
		return
	}
	c, problems := content.Load(fsys, content.Options{})
	if err := problems.Err(); err != nil {
		s.reject(a.log, "published", fmt.Errorf("published version %d: %w", cur.Version, err))
		return
	}
	origin := fmt.Sprintf("published version %d", cur.Version)
	if err := s.swap(a, c, origin, cur.Version); err != nil {
		s.reject(a.log, "published", fmt.Errorf("published version %d: %w", cur.Version, err))
		return
	}
	s.m.reloads.WithLabelValues("published").Inc()
	a.log.Info("content switched", "version", cur.Version, "action", cur.Action, "by", cur.By, "content", c.Summary())
}

// watchDir reloads CONTENT_DIR when its files change, until ctx ends.
func (s *contentSource) watchDir(ctx context.Context, a *app) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		a.log.Error("cannot watch CONTENT_DIR; edits need a restart", "err", err)
		return
	}
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if path != s.dir && hidden(path) {
			return filepath.SkipDir
		}
		return w.Add(path)
	})
	if err != nil {
		a.log.Error("cannot watch CONTENT_DIR; edits need a restart", "err", err)
		w.Close()
		return
	}
	a.background(ctx, "content-watch", func(ctx context.Context) error {
		defer w.Close()
		var timer <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				return nil
			case ev, ok := <-w.Events:
				if !ok {
					return errors.New("watcher closed")
				}
				if hidden(ev.Name) || ev.Op == fsnotify.Chmod {
					continue // editor swap files, .git, permission changes
				}
				if ev.Has(fsnotify.Create) {
					if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
						_ = w.Add(ev.Name)
					}
				}
				timer = time.After(debounce)
			case err, ok := <-w.Errors:
				if !ok {
					return errors.New("watcher closed")
				}
				a.log.Warn("content watcher", "err", err)
			case <-timer:
				timer = nil
				s.reload(a)
			}
		}
	})
}

// hidden reports whether a path names a hidden file or folder (".git",
// ".#faq.yaml") or an editor's backup ("faq.yaml~"), which never hold content.
func hidden(path string) bool {
	base := filepath.Base(path)
	return strings.HasPrefix(base, ".") || strings.HasSuffix(base, "~")
}

// publishedStore returns the version store for commands, or a usage error
// when REDIS_URL is not set (versions live in the Redis every replica uses).
func publishedStore(ctx context.Context, cfg Config, cmd string) (*contentstore.Store, func(), error) {
	if cfg.RedisURL == "" {
		return nil, nil, usageError{cmd + ": REDIS_URL is not set: published versions live in the Redis that every replica uses"}
	}
	st, err := store.Open(ctx, store.Options{URL: cfg.RedisURL})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", cmd, err)
	}
	return contentstore.New(st), func() { st.Close() }, nil
}
