package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Spool keeps verified webhook bodies on local disk while Redis cannot take
// them, so that an update answered 200 is never lost in a Redis outage, and
// hands them to the queue once Redis is back. Each event is one file,
// written to a temporary name, fsync'd, renamed and the folder fsync'd, so a
// crash leaves either the whole event or nothing. The spool is bounded in
// files and bytes; when full, the webhook answers 503 and the platform retries.
type Spool struct {
	dir      string
	maxFiles int
	maxBytes int64

	mu    sync.Mutex
	files int
	bytes int64
}

// Spool limits: a few hours of a province's traffic.
const (
	spoolMaxFiles = 20000
	spoolMaxBytes = 200 << 20
	spoolSuffix   = ".event"
)

// ErrSpoolFull means the spool holds as much as it may.
var ErrSpoolFull = errors.New("spool: full")

// OpenSpool opens (creating it if needed) the spool folder dir and counts
// what a previous process left in it.
func OpenSpool(dir string) (*Spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	s := &Spool{dir: dir, maxFiles: spoolMaxFiles, maxBytes: spoolMaxBytes}
	names, err := s.list()
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if st, err := os.Stat(filepath.Join(dir, n)); err == nil {
			s.files++
			s.bytes += st.Size()
		}
	}
	return s, nil
}

// Put stores one event durably.
func (s *Spool) Put(body []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files >= s.maxFiles || s.bytes+int64(len(body)) > s.maxBytes {
		return ErrSpoolFull
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%020d-%s%s", time.Now().UnixNano(), hex.EncodeToString(rnd[:]), spoolSuffix)
	tmp := filepath.Join(s.dir, "."+name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	_, err = f.Write(body)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, name))
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("spool: %w", err)
	}
	s.files++
	s.bytes += int64(len(body))
	return nil
}

// Replay hands spooled events, oldest first, to add, removing each once add
// succeeds; it stops at the first failure (Redis still down). It returns how
// many it handed over.
func (s *Spool) Replay(ctx context.Context, add func(context.Context, []byte) error) (int, error) {
	names, err := s.list()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, name := range names {
		path := filepath.Join(s.dir, name)
		body, err := os.ReadFile(path)
		if err != nil {
			return n, fmt.Errorf("spool: %w", err)
		}
		if err := add(ctx, body); err != nil {
			return n, err
		}
		if err := os.Remove(path); err != nil {
			return n, fmt.Errorf("spool: %w", err)
		}
		s.mu.Lock()
		s.files--
		s.bytes -= int64(len(body))
		s.mu.Unlock()
		n++
	}
	return n, nil
}

// Len is the number of events waiting in the spool.
func (s *Spool) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files
}

// RunReplay moves spooled events to the queue every interval until ctx ends.
func (s *Spool) RunReplay(ctx context.Context, every time.Duration, add func(context.Context, []byte) error, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if s.Len() > 0 {
			n, err := s.Replay(ctx, add)
			if n > 0 {
				log.Info("spool: events handed to the queue", "events", n, "left", s.Len())
			}
			if err != nil && ctx.Err() == nil {
				log.Debug("spool: replay waits for Redis", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Spool) list() ([]string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), spoolSuffix) && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names) // names start with the time: oldest first
	return names, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
