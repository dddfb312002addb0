package flows_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func newClock() *clocktest.Clock { return clocktest.New(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)) }

// session reads the stored session of chat.
func session(t *testing.T, st *store.Store, chat string) flows.Session {
	t.Helper()
	snap, err := st.LoadSession(context.Background(), chat, "")
	if err != nil {
		t.Fatal(err)
	}
	var s flows.Session
	if err := json.Unmarshal(snap.Data, &s); err != nil {
		t.Fatalf("session %s: %v", chat, err)
	}
	return s
}

// TestConcurrentUpdatesLoseNothing: two engines on one Redis handle 100
// updates of one chat at once; every update must leave its mark.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clk := newClock()
		engines := []*flows.Engine{newEngine(t, st, clk, nil), newEngine(t, st, clk, nil)}
		const n = 100
		var wg sync.WaitGroup
		errs := make(chan error, n)
		first := make([]string, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// 10 s apart, so the per-chat rate limit never applies.
				at := clk.Now().Add(time.Duration(i) * 10 * time.Second)
				in := flows.Inbound{Channel: "web", ChatID: "busy", MessageID: fmt.Sprint("m", i), Kind: flows.KindText, Text: "menu", Time: at}
				replies, err := engines[i%2].Handle(context.Background(), in)
				if err == nil && len(replies) == 0 {
					err = fmt.Errorf("update %d got no reply", i)
				}
				first[i] = render(replies)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := session(t, st, "web:busy").Turns; got != n {
			t.Fatalf("session counted %d updates, want %d: an update was lost", got, n)
		}
		// Replaying every update must change nothing; it may only repeat the
		// replies kept for it (a retried web request gets the same answer).
		for i := range n {
			in := flows.Inbound{Channel: "web", ChatID: "busy", MessageID: fmt.Sprint("m", i), Kind: flows.KindText, Text: "menu"}
			replies, err := engines[i%2].Handle(context.Background(), in)
			if err != nil || len(replies) > 0 && render(replies) != first[i] {
				t.Fatalf("replayed update %d: %v\n%s\nwant nothing or the first answer\n%s", i, err, render(replies), first[i])
			}
		}
		if got := session(t, st, "web:busy").Turns; got != n {
			t.Fatalf("after replays the session counted %d updates, want %d", got, n)
		}
	})
}

// TestSensitiveInputIsNeverKept sends ID numbers, codes and passwords and
// then searches every Redis key, every value and the logs for them.
func TestSensitiveInputIsNeverKept(t *testing.T) {
	secrets := map[string]string{
		"cccd của tôi là 001203004567 sao không đăng ký được": "001203004567",
		"mã OTP là 482913":                                  "482913",
		"mat khau cua toi la Hoa@12345 bi sai":              "Hoa@12345",
		"passcode: 271828":                                  "271828",
		"số định danh 0012 0300 4567":                       "0012 0300 4567",
		"mk Abc@98765 ko dang nhap dc":                      "Abc@98765",
		"782611":                                            "782611",
		"ko nhan dc otp, sdt 0912345678, cccd 034099001122": "034099001122",
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e := newEngine(t, st, newClock(), log)
		i := 0
		for text, secret := range secrets {
			i++
			replies, err := e.Handle(context.Background(), flows.Inbound{Channel: "web", ChatID: "s", MessageID: fmt.Sprint(i), Kind: flows.KindText, Text: text})
			if err != nil {
				t.Fatal(err)
			}
			all := ""
			for _, r := range replies {
				all += r.Text
			}
			if !strings.Contains(all, "⚠️") {
				t.Errorf("%q: no warning in the reply:\n%s", text, all)
			}
			if strings.Contains(all, secret) {
				t.Errorf("%q: the reply echoes the secret", text)
			}
		}
		dump := dumpRedis(t, st)
		for _, secret := range secrets {
			for _, s := range []string{secret, strings.ReplaceAll(secret, " ", "")} {
				if strings.Contains(dump, s) {
					t.Errorf("Redis holds %q", s)
				}
				if strings.Contains(logs.String(), s) {
					t.Errorf("the log holds %q", s)
				}
			}
		}
	})
}

