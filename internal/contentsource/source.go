// Package contentsource holds the content a replica serves and keeps it up
// to date: which content serves (CONTENT_DIR, else the version published in
// Redis, else the embedded content), watching CONTENT_DIR, following
// publishes and rollbacks, and refusing content that fails validation.
package contentsource

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

// Source holds the content being served and keeps it up to date.
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
type Source struct {
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

// New loads the content that serves before Redis is read: dir
// (CONTENT_DIR), else the embedded content. The error lists every problem
// as file:line: message.
func New(dir string) (*Source, error) {
	s := &Source{dir: dir, poll: pollPublished, m: newContentMetrics(), origin: "embedded content"}
	if dir != "" {
		s.origin = "CONTENT_DIR " + dir
	}
	c, err := s.load()
	if errors.Is(err, errNotFolder) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.origin, err)
	}
	s.cur.Store(c)
	return s, nil
}

// errNotFolder is the error of a CONTENT_DIR that is not a folder.
var errNotFolder = errors.New("is not a folder")

// FS is the files of the content given to New: CONTENT_DIR, or the
// embedded content.
func (s *Source) FS() fs.FS {
	if s.dir == "" {
		return content.Embedded
	}
	return os.DirFS(s.dir)
}

// load reads and validates the embedded content or CONTENT_DIR; the error
// lists every problem as file:line: message.
func (s *Source) load() (*content.Catalog, error) {
	if s.dir != "" {
		if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("CONTENT_DIR: %s %w", s.dir, errNotFolder)
		}
	}
	c, problems := content.Load(s.FS(), content.Options{})
	if err := problems.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Catalog returns the content being served.
func (s *Source) Catalog() *content.Catalog { return s.cur.Load() }

// Rejected returns why the newest content edit or published version was
// rejected, or nil when the newest content serves.
func (s *Source) Rejected() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rejected
}

