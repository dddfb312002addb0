// Package contentstore keeps published versions of the content in Redis, so
// that every replica of the bot serves the same content, and an operator can
// publish a new version or go back to an older one without a redeploy.
//
// A version is the content folder's files, validated, packed into one zip
// archive (deflate-compressed), with its metadata, under a number that only
// grows. A "current" pointer names the version replicas serve; changing it
// is announced on a pub/sub channel, and replicas also read the pointer every
// few seconds in case they missed an announcement.
//
// Keys, all under one hash tag so that Redis Cluster keeps them in one slot:
//
//	<prefix>:{content}:seq      the last version number handed out (INCR)
//	<prefix>:{content}:v:<N>    hash: "meta" (Version as JSON), "files" (zip archive)
//	<prefix>:{content}:index    sorted set of the version numbers kept
//	<prefix>:{content}:current  Current as JSON
//	<prefix>:{content}:switch   pub/sub channel; the message is the new current number
package contentstore

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/store"
)

// Limits on what one version may hold. The real content is well under 1 MiB.
const (
	MaxFiles = 2000
	MaxBytes = 32 << 20 // uncompressed, all files together
)

// DefaultKeep is how many of the newest versions are kept by default.
const DefaultKeep = 100

// ErrNotFound means the version does not exist (never published, or deleted
// because it was too old).
var ErrNotFound = errors.New("contentstore: no such version")

// InvalidError means content failed validation and was not stored.
type InvalidError struct {
	Problems content.Problems // the errors (not warnings), each with file:line
}

func (e *InvalidError) Error() string {
	if err := e.Problems.Err(); err != nil {
		return err.Error() // "content has N problem(s):" and one file:line line each
	}
	return "content is invalid"
}

// Version describes one published version.
type Version struct {
	Number  int64     `json:"number"`
	Time    time.Time `json:"time"`
	Note    string    `json:"note,omitempty"`
	By      string    `json:"by,omitempty"`
	Flows   int       `json:"flows"`
	Steps   int       `json:"steps"`
	FAQ     int       `json:"faq"`
	Locales []string  `json:"locales"`
	Files   int       `json:"files"`
	Bytes   int       `json:"bytes"`  // size of the stored archive
	SHA256  string    `json:"sha256"` // of the archive: equal sums mean equal content
}

// Summary is the line "content check" prints for the same content.
func (v Version) Summary() string {
	return fmt.Sprintf("%d flows, %d steps, %d faq entries, locales: %s", v.Flows, v.Steps, v.FAQ, strings.Join(v.Locales, ","))
}

// Current is the pointer to the version replicas serve: which one, since
// when, and how it became current.
type Current struct {
	Version int64     `json:"version"` // 0 when nothing was ever published
	Time    time.Time `json:"time"`
	Action  string    `json:"action"` // "publish" or "rollback"
	By      string    `json:"by,omitempty"`
}

// Store keeps content versions in the Redis of a store.Store.
// It is safe for concurrent use.
type Store struct {
	// Keep is how many of the newest versions Publish keeps; older ones are
	// deleted, except the current one. Set it before use.
	Keep int

	rdb     redis.UniversalClient
	seq     string
	index   string
	current string
	channel string
	key     func(parts ...string) string
	now     func() time.Time
}

// New returns a Store that keeps its keys under st's prefix.
func New(st *store.Store) *Store {
	key := st.ContentKey
	return &Store{
		Keep:    DefaultKeep,
		rdb:     st.Client(),
		seq:     key("seq"),
		index:   key("index"),
		current: key("current"),
		channel: key("switch"),
		key:     key,
		now:     time.Now,
	}
}

func (s *Store) versionKey(n int64) string { return s.key("v", strconv.FormatInt(n, 10)) }

