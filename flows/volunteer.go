package flows

// share gives the citizen a ready-to-forward message with their own link.
// Volunteer links are not configured yet, so it offers the menu.
func (t *turn) share() {
	t.say(Reply{Text: t.msg("share_unavailable")})
	t.menu()
}

// volunteerStats answers "/thongke" with a volunteer's own numbers.
func (t *turn) volunteerStats() {
	t.say(Reply{Text: t.msg("share_unavailable")})
	t.menu()
}
