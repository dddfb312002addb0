package volunteer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/redact"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/volunteer"
)

func TestCodesAreShortUnguessableAndSafe(t *testing.T) {
	seen := map[string]bool{}
	for range 5000 {
		c := volunteer.NewCode()
		if !volunteer.ValidCode(c) || len(c) != volunteer.CodeLen {
			t.Fatalf("bad code %q", c)
		}
		if seen[c] {
			t.Fatalf("code %q drawn twice in 5000", c)
		}
		seen[c] = true
		// A code is never taken for an OTP or an ID number.
		for _, typed := range []string{"v_" + c, "mã v_" + c, c} {
			if redact.Sensitive(typed) {
				t.Fatalf("%q looks sensitive to redaction", typed)
			}
		}
	}
	for _, bad := range []string{"", "abc", "ABCDEFGH", "abcdefg0", "abcdefgl", "abcdefghi"} {
		if volunteer.ValidCode(bad) {
			t.Errorf("ValidCode(%q) = true", bad)
		}
	}
}

func TestLinks(t *testing.T) {
	l := volunteer.Links{TelegramBot: "@vneid_guide_bot", WebURL: "https://hotro.example.gov.vn/", ZaloOA: "https://zalo.me/123"}
	s := l.For("k7m2p9xq")
	want := volunteer.Set{
		Telegram: "https://t.me/vneid_guide_bot?start=v_k7m2p9xq",
		Web:      "https://hotro.example.gov.vn/?ref=v_k7m2p9xq",
		Zalo:     "https://zalo.me/123",
		ZaloCode: "v_k7m2p9xq",
	}
	if s != want {
		t.Fatalf("links = %+v\nwant %+v", s, want)
	}
	if s.Best() != want.Web {
		t.Errorf("Best = %q", s.Best())
	}
	if (volunteer.Links{}).For("k7m2p9xq").Any() {
		t.Error("no configuration gave links")
	}
}

func TestRegistry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		reg := volunteer.NewRegistry(st, func() time.Time { return now })

		t.Run("AddListGet", func(t *testing.T) {
			a, err := reg.Add(ctx, "Nguyễn Văn An", "Xã Tân Lập")
			if err != nil {
				t.Fatal(err)
			}
			b, err := reg.Add(ctx, "Trần Thị Bình", "")
			if err != nil {
				t.Fatal(err)
			}
			if a.Code == b.Code || a.Kind != volunteer.KindVolunteer || !a.Created.Equal(now) {
				t.Fatalf("a=%+v b=%+v", a, b)
			}
			list, err := reg.List(ctx)
			if err != nil || len(list) != 2 {
				t.Fatalf("list = %v, %v", list, err)
			}
			got, err := reg.Get(ctx, "v_"+strings.ToUpper(a.Code))
			if err != nil || got != a {
				t.Fatalf("Get = %+v, %v; want %+v", got, err, a)
			}
			if _, err := reg.Get(ctx, "zzzzzzz2"); !errors.Is(err, volunteer.ErrNotFound) {
				t.Fatalf("unknown code: %v", err)
			}
		})
		t.Run("ErrNameRequired", func(t *testing.T) {
			for _, name := range []string{"", "   ", "bad\x00name", strings.Repeat("x", volunteer.MaxName+1)} {
				if _, err := reg.Add(ctx, name, ""); !errors.Is(err, volunteer.ErrInvalid) {
					t.Errorf("name %q: %v", name, err)
				}
			}
		})
		t.Run("Claim", func(t *testing.T) {
			v, _ := reg.Add(ctx, "Lê Văn Cường", "")
			key, err := reg.ClaimKey(ctx, v.Code)
			if err != nil || !strings.HasPrefix(key, "k_") {
				t.Fatalf("claim key %q, %v", key, err)
			}
			if _, err := reg.Claim(ctx, "tg:1", "k_zzzzzzzzzzzz"); !errors.Is(err, volunteer.ErrNotFound) {
				t.Fatalf("wrong key: %v", err)
			}
			got, err := reg.Claim(ctx, "tg:1", strings.ToUpper(key))
			if err != nil || got.Code != v.Code {
				t.Fatalf("claim = %+v, %v", got, err)
			}
			mine, ok, err := reg.OfChat(ctx, "tg:1")
			if err != nil || !ok || mine.Code != v.Code {
				t.Fatalf("OfChat = %+v %v %v", mine, ok, err)
			}
		})
		t.Run("CitizenCodesKeepTheChain", func(t *testing.T) {
			vol, _ := reg.Add(ctx, "Phạm Thị Dung", "")
			// citizen 1 came through the volunteer; citizen 2 through citizen 1.
			c1, err := reg.ForCitizen(ctx, "web:c1", vol.Ref())
			if err != nil {
				t.Fatal(err)
			}
			again, err := reg.ForCitizen(ctx, "web:c1", "")
			if err != nil || again.Code != c1.Code {
				t.Fatalf("second call made a new code: %+v %v", again, err)
			}
			c2, _ := reg.ForCitizen(ctx, "zalo:c2", c1.Ref())
			chain, err := reg.Chain(ctx, c2.Code)
			if err != nil || len(chain) != 2 || chain[0].Code != c1.Code || chain[1].Code != vol.Code {
				t.Fatalf("chain = %+v, %v", chain, err)
			}
			if c1.Kind != volunteer.KindCitizen || c1.Chat != "web:c1" || c1.Parent != vol.Code {
				t.Fatalf("citizen = %+v", c1)
			}
			// Citizens are not listed as volunteers.
			list, _ := reg.List(ctx)
			for _, v := range list {
				if v.Kind != volunteer.KindVolunteer {
					t.Fatalf("list has %+v", v)
				}
			}
		})
		t.Run("ConcurrentShareMakesOneCode", func(t *testing.T) {
			codes := make(chan string, 8)
			for range 8 {
				go func() {
					v, err := reg.ForCitizen(ctx, "tg:race", "")
					if err != nil {
						t.Error(err)
					}
					codes <- v.Code
				}()
			}
			first := <-codes
			for range 7 {
				if c := <-codes; c != first {
					t.Fatalf("two codes for one chat: %s %s", first, c)
				}
			}
		})
	})
}

func TestUnusedShareCodesExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		reg := volunteer.NewRegistry(st, func() time.Time { return now })
		vol, _ := reg.Add(ctx, "Phạm Thị Dung", "")
		unused, _ := reg.ForCitizen(ctx, "web:unused", vol.Ref())
		brought, _ := reg.ForCitizen(ctx, "web:brought", "")
		parent, _ := reg.ForCitizen(ctx, "web:parent", "")
		reg.ForCitizen(ctx, "web:child", parent.Ref())
		lone, _ := reg.ForCitizen(ctx, "web:lone", "")
		now = now.Add(volunteer.ShareCodeLife + time.Hour)
		young, _ := reg.ForCitizen(ctx, "web:young", "")
		// An old code counted nowhere (its counts gone) whose link a young
		// code came by stays: the chain is not broken.
		reg.ForCitizen(ctx, "web:late", lone.Ref())
		started := map[string]int64{brought.Ref(): 2, parent.Ref(): 1}

		n, err := reg.ExpireUnused(ctx, now.Add(-volunteer.ShareCodeLife), started)
		if err != nil || n != 2 { // unused, and the child (old, brought nobody)
			t.Fatalf("expired %d, %v; want 2", n, err)
		}
		if _, err := reg.Get(ctx, unused.Code); !errors.Is(err, volunteer.ErrNotFound) {
			t.Errorf("unused code still there: %v", err)
		}
		if _, ok, _ := reg.OfChat(ctx, "web:unused"); ok {
			t.Error("the chat still owns the expired code")
		}
		for _, keep := range []volunteer.Volunteer{vol, brought, parent, young, lone} {
			if _, err := reg.Get(ctx, keep.Code); err != nil {
				t.Errorf("%+v went: %v", keep, err)
			}
		}
		again, err := reg.ForCitizen(ctx, "web:unused", "")
		if err != nil || again.Code == unused.Code {
			t.Fatalf("sharing again = %+v, %v; want a new code", again, err)
		}
		if n, err := reg.ExpireUnused(ctx, now.Add(-volunteer.ShareCodeLife), started); err != nil || n != 0 {
			t.Fatalf("second round expired %d, %v", n, err)
		}
	})
}