// Publish validates the content in fsys, stores it as a new version, makes
// that version current and announces it. Invalid content returns an
// *InvalidError and changes nothing.
func (s *Store) Publish(ctx context.Context, fsys fs.FS, note, by string) (Version, error) {
	archive, files, err := Pack(fsys)
	if err != nil {
		return Version{}, err
	}
	zfs, err := Unpack(archive)
	if err != nil {
		return Version{}, err
	}
	// Validate what is stored, not the folder: a file the packer left out
	// shows up here as a problem instead of on every replica.
	cat, problems := content.Load(zfs, content.Options{})
	if cat == nil {
		return Version{}, &InvalidError{Problems: problems.Errors()}
	}
	sum := sha256.Sum256(archive)
	n, err := s.rdb.Incr(ctx, s.seq).Result()
	if err != nil {
		return Version{}, fmt.Errorf("publish: next version number: %w", err)
	}
	v := Version{
		Number: n, Time: s.now().UTC().Truncate(time.Second), Note: note, By: by,
		Flows: len(cat.Flows), FAQ: len(cat.FAQ), Locales: cat.Meta.Locales,
		Files: files, Bytes: len(archive), SHA256: hex.EncodeToString(sum[:]),
	}
	for _, f := range cat.Flows {
		v.Steps += len(f.Steps)
	}
	meta, err := json.Marshal(v)
	if err != nil {
		return Version{}, err
	}
	cur, err := json.Marshal(Current{Version: n, Time: v.Time, Action: "publish", By: by})
	if err != nil {
		return Version{}, err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.versionKey(n), "meta", meta, "files", archive)
		p.ZAdd(ctx, s.index, redis.Z{Score: float64(n), Member: n})
		p.Set(ctx, s.current, cur, 0)
		return nil
	})
	if err != nil {
		return Version{}, fmt.Errorf("publish version %d: %w", n, err)
	}
	s.announce(ctx, n)
	s.prune(ctx)
	return v, nil
}

// announce tells every replica that the current version changed. A lost
// announcement only delays the switch until the replicas' next periodic check.
func (s *Store) announce(ctx context.Context, n int64) {
	_ = s.rdb.Publish(ctx, s.channel, n).Err()
}

// prune deletes all but the s.Keep newest versions, except the current one.
func (s *Store) prune(ctx context.Context) {
	old, err := s.rdb.ZRange(ctx, s.index, 0, -int64(s.Keep)-1).Result()
	if err != nil || len(old) == 0 {
		return
	}
	cur, err := s.Current(ctx)
	if err != nil {
		return
	}
	for _, m := range old {
		if m == strconv.FormatInt(cur.Version, 10) {
			continue
		}
		_, _ = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, s.key("v", m))
			p.ZRem(ctx, s.index, m)
			return nil
		})
	}
}

// Unchanged returns the current version's number when fsys holds exactly
// its files, and 0 otherwise (or when nothing is published).
func (s *Store) Unchanged(ctx context.Context, fsys fs.FS) (int64, error) {
	cur, err := s.Current(ctx)
	if err != nil || cur.Version == 0 {
		return 0, err
	}
	v, _, err := s.Get(ctx, cur.Version)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	archive, _, err := Pack(fsys)
	if err != nil {
		return 0, err
	}
	if sum := sha256.Sum256(archive); hex.EncodeToString(sum[:]) == v.SHA256 {
		return v.Number, nil
	}
	return 0, nil
}

// Rollback makes version n current again and announces it. It refuses a
// version that no longer passes this program's validation (for example one
// published before a rule was added), returning an *InvalidError.
func (s *Store) Rollback(ctx context.Context, n int64, by string) (Version, error) {
	v, fsys, err := s.Get(ctx, n)
	if err != nil {
		return Version{}, err
	}
	if cat, problems := content.Load(fsys, content.Options{}); cat == nil {
		return Version{}, &InvalidError{Problems: problems.Errors()}
	}
	cur, err := json.Marshal(Current{Version: n, Time: s.now().UTC().Truncate(time.Second), Action: "rollback", By: by})
	if err != nil {
		return Version{}, err
	}
	if err := s.rdb.Set(ctx, s.current, cur, 0).Err(); err != nil {
		return Version{}, fmt.Errorf("rollback to version %d: %w", n, err)
	}
	s.announce(ctx, n)
	return v, nil
}

// Current returns the pointer to the version replicas serve; its Version is
// 0 when nothing was ever published.
func (s *Store) Current(ctx context.Context) (Current, error) {
	var c Current
	err := store.ReadJSON(s.rdb.Get(ctx, s.current), &c, "current content version", nil)
	return c, err
}

