package flows

import "time"

// GreetingTTL is how long a web chat conversation that never went past the
// greeting (a page load, "xin chào") is kept. Such conversations cost a
// session key each; anyone can open thousands of them, and most are a
// glance at the page, so they are not kept for SESSION_TTL, and they are
// not statistics: they count as users (and as a volunteer's referrals) and
// enter the chat index only when the citizen sends a real message or
// presses a button (security review, issue 17 item 3).
const GreetingTTL = time.Hour

// greetingChannels are the channels where this applies: those where a
// client can open conversations without a platform account. A Telegram
// /start or a Zalo follow comes from a real account, and the bot may write
// to it first (broadcasts go through the chat index), so it counts at once.
var greetingChannels = map[Channel]bool{Web: true}

// greeting reports whether a turn's outcome was only a greeting: a start,
// "xin chào" typed (answered as a greeting by the FAQ), or a turn refused
// by the rate limit.
func greeting(outcome string) bool {
	return outcome == "start" || outcome == "faq_greeting" || outcome == "rate_limited"
}

// engagement marks s as greeting-only after a first turn that was only a
// greeting, and ends that mark at the first real turn. It returns the
// events to record: none while greeting-only; at the first real turn, the
// first contact that the greeting did not record (which carries the
// referral, so a separate referral event of the same turn is dropped).
// Sessions from before the mark, every conversation that engaged on its
// first turn, and channels other than greetingChannels are never
// greeting-only.
func engagement(s *Session, channel Channel, outcome string, events []Event) []Event {
	switch {
	case s.Turns == 1 && greeting(outcome) && greetingChannels[channel]:
		s.Greet = true
		return nil
	case !s.Greet:
		return events
	case greeting(outcome):
		return nil
	}
	s.Greet = false
	out := make([]Event, 0, len(events)+1)
	out = append(out, Event{Kind: EventFirstContact})
	for _, ev := range events {
		if ev.Kind != EventReferred && ev.Kind != EventFirstContact {
			out = append(out, ev)
		}
	}
	return out
}
