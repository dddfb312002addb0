package flows

import (
	"context"

	"github.com/vneid-guide/vneidbot/internal/session"
)

// SessionStore keeps each chat's session, deduplicates updates and keeps
// the replies of recent updates. *store.Store (Redis) is the one of
// production; the engine needs nothing else from it.
type SessionStore interface {
	// LoadSession reads a chat's session and tells whether msgID was
	// handled before, in one round trip.
	LoadSession(ctx context.Context, chat, msgID string) (session.Snapshot, error)
	// SaveSession saves the session if its version is still the one
	// loaded, marks the message handled and keeps its replies, atomically:
	// session.ErrConflict or session.ErrDuplicate otherwise.
	SaveSession(ctx context.Context, c session.Commit) (session.Saved, error)
	// Outbox lists the replies kept for a chat, oldest first.
	Outbox(ctx context.Context, chat string) ([]session.Entry, error)
	// Kept returns the replies an Inline save kept for msgID, nil if none.
	Kept(ctx context.Context, chat, msgID string) ([]byte, error)
}

// Sender delivers replies to one chat of one channel: every channel
// adapter that is not answered in place (the web chat is) has one, and
// package delivery calls it.
type Sender interface {
	Send(ctx context.Context, chatID string, replies []Reply) error
}