// dumpRedis returns every key and value under the store's prefix as text.
func dumpRedis(t *testing.T, st *store.Store) string {
	t.Helper()
	return storetest.Dump(t, st.Client(), st.Key("*"))
}

// TestRestartKeepsPlace: a new engine (a restarted bot) on the same Redis
// greets a returning user with "Tiếp tục" that resumes the same step.
func TestRestartKeepsPlace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		clk := newClock()
		ctx := context.Background()
		first := newEngine(t, st, clk, nil)
		send := func(e *flows.Engine, in flows.Inbound) []flows.Reply {
			t.Helper()
			in.Channel, in.ChatID = "web", "ret"
			r, err := e.Handle(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		send(first, flows.Inbound{Kind: flows.KindStart})
		send(first, flows.Inbound{Kind: flows.KindButton, Payload: "f:install"})
		in := send(first, flows.Inbound{Kind: flows.KindText, Text: "android"})
		stepText := in[len(in)-1].Text

		clk.Add(72 * time.Hour)
		restarted := newEngine(t, st, clk, nil)
		greet := send(restarted, flows.Inbound{Kind: flows.KindStart})
		resume, ok := findButton(greet, "Tiếp tục")
		if !ok {
			t.Fatalf("no Tiếp tục button after the restart:\n%s", render(greet))
		}
		back := send(restarted, flows.Inbound{Kind: flows.KindButton, Payload: resume.Payload})
		if back[len(back)-1].Text != stepText {
			t.Fatalf("Tiếp tục showed\n%s\nwant the step the user was on:\n%s", back[len(back)-1].Text, stepText)
		}
	})
}

// TestTypedNumbersPressButtons: typing a button's number does what pressing it does.
func TestTypedNumbersPressButtons(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	e := newEngine(t, st, newClock(), nil)
	ctx := context.Background()
	greet, err := e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "n", Kind: flows.KindStart})
	if err != nil {
		t.Fatal(err)
	}
	b, ok := findButton(greet, "#1")
	if !ok {
		t.Fatal("the greeting has no button numbered 1")
	}
	byNumber, err := e.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "n", Kind: flows.KindText, Text: "1"})
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEngine(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}), newClock(), nil)
	if _, err := e2.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "n", Kind: flows.KindStart}); err != nil {
		t.Fatal(err)
	}
	byPress, err := e2.Handle(ctx, flows.Inbound{Channel: "web", ChatID: "n", Kind: flows.KindButton, Payload: b.Payload})
	if err != nil {
		t.Fatal(err)
	}
	if render(byNumber) != render(byPress) {
		t.Fatalf("typing 1 gave\n%s\npressing %q gave\n%s", render(byNumber), b.Label, render(byPress))
	}
}

// TestReportAfterGivingCode: "báo lên đâu nữa không, 156 hả" after the
// steps for a code given away crashed the FAQ search (a situation keeping
// the only hit emptied the list); it must be answered, with where to
// report among what is offered.
func TestReportAfterGivingCode(t *testing.T) {
	st := storetest.Open(t, storetest.Backends()[0], store.Options{})
	say := typer(t, handoffEngine(t, st, nil), "web", "c1")
	say("tôi lỡ đưa mã OTP cho người lạ")
	for _, text := range []string{"báo lên đâu nữa không, 156 hả", "tui có cần báo lên đâu nữa không, 156 hả"} {
		rs := say(text)
		if !strings.Contains(texts(rs)+strings.Join(payloads(rs), " "), "report_scam") && !strings.Contains(texts(rs), "156") {
			t.Errorf("%q: said\n%s%v", text, texts(rs), payloads(rs))
		}
	}
}