// Ready is the content's readiness check for /readyz: it never fails (see
// Err) and its detail says what serves and why the last edit was rejected,
// e.g. "published version 7; last edit rejected: faq/a.yaml:12: ...".
func (s *Source) Ready(context.Context) (string, error) {
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
func (s *Source) instrument(reg prometheus.Registerer, log *slog.Logger) {
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

// swap makes c the content everywhere: the engine (o.Swap) first, then the
// source (read by the web chat). The caller holds s.swapMu.
func (s *Source) swap(o WatchOptions, c *content.Catalog, origin string, version int64) error {
	if o.Swap != nil {
		if err := o.Swap(c); err != nil {
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
func (s *Source) reject(log *slog.Logger, source string, err error) {
	s.mu.Lock()
	s.rejected = err
	serving := s.origin
	s.mu.Unlock()
	s.m.failures.WithLabelValues(source).Inc()
	s.m.rejected.Set(1)
	log.Error("content rejected; the previous content keeps serving", "source", source, "serving", serving, "err", err)
}

func (s *Source) clearRejected() {
	s.mu.Lock()
	s.rejected = nil
	s.mu.Unlock()
	s.m.rejected.Set(0)
}

// reload loads CONTENT_DIR again and, when valid, swaps it in everywhere.
func (s *Source) reload(o WatchOptions) {
	s.swapMu.Lock()
	defer s.swapMu.Unlock()
	c, err := s.load()
	if err != nil {
		s.reject(o.Logger, "dir", err)
		return
	}
	if err := s.swap(o, c, "CONTENT_DIR "+s.dir, 0); err != nil {
		s.reject(o.Logger, "dir", err)
		return
	}
	s.m.reloads.WithLabelValues("dir").Inc()
	o.Logger.Info("content reloaded", "from", s.dir, "content", c.Summary())
}

// WatchOptions are what Watch needs from the running bot.
type WatchOptions struct {
	Store   *store.Store          // where versions are published; nil: none are followed
	Logger  *slog.Logger          // (required)
	Metrics prometheus.Registerer // nil: the content metrics are not exported
	// Swap makes new content serve (the engine's SetContent) before the
	// source hands it out; content it refuses is rejected. nil: only the
	// source changes.
	Swap func(*content.Catalog) error
	// Go runs fn in the background until ctx ends; the bot's shutdown
	// waits for it. (required)
	Go func(ctx context.Context, name string, fn func(context.Context) error)
}

// Watch keeps the content up to date until ctx ends: it reloads CONTENT_DIR
// when it is set, and otherwise follows the version published in Redis
// (switching to it before returning, so the first message already gets it).
func (s *Source) Watch(ctx context.Context, o WatchOptions) {
	s.instrument(o.Metrics, o.Logger)
	if s.dir != "" {
		s.watchDir(ctx, o)
		s.warnIgnored(ctx, o)
		return
	}
	if o.Store == nil {
		return
	}
	versions := contentstore.New(o.Store)
	if cur, err := s.current(ctx, versions); err == nil {
		s.usePublished(ctx, o, versions, cur)
	} else {
		s.lookFailed(o.Logger, err)
	}
	o.Go(ctx, "content-follow", func(ctx context.Context) error {
		versions.Follow(ctx, s.poll, func(ctx context.Context, cur contentstore.Current) {
			s.usePublished(ctx, o, versions, cur)
		}, func(err error) { s.lookFailed(o.Logger, err) })
		return nil
	})
}

// StartPublished switches to the published version, if there is one and
// CONTENT_DIR is not set, before an engine exists: the bot calls it so that
// commands that do not watch (chat) start on what the replicas serve.
// Watch does the same, so serving does not depend on it.
func (s *Source) StartPublished(ctx context.Context, st *store.Store, log *slog.Logger) {
	if s.dir != "" || st == nil {
		return
	}
	versions := contentstore.New(st)
	cur, err := s.current(ctx, versions)
	if err != nil {
		s.lookFailed(log, err)
		return
	}
	s.usePublished(ctx, WatchOptions{Logger: log}, versions, cur)
}

// current reads the published pointer with a short timeout.
func (s *Source) current(ctx context.Context, versions *contentstore.Store) (contentstore.Current, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return versions.Current(ctx)
}

// warnIgnored tells the operator that CONTENT_DIR hides a published version.
func (s *Source) warnIgnored(ctx context.Context, o WatchOptions) {
	if o.Store == nil || o.Store.InProcess() {
		return
	}
	if cur, err := s.current(ctx, contentstore.New(o.Store)); err == nil && cur.Version > 0 {
		o.Logger.Warn("CONTENT_DIR is set, so this replica serves that folder and ignores the published content version",
			"content_dir", s.dir, "published_version", cur.Version)
	}
}

// lookFailed logs a failure to read the published version, once until it
// works again: Redis being down is reported by the redis readiness check.
func (s *Source) lookFailed(log *slog.Logger, err error) {
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
func (s *Source) usePublished(ctx context.Context, o WatchOptions, versions *contentstore.Store, cur contentstore.Current) {
	s.mu.Lock()
	if s.redisErr {
		o.Logger.Info("reading the published content version works again")
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
		s.lookFailed(o.Logger, err)
		return // a Redis hiccup: try again at the next check
	}
	s.tried = cur
	if err != nil {
		s.reject(o.Logger, "published", fmt.Errorf("published version %d: %w", cur.Version, err))
		return
	}
	c, problems := content.Load(fsys, content.Options{})
	if err := problems.Err(); err != nil {
		s.reject(o.Logger, "published", fmt.Errorf("published version %d: %w", cur.Version, err))
		return
	}
	origin := fmt.Sprintf("published version %d", cur.Version)
	if err := s.swap(o, c, origin, cur.Version); err != nil {
		s.reject(o.Logger, "published", fmt.Errorf("published version %d: %w", cur.Version, err))
		return
	}
	s.m.reloads.WithLabelValues("published").Inc()
	o.Logger.Info("content switched", "version", cur.Version, "action", cur.Action, "by", cur.By, "content", c.Summary())
}

// watchDir reloads CONTENT_DIR when its files change, until ctx ends.
func (s *Source) watchDir(ctx context.Context, o WatchOptions) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		o.Logger.Error("cannot watch CONTENT_DIR; edits need a restart", "err", err)
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
		o.Logger.Error("cannot watch CONTENT_DIR; edits need a restart", "err", err)
		w.Close()
		return
	}
	o.Go(ctx, "content-watch", func(ctx context.Context) error {
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
				o.Logger.Warn("content watcher", "err", err)
			case <-timer:
				timer = nil
				s.reload(o)
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