// Get returns version n: its metadata and its files.
func (s *Store) Get(ctx context.Context, n int64) (Version, fs.FS, error) {
	vals, err := s.rdb.HMGet(ctx, s.versionKey(n), "meta", "files").Result()
	if err != nil {
		return Version{}, nil, fmt.Errorf("read content version %d: %w", n, err)
	}
	meta, _ := vals[0].(string)
	files, _ := vals[1].(string)
	if meta == "" || files == "" {
		return Version{}, nil, fmt.Errorf("version %d: %w", n, ErrNotFound)
	}
	var v Version
	if err := json.Unmarshal([]byte(meta), &v); err != nil {
		return Version{}, nil, fmt.Errorf("read content version %d: %w", n, err)
	}
	fsys, err := Unpack([]byte(files))
	if err != nil {
		return Version{}, nil, fmt.Errorf("read content version %d: %w", n, err)
	}
	return v, fsys, nil
}

// Versions lists up to limit versions (all when limit <= 0), newest first.
func (s *Store) Versions(ctx context.Context, limit int) ([]Version, error) {
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit) - 1
	}
	nums, err := s.rdb.ZRevRange(ctx, s.index, 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("list content versions: %w", err)
	}
	cmds := make([]*redis.StringCmd, len(nums))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, n := range nums {
			cmds[i] = p.HGet(ctx, s.key("v", n), "meta")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("list content versions: %w", err)
	}
	out := make([]Version, 0, len(cmds))
	for _, c := range cmds {
		var v Version
		if b, err := c.Bytes(); err == nil && json.Unmarshal(b, &v) == nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// Follow calls fn with the current pointer once subscribed, then on every
// announcement and, as a safety net, every poll interval, until ctx ends.
// fn decides whether anything changed. Errors reading Redis go to onErr and
// are retried at the next tick; the subscription reconnects by itself.
func (s *Store) Follow(ctx context.Context, poll time.Duration, fn func(context.Context, Current), onErr func(error)) {
	ps := s.rdb.Subscribe(ctx, s.channel)
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil && ctx.Err() == nil {
		onErr(fmt.Errorf("subscribe to content announcements: %w", err))
	}
	msgs := ps.Channel()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	check := func() {
		cur, err := s.Current(ctx)
		if err != nil {
			if ctx.Err() == nil {
				onErr(err)
			}
			return
		}
		fn(ctx, cur)
	}
	check()
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-msgs:
			if !ok {
				msgs = nil // closed: rely on polling
				continue
			}
			check()
		case <-tick.C:
			check()
		}
	}
}

// Walk calls fn with the name and bytes of every content file of fsys, in
// lexical order: every .yaml or .yml file (or link to one), skipping hidden
// files and folders and testdata. An error from fn stops the walk.
func Walk(fsys fs.FS, fn func(name string, data []byte) error) error {
	return fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		base := path.Base(name)
		if d.IsDir() {
			if name != "." && (strings.HasPrefix(base, ".") || base == "testdata") {
				return fs.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(base, ".") || (path.Ext(name) != ".yaml" && path.Ext(name) != ".yml") || !d.Type().IsRegular() && d.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		return fn(name, data)
	})
}

// Pack reads the content files of fsys (see Walk) into one zip archive. The
// archive depends only on the files' names and bytes, so equal content packs
// to equal bytes.
func Pack(fsys fs.FS) (archive []byte, files int, err error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	total := 0
	err = Walk(fsys, func(name string, data []byte) error {
		files++
		total += len(data)
		if files > MaxFiles || total > MaxBytes {
			return fmt.Errorf("content is too big to publish (over %d files or %d MiB)", MaxFiles, MaxBytes>>20)
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("pack content: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, 0, fmt.Errorf("pack content: %w", err)
	}
	return buf.Bytes(), files, nil
}

// Unpack opens an archive made by Pack as a file system.
func Unpack(archive []byte) (fs.FS, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, fmt.Errorf("unpack content: %w", err)
	}
	if len(zr.File) > MaxFiles {
		return nil, fmt.Errorf("unpack content: %d files, over %d", len(zr.File), MaxFiles)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > MaxBytes {
		return nil, fmt.Errorf("unpack content: %d bytes, over %d", total, MaxBytes)
	}
	return zr, nil
}
