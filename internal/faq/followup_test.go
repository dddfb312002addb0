package faq

import (
	"slices"
	"testing"
)

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

// The last topic's neighbours are the entries it names as related and the
// entries naming it: both lead a close ranking after it, and so does the
// last topic itself, a little more.
func TestNearTopicBothWays(t *testing.T) {
	ix := New(mustLoad(t))
	last, names, named := "dvc_login", "dvc_submit", "forgot_password"
	if slices.Contains(ix.cat.Entry(last).Related, names) || !slices.Contains(ix.cat.Entry(names).Related, last) ||
		!slices.Contains(ix.cat.Entry(last).Related, named) {
		t.Fatalf("content changed: pick entries where %s names %s as related and %s names %s", names, last, last, named)
	}
	best := []scored{{entry: ix.at["hotline"], score: 0.5}, {entry: ix.at[names], score: 0.4}, {entry: ix.at[named], score: 0.4}, {entry: ix.at[last], score: 0.3}}
	ix.nearTopic(best, last, true)
	got := make(map[string]scored)
	for _, s := range best {
		got[ix.entries[s.entry].src.ID] = s
	}
	for _, id := range []string{names, named, last} {
		if !got[id].near || got[id].score <= got["hotline"].score {
			t.Errorf("%s after %s: %+v, want it near and above hotline %+v", id, last, got[id], got["hotline"])
		}
	}
	if got["hotline"].near || got[last].score <= 0.3+ix.p.topic {
		t.Errorf("after %s: hotline %+v, the last topic %+v; want hotline not near and the last topic raised most", last, got["hotline"], got[last])
	}
	if !ix.related(ix.at[last], ix.at[names]) || !ix.related(ix.at[names], ix.at[last]) {
		t.Errorf("%s and %s are not related both ways", last, names)
	}
}

// "I did that and it still fails" asks on about the last topic (its next
// action), unless it also asks something of its own.
func TestFollowupStillFails(t *testing.T) {
	ix := New(mustLoad(t))
	for _, q := range []string{"tôi làm theo rồi mà vẫn không được", "thử mấy lần rồi vẫn bị lỗi", "làm hết rồi vẫn không được"} {
		for _, text := range []string{q, noMarks(q)} {
			r := ix.SearchIn(text, "vi", Context{Last: "face_fails"})
			if r.Verdict != Confident || r.Hits[0].ID != "face_fails" || !r.Followup {
				t.Errorf("%q after face_fails: %s %v follow-up %v, want face_fails as a follow-up", text, r.Verdict, r.Hits, r.Followup)
			}
		}
	}
	const q = "thử hết rồi vẫn không được, số tổng đài là số nào"
	if r := ix.SearchIn(q, "vi", Context{Last: "otp_not_received"}); r.Followup || len(r.Hits) == 0 || r.Hits[0].ID != "hotline" {
		t.Errorf("%q after otp_not_received: %s %v follow-up %v, want hotline, not a follow-up", q, r.Verdict, r.Hits, r.Followup)
	}
}

// TestFollowupSoWhatNow: "vậy làm sao" after an answer asks for that
// topic's next action (found walking the web chat: it had the fallback),
// and so do its teen-code and southern forms and "still not" told alone.
func TestFollowupSoWhatNow(t *testing.T) {
	ix := New(mustLoad(t))
	for _, q := range []string{"vậy làm sao", "thế làm sao hả em", "vay lam sao", "z h lam sao", "h sao", "giờ sao ta", "vẫn chưa thấy", "van chua nhan duoc"} {
		r := ix.SearchIn(q, "vi", Context{Last: "no_nfc"})
		if r.Verdict != Confident || r.Hits[0].ID != "no_nfc" || !r.Followup {
			t.Errorf("%q after no_nfc: %s %v follow-up %v, want no_nfc as a follow-up", q, r.Verdict, r.Hits, r.Followup)
		}
	}
}

// TestShortMessageLeansOnTopic: a short message that an entry outside the
// last topic wins only narrowly is offered, not answered outright; one that
// clearly names another subject is still answered.
func TestShortMessageLeansOnTopic(t *testing.T) {
	ix := New(mustLoad(t))
	for _, c := range []struct {
		q, last, other string
	}{
		// the wait for approval scores as high as the unlocking
		{"mất bao lâu thì mở", "account_locked", "waiting_approval"},
		// what to bring to have one's data corrected, not for level 2
		{"mang theo giấy gì", "wrong_personal_data", "level2_documents"},
	} {
		for _, text := range []string{c.q, noMarks(c.q)} {
			r := ix.SearchIn(text, "vi", Context{Last: c.last})
			if r.Verdict == Confident && r.Hits[0].ID == c.other {
				t.Errorf("%q after %s: answered %s outright", text, c.last, c.other)
			}
		}
	}
	const q = "quên mật khẩu đăng nhập thì sao"
	if r := ix.SearchIn(q, "vi", Context{Last: "fees"}); r.Verdict != Confident || r.Hits[0].ID != "forgot_password" {
		t.Errorf("%q after fees: %s %v, want forgot_password answered", q, r.Verdict, r.Hits)
	}
}

