package flows

import (
	"time"

	"github.com/vneid-guide/vneidbot/internal/redact"
)

// An ID number sent a few digits a message ("001", "203", "004", "567")
// shows no message as a secret (security review T9). The session counts
// the digits of the bare numbers sent in a row, never the digits
// themselves, and the message that brings them to an ID number's nine is
// handled as one: warned about, and kept by no statistic or ticket. The
// parts before it were hidden as they came if they had three digits or
// more (redact.String hides a message of three digits and nothing else);
// parts of two digits that came before are kept as typed.
const (
	// pieceWindow is how far apart the parts of one number may come.
	pieceWindow = 10 * time.Minute
	// minPiece is how many digits a bare number must have to be a part:
	// a single digit is a button's number ("2"), not a part of an ID.
	minPiece = 2
	// pieceDigits is how many digits, added up, make an ID number: the old
	// card's nine (the new card has twelve).
	pieceDigits = 9
	// maxPieces bounds the count kept in the session.
	maxPieces = 99
)

// countPieces counts this update with the bare numbers sent just before
// it, and reports whether it is the part of a number sent in pieces that
// makes it an ID number (or a later part).
func (t *turn) countPieces(idle time.Duration) bool {
	n := 0
	if t.in.Kind == KindText {
		n = redact.BareDigits(t.in.Text)
	}
	before := t.s.Pieces
	if idle > pieceWindow {
		before = 0
	}
	if n < minPiece {
		t.s.Pieces = 0
		return false
	}
	t.s.Pieces = min(before+n, maxPieces)
	return before > 0 && before+n >= pieceDigits
}
