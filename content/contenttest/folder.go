package contenttest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Folder copies the small valid content fixture (content/testdata/valid,
// which answers "câu hỏi một" with "Trả lời một") into a fresh folder and
// returns its path, for tests that edit content on disk.
func Folder(tb testing.TB) string {
	tb.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("contenttest: cannot locate the content fixture")
	}
	dir := filepath.Join(tb.TempDir(), "content")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(filepath.Dir(here), "..", "testdata", "valid"))); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// Edit replaces old with new in dir/name, failing when old is not there.
func Edit(tb testing.TB, dir, name, old, new string) {
	tb.Helper()
	p := filepath.Join(dir, name)
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		tb.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		tb.Fatal(err)
	}
}
