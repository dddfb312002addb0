package flows_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts")

func newEngine(tb testing.TB, st *store.Store, clk *clocktest.Clock, log *slog.Logger) *flows.Engine {
	tb.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e, err := flows.New(contenttest.Builtin(tb), st, flows.Options{Now: clk.Now, Logger: log})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// TestTranscripts plays each testdata/transcripts/*.txt script through the
// engine and compares what the bot said with the .golden file next to it.
// Regenerate with: go test ./flows -run TestTranscripts -update
//
// Script lines:
//
//	start [REF]      open the bot (/start, a page load), optionally with a referral
//	say TEXT         type TEXT
//	press LABEL      press the button of the last replies whose label contains LABEL
//	press #N         press the button numbered N
//	media            send a photo
//	wait DURATION    let time pass (e.g. 72h)
//	# ...            a comment, copied to the output
func TestTranscripts(t *testing.T) {
	scripts, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no transcripts found: %v", err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".txt")
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
			clk := clocktest.New(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
			got := play(t, newEngine(t, st, clk, nil), clk, script)
			golden := strings.TrimSuffix(script, ".txt") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("transcript differs from %s (run with -update and review the diff):\n%s", golden, firstDiff(string(want), got))
			}
		})
	}
}

func play(t *testing.T, e *flows.Engine, clk *clocktest.Clock, script string) string {
	t.Helper()
	f, err := os.Open(script)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	var last []flows.Reply
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			fmt.Fprintf(&out, "%s\n", line)
			continue
		}
		verb, arg, _ := strings.Cut(line, " ")
		n++
		in := flows.Inbound{Channel: "test", ChatID: "citizen", MessageID: fmt.Sprint(n)}
		switch verb {
		case "start":
			in.Kind, in.Ref = flows.KindStart, arg
		case "say":
			in.Kind, in.Text = flows.KindText, arg
		case "press":
			b, ok := findButton(last, arg)
			if !ok {
				t.Fatalf("%s: no button %q in the last replies:\n%s", script, arg, render(last))
			}
			in.Kind, in.Payload = flows.KindButton, b.Payload
			line = fmt.Sprintf("press [%s] (%s)", b.Label, b.Payload)
		case "media":
			in.Kind = flows.KindMedia
		case "wait":
			d, err := time.ParseDuration(arg)
			if err != nil {
				t.Fatalf("%s: %v", script, err)
			}
			clk.Add(d)
			fmt.Fprintf(&out, "... %s later\n", arg)
			continue
		default:
			t.Fatalf("%s: unknown verb %q", script, verb)
		}
		replies, err := e.Handle(context.Background(), in)
		if err != nil {
			t.Fatalf("%s: %s: %v", script, line, err)
		}
		fmt.Fprintf(&out, "\n> %s\n%s", line, render(replies))
		last = replies
		clk.Add(time.Minute)
	}
	return out.String()
}

func findButton(replies []flows.Reply, arg string) (flows.Button, bool) {
	for _, r := range replies {
		for _, row := range r.Buttons {
			for _, b := range row {
				if b.Payload == "" {
					continue
				}
				if strings.HasPrefix(arg, "#") && fmt.Sprintf("#%d", b.Number) == arg ||
					!strings.HasPrefix(arg, "#") && strings.Contains(strings.ToLower(b.Label), strings.ToLower(arg)) {
					return b, true
				}
			}
		}
	}
	return flows.Button{}, false
}

func render(replies []flows.Reply) string {
	var b strings.Builder
	for _, r := range replies {
		fmt.Fprintf(&b, "< %s\n", strings.ReplaceAll(r.Text, "\n", "\n  "))
		if r.Image != "" {
			fmt.Fprintf(&b, "  [image %s]\n", r.Image)
		}
		for _, row := range r.Buttons {
			var cells []string
			for _, btn := range row {
				if btn.URL != "" {
					cells = append(cells, fmt.Sprintf("(%s -> %s)", btn.Label, btn.URL))
					continue
				}
				cells = append(cells, fmt.Sprintf("[%d %s]", btn.Number, btn.Label))
			}
			fmt.Fprintf(&b, "  %s\n", strings.Join(cells, " "))
		}
	}
	return b.String()
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return fmt.Sprintf("line %d:\nwant: %s\ngot:  %s", i+1, w, g)
		}
	}
	return "(no difference)"
}
