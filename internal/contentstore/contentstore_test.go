package contentstore

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// validDir copies the small valid content fixture into a fresh folder.
func validDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "content")
	if err := os.CopyFS(dir, os.DirFS("../../content/testdata/valid")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// edit replaces old with new in dir/name, failing when old is not there.
func edit(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func answer(t *testing.T, fsys fs.FS) string {
	t.Helper()
	cat, problems := content.Load(fsys, content.Options{})
	if cat == nil {
		t.Fatalf("stored content does not load: %v", problems.Err())
	}
	return cat.Entry("one").Answer["vi"]
}

func TestPackKeepsOnlyContentFilesAndIsDeterministic(t *testing.T) {
	dir := validDir(t)
	for name, data := range map[string]string{
		"README.md":              "notes",
		".hidden.yaml":           "x: 1",
		".git/config.yaml":       "x: 1",
		"testdata/broken/a.yaml": "x: 1",
		"faq/.#demo.yaml":        "x: 1",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, n, err := Pack(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := Pack(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("packing the same folder twice gave different archives")
	}
	zfs, err := Unpack(a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = fs.WalkDir(zfs, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "faq/demo.yaml flows/demo.yaml messages.yaml meta.yaml vocab.yaml"
	if got := strings.Join(names, " "); got != want || n != 5 {
		t.Fatalf("archive holds %d files %q, want %q", n, got, want)
	}
	if got := answer(t, zfs); got != "Trả lời một" {
		t.Fatalf("answer from the archive is %q", got)
	}
}

func TestUnpackRejectsGarbage(t *testing.T) {
	if _, err := Unpack([]byte("not a zip")); err == nil {
		t.Fatal("garbage unpacked")
	}
}

func TestPublishGetAndCurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := New(st)
		if cur, err := cs.Current(ctx); err != nil || cur.Version != 0 {
			t.Fatalf("before any publish: current %+v, %v", cur, err)
		}
		if vs, err := cs.Versions(ctx, 0); err != nil || len(vs) != 0 {
			t.Fatalf("before any publish: versions %v, %v", vs, err)
		}
		dir := validDir(t)
		v1, err := cs.Publish(ctx, os.DirFS(dir), "first", "lan")
		if err != nil {
			t.Fatal(err)
		}
		if v1.Number != 1 || v1.Summary() != "1 flows, 2 steps, 1 faq entries, locales: vi,en" || v1.Note != "first" || v1.By != "lan" || v1.Files != 5 || v1.SHA256 == "" {
			t.Fatalf("version 1 is %+v", v1)
		}
		edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời mới")
		v2, err := cs.Publish(ctx, os.DirFS(dir), "", "lan")
		if err != nil {
			t.Fatal(err)
		}
		if v2.Number != 2 || v2.SHA256 == v1.SHA256 {
			t.Fatalf("version 2 is %+v", v2)
		}
		cur, err := cs.Current(ctx)
		if err != nil || cur.Version != 2 || cur.Action != "publish" || cur.By != "lan" {
			t.Fatalf("current %+v, %v", cur, err)
		}
		for n, want := range map[int64]string{1: "Trả lời một", 2: "Trả lời mới"} {
			v, fsys, err := cs.Get(ctx, n)
			if err != nil || v.Number != n {
				t.Fatalf("get %d: %+v, %v", n, v, err)
			}
			if got := answer(t, fsys); got != want {
				t.Errorf("version %d answers %q, want %q", n, got, want)
			}
		}
		vs, err := cs.Versions(ctx, 0)
		if err != nil || len(vs) != 2 || vs[0].Number != 2 || vs[1].Number != 1 {
			t.Fatalf("versions %+v, %v", vs, err)
		}
		if vs, _ := cs.Versions(ctx, 1); len(vs) != 1 || vs[0].Number != 2 {
			t.Fatalf("versions limited to 1: %+v", vs)
		}
		if _, _, err := cs.Get(ctx, 3); !errors.Is(err, ErrNotFound) {
			t.Fatalf("get 3: %v, want ErrNotFound", err)
		}
	})
}

func TestPublishRejectsInvalidContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := New(st)
		dir := validDir(t)
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		edit(t, dir, "faq/demo.yaml", "Trả lời một", "Hãy đến Công an huyện")
		_, err := cs.Publish(ctx, os.DirFS(dir), "", "")
		var inv *InvalidError
		if !errors.As(err, &inv) || len(inv.Problems) == 0 || inv.Problems[0].File != "faq/demo.yaml" || inv.Problems[0].Line == 0 {
			t.Fatalf("publishing a denied phrase: %v", err)
		}
		if !strings.Contains(err.Error(), "faq/demo.yaml:") || !strings.Contains(err.Error(), "Công an huyện") {
			t.Fatalf("error does not say where and what: %v", err)
		}
		os.Remove(filepath.Join(dir, "meta.yaml"))
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); !errors.As(err, &inv) {
			t.Fatalf("publishing without meta.yaml: %v", err)
		}
		cur, _ := cs.Current(ctx)
		vs, _ := cs.Versions(ctx, 0)
		if cur.Version != 1 || len(vs) != 1 {
			t.Fatalf("a rejected publish changed the store: current %+v, %d versions", cur, len(vs))
		}
	})
}

