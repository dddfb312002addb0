package lograte_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/internal/lograte"
)

func TestRepeatsAreCountedNotWritten(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := lograte.New(slog.New(slog.NewTextHandler(&buf, nil)), time.Minute, func() time.Time { return now })
	for range 1000 {
		l.Warn("bad_signature", "zalo: rejected", "reason", "bad_signature")
	}
	l.Warn("no_signature", "zalo: rejected", "reason", "no_signature")
	if n := strings.Count(buf.String(), "\n"); n != 2 {
		t.Fatalf("%d lines for 1001 warnings of two kinds, want 2:\n%s", n, buf.String())
	}
	now = now.Add(time.Minute)
	l.Warn("bad_signature", "zalo: rejected", "reason", "bad_signature")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if last := lines[len(lines)-1]; len(lines) != 3 || !strings.Contains(last, "suppressed=999") {
		t.Fatalf("after the interval: %q, want a line with suppressed=999", lines)
	}
}

func TestKindsAreBounded(t *testing.T) {
	var buf bytes.Buffer
	l := lograte.New(slog.New(slog.NewTextHandler(&buf, nil)), time.Hour, nil)
	for i := range 5000 {
		l.Warn(fmt.Sprint(i), "admin: wrong token")
	}
	// Every kind was new when it came, so each was written once.
	if n := strings.Count(buf.String(), "\n"); n != 5000 {
		t.Fatalf("%d lines, want 5000", n)
	}
	// The newest kinds are remembered (their repeat is suppressed), the
	// oldest were forgotten (their repeat is written again).
	buf.Reset()
	l.Warn("4999", "admin: wrong token")
	if buf.Len() != 0 {
		t.Fatalf("a repeat of the newest kind was written: %s", buf.String())
	}
	l.Warn("0", "admin: wrong token")
	if buf.Len() == 0 {
		t.Fatal("the oldest kind is still remembered: the map is not bounded")
	}
}
