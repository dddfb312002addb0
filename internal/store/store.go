// Package store keeps the bot's state in Redis: sessions (with optimistic
// concurrency), inbound deduplication, and whatever other keys the channels
// need through Client. With no REDIS_URL it starts an in-process Redis
// (miniredis), so the same code runs in development, tests and production.
package store

import (
	"context"
	"crypto/rand"
	_ "embed"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/session"
)

// Errors returned by SaveSession (declared in package session, which the
// engine uses without importing Redis).
var (
	ErrConflict  = session.ErrConflict
	ErrDuplicate = session.ErrDuplicate
)

// Store is a Redis-backed state store. It is safe for concurrent use.
type Store struct {
	rdb      redis.UniversalClient
	mini     *miniredis.Miniredis // non-nil when running in-process
	prefix   string
	ttl      time.Duration
	dedupTTL time.Duration
	save     *redis.Script
}

// Options configure a Store.
type Options struct {
	URL        string        // redis://host:port/db; empty starts an in-process Redis
	Prefix     string        // key prefix, "vneid" by default; tests use a unique one each
	SessionTTL time.Duration // 720h by default
	DedupTTL   time.Duration // 48h by default
}

//go:embed save.lua
var saveScript string

// Open connects to Redis (or starts an in-process one) and checks that it answers.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Prefix == "" {
		o.Prefix = "vneid"
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = 720 * time.Hour
	}
	if o.DedupTTL <= 0 {
		o.DedupTTL = 48 * time.Hour
	}
	s := &Store{prefix: o.Prefix, ttl: o.SessionTTL, dedupTTL: o.DedupTTL, save: redis.NewScript(saveScript)}
	if o.URL == "" {
		m := miniredis.NewMiniRedis()
		// It listens on loopback: with a password no other process on the
		// host (or in the pod) can reach it and run Lua in ours (probe S3).
		pw := rand.Text()
		m.RequireAuth(pw)
		if err := m.Start(); err != nil {
			return nil, fmt.Errorf("start in-process redis: %w", err)
		}
		s.mini = m
		s.rdb = redis.NewClient(&redis.Options{Addr: m.Addr(), Password: pw, Protocol: 2})
	} else {
		opts, err := ParseURL(o.URL)
		if err != nil {
			return nil, fmt.Errorf("parse REDIS_URL: %w", err)
		}
		tune(opts)
		s.rdb = redis.NewUniversalClient(opts)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.save.Load(ctx, s.rdb).Err(); err != nil {
		s.Close()
		return nil, fmt.Errorf("load save script: %w", err)
	}
	if s.mini == nil {
		mctx, cancel := context.WithTimeout(ctx, migrateTimeout)
		err := s.migrate(mctx)
		cancel()
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// tune sets timeouts so that an unreachable Redis fails a request within
// about two seconds, and honours request contexts, instead of letting
// requests queue: callers answer 503 and platforms retry.
func tune(o *redis.UniversalOptions) {
	o.Protocol = 2 // RESP2: no push notifications to check for on every reply
	o.DialTimeout = 2 * time.Second
	o.ReadTimeout = 2 * time.Second
	o.WriteTimeout = 2 * time.Second
	o.PoolTimeout = 3 * time.Second
	o.MaxRetries = 2
	o.ContextTimeoutEnabled = true
	// go-redis peeks at a pooled connection's socket (one more system call)
	// before every command or pipeline, to find connections the server
	// closed. Under load that was ~5% of the bot's CPU per update
	// (docs/benchmarks.md), for connections used a moment ago. The dialer
	// below lets the peek happen only on a connection idle for checkIdle:
	// after a Redis restart or outage the pooled connections are idle, so
	// they are still found dead and replaced before use (the outage tests).
	// A TLS connection is never peeked at by go-redis; its dialing is left
	// to go-redis.
	if o.TLSConfig != nil {
		return
	}
	d := &net.Dialer{Timeout: o.DialTimeout, KeepAlive: 5 * time.Minute}
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sc, ok := c.(syscall.Conn)
		if !ok {
			return c, nil
		}
		cc := &checkedConn{Conn: c, sc: sc}
		cc.used.Store(time.Now().UnixNano())
		return cc, nil
	}
}

// checkIdle is how long a Redis connection must have been idle before
// go-redis's health peek really looks at its socket.
const checkIdle = 100 * time.Millisecond

// checkedConn is a Redis connection that remembers when it last read, so
// that the health peek can skip a connection in constant use (see tune).
type checkedConn struct {
	net.Conn
	sc   syscall.Conn
	used atomic.Int64 // unix nanoseconds of the last read
}

func (c *checkedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.used.Store(time.Now().UnixNano())
	return n, err
}

// SyscallConn gives go-redis's health peek the socket, through recentConn.
func (c *checkedConn) SyscallConn() (syscall.RawConn, error) {
	rc, err := c.sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	return recentConn{rc, c}, nil
}

// recentConn answers a peek at a connection that read within checkIdle
// as healthy without a system call; any other peek reaches the socket.
type recentConn struct {
	syscall.RawConn
	c *checkedConn
}

func (r recentConn) Read(f func(fd uintptr) bool) error {
	if time.Now().UnixNano()-r.c.used.Load() < int64(checkIdle) {
		return nil
	}
	return r.RawConn.Read(f)
}

// InProcess reports whether the store runs on an in-process Redis, whose data
// is lost when the process exits.
func (s *Store) InProcess() bool { return s.mini != nil }

// Client returns the Redis client, for packages that keep their own keys.
// Keys must start with Key(...) so that they share the store's prefix.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Key builds a key under the store's prefix: Key("tg", "lease") is
// "vneid:tg:lease". It is for keys that stand alone; the named functions of
// keys.go build every key of the bot.
func (s *Store) Key(parts ...string) string { return s.prefix + joinParts(parts) }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Close releases the connection and stops an in-process Redis.
func (s *Store) Close() error {
	err := s.rdb.Close()
	if s.mini != nil {
		s.mini.Close()
	}
	return err
}

// Snapshot is a session as loaded (see package session).
type Snapshot = session.Snapshot

// LoadSession reads a chat's session and checks msgID against the dedup set,
// in one round trip.
func (s *Store) LoadSession(ctx context.Context, chat, msgID string) (Snapshot, error) {
	var (
		get *redis.SliceCmd
		dup *redis.IntCmd
	)
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.HMGet(ctx, s.SessionKey(chat), "v", "d")
		if msgID != "" {
			dup = p.Exists(ctx, s.DedupKey(chat, msgID))
		}
		return nil
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("load session: %w", err)
	}
	var snap Snapshot
	vals := get.Val()
	if v, ok := vals[0].(string); ok {
		snap.Version, _ = strconv.ParseInt(v, 10, 64)
	}
	if d, ok := vals[1].(string); ok {
		snap.Data = []byte(d)
	}
	if dup != nil {
		snap.Duplicate = dup.Val() > 0
	}
	return snap, nil
}

