// Package session declares how one chat's conversation state is kept
// between updates: the snapshot the engine loads, the commit it saves and
// the replies kept in the chat's outbox until delivered. It holds only
// types, so that the engine (flows) and the Redis store (internal/store)
// agree on them while the engine imports no Redis client.
package session

import (
	"errors"
	"time"
)

// Errors of a save.
var (
	// ErrConflict means another update of the same chat saved first; reload and retry.
	ErrConflict = errors.New("store: session changed concurrently")
	// ErrDuplicate means this message id was already handled.
	ErrDuplicate = errors.New("store: message already handled")
)

// Snapshot is a session as loaded: its bytes, its version (0 when new) and
// whether the message being handled was seen before.
type Snapshot struct {
	Data      []byte
	Version   int64
	Duplicate bool
}

// Commit is one update's change: the session, the message that caused it,
// and the replies to keep until delivered.
type Commit struct {
	Chat    string
	Version int64  // the version the session was loaded at
	Data    []byte // the new session
	MsgID   string // the update's message id; empty disables dedup and outbox
	Replies []byte // encoded replies for the outbox; nil keeps none
	// Pending lists the outbox entry in the global index that the outbox
	// sweeper reads, for channels whose replies the bot delivers itself.
	Pending bool
	// Keep is how long the chat's outbox lives after this write (1 day when zero).
	Keep time.Duration
	// Inline keeps the replies, for Keep, as the value of the message's
	// dedup mark instead of in the outbox stream: for replies answered at
	// once (the web chat), kept only so that a retried request gets them
	// again. One key instead of a stream entry and its TTL costs Redis a
	// third less time per save. Ignored with Pending.
	Inline bool
	// TTL is how long the session lives after this write; zero means the
	// store's SessionTTL. A conversation that never went past the greeting
	// is kept a short time only (its dedup mark too, when that is shorter).
	TTL time.Duration
}

// Saved is the result of a successful save.
type Saved struct {
	Version int64
	EntryID string // outbox entry id, "" when nothing was kept
}

// Entry is one update's replies waiting in a chat's outbox.
type Entry struct {
	ID      string // stream entry id
	MsgID   string // the update that produced them
	Replies []byte
}
