package feedback

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/internal/cli"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/store"
)

func TestFAQCommand(t *testing.T) {
	ctx := context.Background()
	mr := miniredis.RunT(t)
	url := "redis://" + mr.Addr()
	st, err := store.Open(ctx, store.Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := NewMisses(st)
	for _, q := range []string{"đổi tên trên VNeID", "doi ten tren vneid", "sđt 0912345678 không nhận được gì"} {
		if err := m.Record(ctx, q, faq.NoMatch); err != nil {
			t.Fatal(err)
		}
	}
	if err := NewVotes(st).Record(ctx, "fees", false); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := Command(ctx, url, args, &out, &errOut)
		return out.String(), err
	}

	t.Run("Misses", func(t *testing.T) {
		out, err := run("misses", "--limit", "5")
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[1], "2 ") || !strings.Contains(lines[1], "doi ten tren vneid") {
			t.Errorf("output:\n%s", out)
		}
		if strings.Contains(out, "0912345678") {
			t.Errorf("phone number shown:\n%s", out)
		}
	})
	t.Run("MissesJSON", func(t *testing.T) {
		out, err := run("misses", "--json", "--limit", "1")
		if err != nil {
			t.Fatal(err)
		}
		var list []Miss
		if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 || list[0].Count != 2 {
			t.Errorf("JSON %q: %v %+v", out, err, list)
		}
	})
	t.Run("Recent", func(t *testing.T) {
		out, err := run("misses", "--recent", "--limit", "1")
		if err != nil || !strings.Contains(out, "sđt [số] không nhận được gì") {
			t.Errorf("output %q, err %v", out, err)
		}
	})
	t.Run("Votes", func(t *testing.T) {
		out, err := run("votes")
		if err != nil || !strings.Contains(out, "fees") {
			t.Errorf("output %q, err %v", out, err)
		}
	})
	t.Run("Usage", func(t *testing.T) {
		for _, args := range [][]string{nil, {"nope"}, {"misses", "--limit", "-1"}, {"misses", "extra"}} {
			var u cli.UsageError
			if _, err := run(args...); !errors.As(err, &u) {
				t.Errorf("faq %q: err = %v, want a usage error", args, err)
			}
		}
	})
}