// LoadSessions reads the sessions of chats in one pipelined round trip, for
// bulk readers such as a broadcast choosing its recipients: far fewer round
// trips, and far less CPU on both sides, than one LoadSession per chat. It
// checks no message id.
func (s *Store) LoadSessions(ctx context.Context, chats []string) ([]Snapshot, error) {
	cmds := make([]*redis.SliceCmd, len(chats))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, chat := range chats {
			cmds[i] = p.HMGet(ctx, s.SessionKey(chat), "v", "d")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load sessions: %w", err)
	}
	out := make([]Snapshot, len(chats))
	for i, c := range cmds {
		vals := c.Val()
		if v, ok := vals[0].(string); ok {
			out[i].Version, _ = strconv.ParseInt(v, 10, 64)
		}
		if d, ok := vals[1].(string); ok {
			out[i].Data = []byte(d)
		}
	}
	return out, nil
}

// Commit is one update's change (see package session).
type Commit = session.Commit

// Saved is the result of a successful SaveSession.
type Saved = session.Saved

// SaveSession writes c.Data as the chat's session if its stored version is
// still c.Version, marks c.MsgID as handled, and keeps c.Replies in the
// chat's outbox, atomically, in one round trip. It returns ErrConflict when
// another update saved first, or ErrDuplicate when c.MsgID was handled
// meanwhile.
func (s *Store) SaveSession(ctx context.Context, c Commit) (Saved, error) {
	keys := []string{s.SessionKey(c.Chat), s.DedupKey(c.Chat, c.MsgID), s.OutboxKey(c.Chat)}
	keep := c.Keep
	if keep <= 0 {
		keep = outboxTTL
	}
	ttl, dedup := s.ttl, s.dedupTTL
	if c.TTL > 0 {
		ttl, dedup = c.TTL, min(dedup, c.TTL) // a short-lived chat leaves no longer-lived key behind
	}
	inline := "0"
	if c.Inline && !c.Pending {
		inline = "1"
	}
	args := []any{c.Version, c.Data, ttl.Milliseconds(), dedup.Milliseconds(), c.MsgID, c.Replies, keep.Milliseconds(), inline}
	var res *redis.Cmd
	exec := func() error {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			res = s.save.EvalSha(ctx, p, keys, args...)
			if c.Pending && c.MsgID != "" && len(c.Replies) > 0 {
				p.ZAdd(ctx, s.OutboxPendingKey(), redis.Z{Score: float64(time.Now().UnixMilli()), Member: pendingMember(c.Chat, c.MsgID)})
			}
			return nil
		})
		return err
	}
	err := exec()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis restarted and lost its script cache: load it and go again.
		if err = s.save.Load(ctx, s.rdb).Err(); err == nil {
			err = exec()
		}
	}
	if err != nil {
		return Saved{}, fmt.Errorf("save session: %w", err)
	}
	vals, err := res.Slice()
	if err != nil || len(vals) != 2 {
		return Saved{}, fmt.Errorf("save session: unexpected reply %v: %w", vals, err)
	}
	n, _ := vals[0].(int64)
	id, _ := vals[1].(string)
	switch n {
	case -1:
		return Saved{}, ErrConflict
	case -2:
		return Saved{}, ErrDuplicate
	}
	return Saved{Version: n, EntryID: id}, nil
}

// FastForward moves the in-process Redis clock, for tests of expiry.
// It does nothing against a real Redis.
func (s *Store) FastForward(d time.Duration) {
	if s.mini != nil {
		s.mini.FastForward(d)
	}
}

// SetLogger routes the Redis client's own messages (such as "failed to dial"
// during an outage) to log at debug level: /readyz and the callers' errors
// already report an outage, once per request rather than once per retry.
func SetLogger(log *slog.Logger) { redis.SetLogger(redisLog{log}) }

type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.Debug("redis client: " + fmt.Sprintf(format, v...))
}
