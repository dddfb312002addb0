package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestMisses(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m := feedback.NewMisses(st)
		clock := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
		m.Now = func() time.Time { clock = clock.Add(time.Minute); return clock }
		record := func(text string, v faq.Verdict) {
			t.Helper()
			if err := m.Record(ctx, text, v); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("CountsByFoldedText", func(t *testing.T) {
			record("Làm sao đổi tên trên VNeID?", faq.NoMatch)
			record("lam sao doi ten tren vneid", faq.Unsure)
			record("LÀM SAO ĐỔI TÊN TRÊN VNEID !!!", faq.NoMatch)
			record("vssid quên mật khẩu", faq.OutOfScope)
			list, err := m.List(ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[0].Count != 3 || list[0].Key != "lam sao doi ten tren vneid" {
				t.Fatalf("List = %+v", list)
			}
			if list[0].Text != "LÀM SAO ĐỔI TÊN TRÊN VNEID !!!" || list[0].Verdict != "none" {
				t.Errorf("latest wording and verdict not kept: %+v", list[0])
			}
			if list[1].Verdict != "out_of_scope" || list[1].Count != 1 {
				t.Errorf("second = %+v", list[1])
			}
		})

		t.Run("IgnoresAnswered", func(t *testing.T) {
			for _, v := range []faq.Verdict{faq.Confident, faq.Greeting, faq.Thanks} {
				record("quên mật khẩu "+v.String(), v)
			}
			record("   ", faq.NoMatch)
			list, _ := m.List(ctx, 0)
			for _, miss := range list {
				if strings.HasPrefix(miss.Key, "quen mat khau") || miss.Key == "" {
					t.Errorf("recorded %+v", miss)
				}
			}
		})

		t.Run("Redacts", func(t *testing.T) {
			record("số cccd của tôi 001203004567, sdt 0912 345 678 mà không kích hoạt được", faq.NoMatch)
			record("mk của tôi là Abc@12345 sao không vào được", faq.NoMatch)
			recent, err := m.Recent(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(recent) != 2 {
				t.Fatalf("Recent = %+v", recent)
			}
			for _, miss := range recent {
				for _, secret := range []string{"001203004567", "0912", "345 678", "Abc@12345"} {
					if strings.Contains(miss.Text, secret) || strings.Contains(miss.Key, secret) {
						t.Errorf("kept %q in %+v", secret, miss)
					}
				}
			}
			if recent[1].Text != "số cccd của tôi [số], sdt [số] mà không kích hoạt được" {
				t.Errorf("redacted text = %q", recent[1].Text)
			}
		})

		t.Run("Capped", func(t *testing.T) {
			if err := m.Reset(ctx); err != nil {
				t.Fatal(err)
			}
			m.MaxDistinct, m.MaxRecent = 5, 3
			record("câu hỏi phổ biến", faq.NoMatch)
			record("câu hỏi phổ biến", faq.NoMatch)
			for i := range 10 {
				record(fmt.Sprintf("câu hỏi lạ số %c", 'a'+i), faq.NoMatch)
			}
			list, _ := m.List(ctx, 0)
			if len(list) != 5 {
				t.Fatalf("kept %d distinct questions, want 5", len(list))
			}
			if list[0].Key != "cau hoi pho bien" || list[0].Count != 2 {
				t.Errorf("the most asked question was dropped: %+v", list)
			}
			if list[1].Key != "cau hoi la so j" {
				t.Errorf("the newest question should be kept, then the newest first: %+v", list[1:])
			}
			recent, _ := m.Recent(ctx, 0)
			if len(recent) != 3 || recent[0].Key != "cau hoi la so j" {
				t.Errorf("Recent = %+v", recent)
			}
			long := strings.Repeat("rất dài ", 100)
			record(long, faq.NoMatch)
			recent, _ = m.Recent(ctx, 1)
			if n := len([]rune(recent[0].Text)); n > 301 {
				t.Errorf("stored %d runes", n)
			}
		})
	})
}

func TestMissesAndVotesQueue(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		m, v := feedback.NewMisses(st), feedback.NewVotes(st)
		_, err := st.Client().Pipelined(ctx, func(p redis.Pipeliner) error {
			m.Queue(ctx, p, "đổi tên trên VNeID", faq.NoMatch)
			m.Queue(ctx, p, "doi ten tren vneid", faq.Unsure)
			m.Queue(ctx, p, "quên mật khẩu", faq.Confident) // not logged
			return v.Queue(ctx, p, "fees", true)
		})
		if err != nil {
			t.Fatal(err)
		}
		list, err := m.List(ctx, 0)
		if err != nil || len(list) != 1 || list[0].Count != 2 || list[0].Verdict != "unsure" {
			t.Errorf("List = %+v, %v", list, err)
		}
		counts, err := v.Counts(ctx)
		if err != nil || counts["fees"].Helpful != 1 {
			t.Errorf("Counts = %+v, %v", counts, err)
		}
		if err := v.Queue(ctx, st.Client().Pipeline(), "../x", true); !errors.Is(err, feedback.ErrBadEntryID) {
			t.Errorf("Queue(bad id) = %v", err)
		}
	})
}

func TestVotes(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		v := feedback.NewVotes(st)
		for _, vote := range []struct {
			id      string
			helpful bool
		}{{"otp_not_received", true}, {"otp_not_received", true}, {"otp_not_received", false}, {"fees", false}} {
			if err := v.Record(ctx, vote.id, vote.helpful); err != nil {
				t.Fatal(err)
			}
		}
		if err := v.Record(ctx, "x:up\nDROP", true); !errors.Is(err, feedback.ErrBadEntryID) {
			t.Errorf("Record(bad id) = %v, want ErrBadEntryID", err)
		}
		got, err := v.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]feedback.Tally{"otp_not_received": {Helpful: 2, NotHelpful: 1}, "fees": {NotHelpful: 1}}
		if len(got) != len(want) || got["otp_not_received"] != want["otp_not_received"] || got["fees"] != want["fees"] {
			t.Errorf("Counts = %+v, want %+v", got, want)
		}
	})
}
