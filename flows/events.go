package flows

import (
	"context"
	"time"
)

// EventKind names what happened in a turn, for the funnel and statistics.
type EventKind string

// The events a turn can record.
const (
	EventFirstContact  EventKind = "first_contact"    // a chat's first update
	EventStep          EventKind = "step"             // a flow step was shown
	EventCompleted     EventKind = "completed"        // a flow's final step was reached
	EventStuck         EventKind = "stuck"            // "Tôi bị kẹt" at a step
	EventFAQAnswered   EventKind = "faq_answered"     // a FAQ entry was shown
	EventFAQUnsure     EventKind = "faq_unsure"       // "did you mean…" was offered
	EventFAQMissed     EventKind = "faq_missed"       // nothing matched
	EventFAQOutOfScope EventKind = "faq_out_of_scope" // a question about another service
	EventHelpful       EventKind = "helpful"          // 👍 on an answer
	EventNotHelpful    EventKind = "not_helpful"      // 👎 on an answer
)

// Event is one thing worth counting. Text is only set for unanswered
// questions and is already redacted of ID numbers, phone numbers and codes.
type Event struct {
	Kind    EventKind
	Channel string
	Chat    string // channel:chat id
	Ref     string // the chat's first-touch referral, if any
	Flow    string
	Step    string
	Entry   string
	Text    string
	Time    time.Time
}

// Recorder stores events. Handle calls it once per update, after the
// session was saved, so an update is counted once (HandleForDelivery leaves
// it to its caller); errors are logged only: statistics must never cost a
// citizen their answer.
type Recorder interface {
	Record(ctx context.Context, events []Event) error
}
