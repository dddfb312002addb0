package flows_test

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// eventLog keeps the events an engine records.
type eventLog struct {
	mu     sync.Mutex
	events []flows.Event
}

func (l *eventLog) Record(_ context.Context, events []flows.Event) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, events...)
	return nil
}

// texts returns the text of every event kept.
func (l *eventLog) texts() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, ev := range l.events {
		b.WriteString(ev.Text + "\n")
	}
	return b.String()
}

// TestIDNumberInPieces: an ID number sent a few digits a message is warned
// about at the part that makes it nine digits or more, and no part reaches
// the statistics or an officer as typed (security review T9).
func TestIDNumberInPieces(t *testing.T) {
	tests := []struct {
		name   string
		parts  []string
		warned []bool // after each part
		wait   time.Duration
		secret bool // no part of three digits or more may be kept
	}{
		{"three digits a message", []string{"001", "203", "004", "567"}, []bool{false, false, true, true}, 0, true},
		{"four, with separators", []string{"0012", "03.00", "4567"}, []bool{false, false, true}, 0, true},
		{"in other digits", []string{"٠٠١٢٠٣", "٠٠٤٥٦٧"}, []bool{true, true}, 0, true}, // each six digits alone is a code
		{"two digits a message", []string{"00", "12", "03", "00", "45", "67"}, []bool{false, false, false, false, true, true}, 0, true},
		{"far apart", []string{"001", "203", "004"}, []bool{false, false, false}, 11 * time.Minute, true},
		{"button numbers", []string{"1", "2", "1", "3", "2", "1", "1", "2", "3", "1"}, make([]bool, 10), 0, false},
		{"years", []string{"1975", "2024"}, []bool{false, false}, 0, false}, // eight digits, and kept readable
		{"words between", []string{"001", "203", "là số gì vậy", "004", "567"}, []bool{false, false, false, false, false}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
			clk := clocktest.New(time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC))
			events := &eventLog{}
			e, err := flows.New(contenttest.Builtin(t), st, flows.Options{Now: clk.Now, Recorder: events})
			if err != nil {
				t.Fatal(err)
			}
			say := typer(t, e, "web", "p")
			say("/start")
			for i, part := range tt.parts {
				clk.Add(tt.wait + 5*time.Second)
				said := texts(say(part))
				if got := strings.Contains(said, "không lưu tin nhắn"); got != tt.warned[i] {
					t.Errorf("part %d %q: warned %v, want %v; said:\n%s", i+1, part, got, tt.warned[i], said)
				}
			}
			kept := events.texts() + dumpRedis(t, st)
			for _, part := range tt.parts {
				digits := strings.IndexFunc(part, unicode.IsLetter) < 0
				// Between non-digits: the dump's random key prefix may hold
				// the same digits ("test56716037f9a7") without any part.
				alone := regexp.MustCompile(`(^|\D)` + regexp.QuoteMeta(part) + `(\D|$)`)
				if tt.secret && digits && len([]rune(part)) >= 3 && alone.MatchString(kept) {
					t.Errorf("the part %q was kept:\n%s", part, kept)
				}
			}
		})
	}
}

// TestIDNumberInPiecesToAnOfficer: with a ticket open, the part that makes
// an ID number reaches the officer hidden, and the citizen is told.
func TestIDNumberInPiecesToAnOfficer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		h := &fakeHandoff{}
		e := handoffEngine(t, st, h)
		say := typer(t, e, "web", "o")
		say("/start")
		say("cho tôi nói chuyện với cán bộ")
		say("ben nghe")
		say("số của tôi là")
		for _, part := range []string{"03", "81", "65", "00", "43"} {
			say(part)
		}
		rs := say("21")
		want := []string{"số của tôi là", "03", "81", "65", "00", "[số]", "[số]"}
		if strings.Join(h.msgs, "|") != strings.Join(want, "|") || !strings.Contains(texts(rs), "đã che") {
			t.Fatalf("forwarded %q, want %q; said:\n%s", h.msgs, want, texts(rs))
		}
	})
}
