package flows_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func TestZZReplay(t *testing.T) {
	dir := os.Getenv("REPLAY_DIR")
	if dir == "" {
		t.Skip()
	}
	scripts, _ := filepath.Glob(dir + "/*.txt")
	os.MkdirAll(dir+"/out", 0o755)
	for _, script := range scripts {
		st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
		clk := clocktest.New(time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC))
		e := newEngine(t, st, clk, nil)
		f, _ := os.Open(script)
		var out strings.Builder
		sc := bufio.NewScanner(f)
		n := 0
		for sc.Scan() {
			line := sc.Text()
			verb, arg, _ := strings.Cut(line, " ")
			n++
			in := flows.Inbound{Channel: "web", ChatID: "citizen", MessageID: fmt.Sprint(n)}
			switch verb {
			case "say":
				in.Kind, in.Text = flows.KindText, arg
			case "payload":
				in.Kind, in.Payload = flows.KindButton, arg
			default:
				continue
			}
			replies, err := e.Handle(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "\n> %s\n%s", line, render(replies))
			clk.Add(time.Minute)
		}
		f.Close()
		os.WriteFile(dir+"/out/"+filepath.Base(script), []byte(out.String()), 0o644)
	}
}
