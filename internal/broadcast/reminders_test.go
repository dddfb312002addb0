package broadcast

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// vn is a wall-clock time in Vietnam.
func vn(day, hour, min int) time.Time {
	return time.Date(2026, 3, day, hour, min, 0, 0, stats.Zone)
}

// TestReminderTiming walks a fake clock through two days: a user who
// stopped inside a flow gets one reminder after 24 h, in the daytime only,
// once per flow; finished users, users at the menu, users who opted out and
// Zalo users whose window is closing get none.
func TestReminderTiming(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		tw := newTown(t, st)
		tw.clk.Set(vn(2, 9, 0))
		tw.user(t, "tg:1", "", "Cài ứng dụng", "iPhone")                // stops inside install
		tw.user(t, "tg:2", "", "Cài ứng dụng", "Android", "Tôi đã cài") // finished the flow
		tw.user(t, "tg:3", "")                                          // at the menu
		tw.user(t, "tg:4", "", "Cài ứng dụng")                          // will opt out
		tw.user(t, "zalobot:5", "", "Kích hoạt")                        // no buttons on this channel
		if err := OptOut(ctx, st, "tg:4"); err != nil {
			t.Fatal(err)
		}
		tw.clk.Set(vn(2, 21, 30))
		tw.user(t, "zalo:6", "", "Cài ứng dụng") // Zalo, late in the evening
		r := NewReminders(ReminderOptions{
			Store: st, Content: tw.eng.Content, Channels: tw.chans, Stats: stats.NewReader(st, 0),
			Now: tw.clk.Now, After: 24 * time.Hour, From: 8, To: 20,
		})
		pass := func(at time.Time) int {
			t.Helper()
			tw.clk.Set(at)
			st.Client().Del(ctx, st.ReminderLeaseKey()) // a new pass, not a second replica
			n, err := r.Pass(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := pass(vn(3, 8, 30)); n != 0 {
			t.Fatalf("after 23.5 h: %d reminders, want none yet", n)
		}
		if n := pass(vn(3, 22, 0)); n != 0 {
			t.Fatalf("at 22:00: %d reminders, want none at night", n)
		}
		if n := pass(vn(4, 7, 59)); n != 0 {
			t.Fatalf("at 07:59: %d reminders, want none before 08:00", n)
		}
		if n := pass(vn(4, 8, 0)); n != 3 {
			t.Fatalf("at 08:00 on day 4: %d reminders, want 3 (tg:1, zalobot:5, zalo:6)", n)
		}
		for _, chat := range []string{"2", "3", "4"} {
			if tw.tg.count(chat) != 0 {
				t.Errorf("tg:%s was reminded", chat)
			}
		}
		got := tw.tg.got["1"]
		if len(got) != 1 || !strings.Contains(got[0].Text, `"Cài trên iPhone"`) || !strings.Contains(got[0].Text, "/tatnhacnho") || got[0].Buttons[0][0].Payload != "resume" {
			t.Fatalf("tg:1 got %+v", got)
		}
		if z := tw.zbot.got["5"]; len(z) != 1 || hasPayload(z[0]) {
			t.Errorf("zalobot:5 got %+v: one reminder with no payload buttons", z)
		}
		if n := pass(vn(4, 15, 0)); n != 0 {
			t.Fatalf("a second pass sent %d: at most once per flow", n)
		}
		// tg:1 comes back, moves on in the same flow, and stops again: no
		// second reminder for install.
		tw.clk.Set(vn(4, 16, 0))
		tw.user(t, "tg:1", "", "Cài ứng dụng", "Android")
		if n := pass(vn(5, 17, 0)); n != 0 {
			t.Fatalf("same flow again: %d reminders", n)
		}
		// A Zalo user whose 7-day window closes within the hour is left alone.
		tw.clk.Set(vn(5, 9, 0))
		tw.user(t, "zalo:7", "", "Cài ứng dụng")
		if n := pass(vn(5, 9, 0).Add(7*24*time.Hour - 30*time.Minute)); n != 0 {
			t.Fatalf("zalo:7 at the edge of its window: %d reminders", n)
		}
		if tw.zalo.count("7") != 0 {
			t.Error("zalo:7 was reminded outside its window")
		}
		if !r.Daytime(vn(9, 19, 59)) || r.Daytime(vn(9, 20, 0)) || r.Daytime(vn(9, 3, 0)) {
			t.Error("Daytime is wrong around the hours")
		}
	})
}
