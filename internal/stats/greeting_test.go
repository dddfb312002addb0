package stats_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// TestGreetingOnlyConversations: conversations that never go past the
// greeting (invented web ids, a volunteer's link opened and closed) are
// kept an hour, count as no user and no referral, and leave the chat index
// alone; the first real message or button press counts the user then,
// with the referral, and keeps the session for SESSION_TTL (issue 17 item 3).
func TestGreetingOnlyConversations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		ctx := context.Background()
		rdb := st.Client()
		vol, err := w.reg.Add(ctx, "Nguyễn Văn An", "Xã Tân Lập")
		if err != nil {
			t.Fatal(err)
		}
		const n = 200
		var ghosts []*citizen
		for i := range n {
			c := w.citizen("web", fmt.Sprint("ghost", i)).start(vol.Ref())
			if i%2 == 1 {
				c.say("xin chào") // a greeting typed is no more than a page load
			}
			ghosts = append(ghosts, c)
		}
		rep := w.report(today(w))
		if rep.Users != 0 || rep.NewUsers != 0 {
			t.Errorf("%d greeting-only chats counted as %d users, %d new; want 0", n, rep.Users, rep.NewUsers)
		}
		for _, r := range rep.Referrals {
			if r.Started != 0 {
				t.Errorf("referral %s started %d, want 0", r.Code, r.Started)
			}
		}
		if size := rdb.ZCard(ctx, st.Key("chats")).Val(); size != 0 {
			t.Errorf("the chat index holds %d chats, want 0", size)
		}
		session := func(chat string) string { return st.Key("{"+chat+"}", "s") }
		if ttl := rdb.TTL(ctx, session("web:ghost7")).Val(); ttl <= 0 || ttl > flows.GreetingTTL {
			t.Errorf("greeting-only session TTL = %v, want at most %v", ttl, flows.GreetingTTL)
		}

		// A real message counts the user, with the volunteer, and keeps the
		// conversation for SESSION_TTL.
		if ghosts[3].say("không nhận được OTP").text() == "" {
			t.Fatal("no answer")
		}
		ghosts[4].press("Cài ứng dụng")
		rep = w.report(today(w))
		if rep.Users != 2 || rep.NewUsers != 2 {
			t.Errorf("after two real turns: users %d, new %d; want 2, 2", rep.Users, rep.NewUsers)
		}
		started := int64(0)
		for _, r := range rep.Referrals {
			if r.Code == vol.Code {
				started = r.Started
			}
		}
		if started != 2 {
			t.Errorf("the volunteer's started = %d, want 2", started)
		}
		if size := rdb.ZCard(ctx, st.Key("chats")).Val(); size != 2 {
			t.Errorf("the chat index holds %d chats, want 2", size)
		}
		for _, chat := range []string{"web:ghost3", "web:ghost4"} {
			if ttl := rdb.TTL(ctx, session(chat)).Val(); ttl <= 24*time.Hour {
				t.Errorf("%s: TTL %v after a real turn, want SESSION_TTL", chat, ttl)
			}
		}
		// More turns count nothing twice.
		w.citizen("web", "ghost3").say("cảm ơn")
		w.citizen("web", "ghost4").start(vol.Ref())
		if rep := w.report(today(w)); rep.NewUsers != 2 {
			t.Errorf("new users %d after more turns, want 2", rep.NewUsers)
		}

		// An hour later the greeting-only conversations are gone (real
		// Redis expiry on the in-process server; a real server is not
		// fast-forwarded, so only the TTL is checked there).
		if st.InProcess() {
			st.FastForward(flows.GreetingTTL + time.Minute)
			n, _ := rdb.Exists(ctx, session("web:ghost7"), session("web:ghost8")).Result()
			if n != 0 {
				t.Errorf("%d greeting-only sessions outlived %v", n, flows.GreetingTTL)
			}
			if n, _ := rdb.Exists(ctx, session("web:ghost3")).Result(); n != 1 {
				t.Error("a real conversation expired with the greetings")
			}
		}
	})
}

// TestExistingConversationsStayCounted: a web chat that engaged on its
// first turn is counted at once, and its later page loads keep
// SESSION_TTL; a Telegram /start (a real account, which broadcasts can
// reach) counts at once too.
func TestExistingConversationsStayCounted(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	w := newWorld(t, st)
	w.citizen("web", "1").say("cài vneid thế nào")
	w.citizen("web", "1").start("")
	w.citizen("tg", "2").start("")
	if rep := w.report(today(w)); rep.NewUsers != 2 {
		t.Errorf("new users %d, want 2", rep.NewUsers)
	}
	for _, chat := range []string{"web:1", "tg:2"} {
		if ttl := st.Client().TTL(context.Background(), st.Key("{"+chat+"}", "s")).Val(); ttl <= 24*time.Hour {
			t.Errorf("%s: TTL %v, want SESSION_TTL", chat, ttl)
		}
	}
	if n := st.Client().ZCard(context.Background(), st.Key("chats")).Val(); n != 2 {
		t.Errorf("the chat index holds %d chats, want 2", n)
	}
}