func TestRollback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := New(st)
		dir := validDir(t)
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời mới")
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		v, err := cs.Rollback(ctx, 1, "minh")
		if err != nil || v.Number != 1 {
			t.Fatalf("rollback: %+v, %v", v, err)
		}
		cur, err := cs.Current(ctx)
		if err != nil || cur.Version != 1 || cur.Action != "rollback" || cur.By != "minh" {
			t.Fatalf("current after rollback: %+v, %v", cur, err)
		}
		if _, err := cs.Rollback(ctx, 7, ""); !errors.Is(err, ErrNotFound) {
			t.Fatalf("rollback to a missing version: %v", err)
		}
		if cur, _ := cs.Current(ctx); cur.Version != 1 {
			t.Fatalf("a failed rollback moved current to %d", cur.Version)
		}
	})
}

func TestPublishKeepsTheNewestVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := New(st)
		cs.Keep = 2
		dir := validDir(t)
		for i := 0; i < 4; i++ {
			if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
				t.Fatal(err)
			}
		}
		vs, err := cs.Versions(ctx, 0)
		if err != nil || len(vs) != 2 || vs[0].Number != 4 || vs[1].Number != 3 {
			t.Fatalf("versions %+v, %v; want 4 and 3", vs, err)
		}
		if _, _, err := cs.Get(ctx, 1); !errors.Is(err, ErrNotFound) {
			t.Fatalf("version 1 was kept: %v", err)
		}
		// The current version survives pruning even when it is old.
		if _, err := cs.Rollback(ctx, 3, ""); err != nil {
			t.Fatal(err)
		}
		cs.Keep = 1
		cs.prune(ctx)
		if _, _, err := cs.Get(ctx, 3); err != nil {
			t.Fatalf("the current version was pruned: %v", err)
		}
	})
}

// follow runs Follow in the background and returns a channel of the
// pointers it reports.
func follow(t *testing.T, cs *Store, poll time.Duration) <-chan Current {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan Current, 100)
	done := make(chan struct{})
	go func() {
		defer close(done)
		cs.Follow(ctx, poll, func(_ context.Context, c Current) { got <- c }, func(err error) { t.Errorf("follow: %v", err) })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return got
}

// waitFor reads pointers until one names version n, or fails after 5 s.
func waitFor(t *testing.T, got <-chan Current, n int64) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case c := <-got:
			if c.Version == n {
				return
			}
		case <-timeout:
			t.Fatalf("version %d was not reported within 5 s", n)
		}
	}
}

func TestFollowHearsAnnouncements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := New(st)
		got := follow(t, cs, time.Hour) // no polling: only the announcement can arrive
		waitFor(t, got, 0)
		dir := validDir(t)
		start := time.Now()
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		waitFor(t, got, 1)
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		waitFor(t, got, 2)
		if _, err := cs.Rollback(ctx, 1, ""); err != nil {
			t.Fatal(err)
		}
		waitFor(t, got, 1)
		t.Logf("three announcements heard in %v", time.Since(start))
	})
}

func TestFollowPollsWhenAnAnnouncementIsLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		cs := New(st)
		dir := validDir(t)
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.Publish(ctx, os.DirFS(dir), "", ""); err != nil {
			t.Fatal(err)
		}
		got := follow(t, cs, 50*time.Millisecond)
		waitFor(t, got, 2)
		// Move the pointer without announcing it, as if the message were lost.
		if err := st.Client().Set(ctx, cs.current, `{"version":1,"action":"rollback"}`, 0).Err(); err != nil {
			t.Fatal(err)
		}
		waitFor(t, got, 1)
	})
}
