package faq

import "testing"

// A follow-up may tell a situation on the way ("tin nhắn về rồi, giờ làm
// gì tiếp"): when that situation picks another answer for the last topic,
// the message still asks on about it, and gets the situation's answer.
func TestFollowupTellsSituation(t *testing.T) {
	ix := New(mustLoad(t))
	const q = "tin nhắn về rồi, giờ làm gì tiếp"
	for _, text := range []string{q, noMarks(q)} {
		r := ix.SearchIn(text, "vi", Context{Last: "waiting_approval"})
		if r.Verdict != Confident || r.Hits[0].ID != "activate_steps" || r.Situation != "approved" {
			t.Errorf("%q after waiting_approval: %s %v situation %q, want activate_steps for approved", text, r.Verdict, r.Hits, r.Situation)
		}
	}
	// After a topic the situation does not branch, what it tells is a
	// question of its own: not a follow-up.
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	if ix.followup(sc, ix.read(sc, q), "forgot_password") {
		t.Errorf("%q after forgot_password: read as a follow-up", q)
	}
	if !ix.followup(sc, ix.read(sc, q), "waiting_approval") {
		t.Errorf("%q after waiting_approval: not read as a follow-up", q)
	}
}