// "còn X thì sao" names a new subject when X is a rare word the last topic
// never uses: it asks the question anew, in the last topic's neighbourhood,
// rather than for the last topic's next action.
//
// So does a word the last topic never uses but an entry next to it does:
// "quên nó rồi thì sao" after the passcode rules asks how to recover the
// passcode, not for the rules' next step.
func TestFollowupNewSubject(t *testing.T) {
	ix := New(mustLoad(t))
	for _, c := range []struct{ last, q, want string }{
		{"password_rules", "thế còn passcode", "passcode_rules"},
		{"password_rules", "còn mã passcode thì sao", "passcode_rules"},
		{"passcode_rules", "quên nó rồi thì sao", "forgot_passcode"},
		{"passcode_rules", "quen no r thi sao", "forgot_passcode"},
	} {
		r := ix.SearchIn(c.q, "vi", Context{Last: c.last})
		if r.Followup || len(r.Hits) == 0 || r.Hits[0].ID != c.want {
			t.Errorf("%q after %s: %s %v follow-up %v, want %s first, not a follow-up", c.q, c.last, r.Verdict, r.Hits, r.Followup, c.want)
		}
	}
	const q = "thế còn passcode"
	if r := ix.SearchIn(q, "vi", Context{Last: "password_rules"}); r.Verdict != Confident {
		t.Errorf("%q after password_rules: %s %v, want passcode_rules answered", q, r.Verdict, r.Hits)
	}
	// A word the last topic uses is no new subject.
	if r := ix.SearchIn("còn passcode thì sao", "vi", Context{Last: "passcode_rules"}); !r.Followup || r.Hits[0].ID != "passcode_rules" {
		t.Errorf("còn passcode thì sao after passcode_rules: %s %v follow-up %v, want a follow-up", r.Verdict, r.Hits, r.Followup)
	}
}

// Explain ranks as the search does after a last topic, and says by how much
// the last topic's neighbourhood was raised.
func TestExplainTopicPrior(t *testing.T) {
	ix := New(mustLoad(t))
	cx := Context{Last: "password_rules"}
	x := ix.Explain("thế còn passcode", "vi", cx)
	if x.TopicPrior != ix.p.topic || len(x.Candidates) == 0 || len(x.Result.Hits) == 0 || x.Candidates[0].ID != x.Result.Hits[0].ID {
		t.Errorf("after password_rules: prior %v, candidates %v, result %v; want the elliptic prior and the result's first entry first", x.TopicPrior, x.Candidates, x.Result.Hits)
	}
	if x := ix.Explain("thế còn passcode", "vi", Context{}); x.TopicPrior != 0 {
		t.Errorf("without a last topic: prior %v, want 0", x.TopicPrior)
	}
}

// "Did it exactly so, still no luck" after a how-to answer asks for the
// topic's next action, in the ways people say it.
func TestFollowupDidItExactly(t *testing.T) {
	ix := New(mustLoad(t))
	for _, q := range []string{"làm y chang rồi mà vẫn không qua", "vẫn chưa được bạn ơi", "làm đúng vậy rồi, còn cách nào khác không"} {
		for _, text := range []string{q, noMarks(q)} {
			r := ix.SearchIn(text, "vi", Context{Last: "face_fails"})
			if r.Verdict != Confident || r.Hits[0].ID != "face_fails" || !r.Followup {
				t.Errorf("%q after face_fails: %s %v followup %v, want the topic's next action", text, r.Verdict, r.Hits, r.Followup)
			}
		}
	}
}

// A situation cue broken by a filler word is still told: "không đi được"
// reads "không được đi" (the vocabulary's "không được" gathered), and the
// cue is read the same way.
func TestSituationCueReadAsMessage(t *testing.T) {
	ix := New(mustLoad(t))
	for _, q := range []string{"mẹ tôi già yếu không đi được", "me toi gia yeu khong di duoc"} {
		if r := ix.Search(q, "vi"); !slices.Contains(r.Situations, "cannot_travel") {
			t.Errorf("%q: situations %v, want cannot_travel", q, r.Situations)
		}
	}
}

// TestNewSituationIsNoFollowup: telling a situation the last topic does
// not branch on asks anew ("e chua co the can cuoc thi sao" after changing
// the number is about the card; a persona got the number's next step).
func TestNewSituationIsNoFollowup(t *testing.T) {
	ix := New(mustLoad(t))
	sc := ix.pool.Get().(*scratch)
	defer ix.pool.Put(sc)
	for _, q := range []string{"e chua co the can cuoc thi sao", "em chưa có thẻ căn cước thì sao"} {
		if ix.followup(sc, ix.read(sc, q), "change_phone_number") {
			t.Errorf("%q after change_phone_number: read as a follow-up", q)
		}
		if r := ix.SearchIn(q, "vi", Context{Last: "change_phone_number"}); r.Followup || len(r.Hits) > 0 && r.Hits[0].ID == "change_phone_number" {
			t.Errorf("%q after change_phone_number: %s %v", q, r.Verdict, r.Hits)
		}
	}
	// A situation the last topic branches on stays a follow-up.
	if !ix.followup(sc, ix.read(sc, "tin nhắn về rồi, giờ làm gì tiếp"), "waiting_approval") {
		t.Error("the approval told after the wait is no longer a follow-up")
	}
}
