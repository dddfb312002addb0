package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/vneid-guide/vneidbot/content"
)

// contentSource holds the content being served: the embedded set, or
// CONTENT_DIR, reloaded when its files change. Content that fails validation
// never replaces what is serving.
type contentSource struct {
	dir string
	cur atomic.Pointer[content.Catalog]

	mu      sync.Mutex
	lastErr error // the last rejected reload, reported by /readyz
}

// debounce waits for an editor's burst of writes to settle before reloading.
const debounce = 400 * time.Millisecond

func newContentSource(dir string) (*contentSource, error) {
	s := &contentSource{dir: dir}
	c, err := s.load()
	if err != nil {
		return nil, err
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

func (s *contentSource) load() (*content.Catalog, error) {
	if s.dir != "" {
		if st, err := os.Stat(s.dir); err != nil || !st.IsDir() {
			return nil, &ConfigError{"CONTENT_DIR", fmt.Sprintf("%s is not a folder", s.dir)}
		}
	}
	c, problems := content.Load(s.fsys(), content.Options{})
	if err := problems.Err(); err != nil {
		where := "embedded content"
		if s.dir != "" {
			where = "CONTENT_DIR " + s.dir
		}
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return c, nil
}

// Catalog returns the content being served.
func (s *contentSource) Catalog() *content.Catalog { return s.cur.Load() }

// Err returns why the last reload was rejected, or nil.
func (s *contentSource) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// reload loads the folder again and, when valid, swaps it in everywhere.
func (s *contentSource) reload(a *app) {
	c, err := s.load()
	s.mu.Lock()
	s.lastErr = err
	s.mu.Unlock()
	if err != nil {
		a.log.Error("content edit rejected; the previous content keeps serving", "err", err)
		return
	}
	if err := a.engine.SetContent(c); err != nil {
		a.log.Error("content swap failed", "err", err)
		return
	}
	s.cur.Store(c)
	a.log.Info("content reloaded", "content", c.Summary())
}

// watch reloads CONTENT_DIR when its files change, until ctx ends.
func (s *contentSource) watch(ctx context.Context, a *app) {
	if s.dir == "" {
		return
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		a.log.Error("cannot watch CONTENT_DIR; edits need a restart", "err", err)
		return
	}
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			err = w.Add(path)
		}
		return err
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
				if ev.Has(fsnotify.Create) {
					if st, err := os.Stat(ev.Name); err == nil && st.IsDir() {
						_ = w.Add(ev.Name)
					}
				}
				timer = time.After(debounce)
			case err := <-w.Errors:
				a.log.Warn("content watcher", "err", err)
			case <-timer:
				timer = nil
				s.reload(a)
			}
		}
	})
}
