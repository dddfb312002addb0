package contentsource

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/internal/cli"
)

// env is a getenv over the given name, value pairs.
func env(pairs ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return func(k string) string { return m[k] }
}

// runCmd runs "vneidbot content ARGS" with REDIS_URL from getenv: the exit
// code, stdout and stderr.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	if args[0] != "content" {
		t.Fatalf("runCmd %v: only content commands", args)
	}
	var out, errOut bytes.Buffer
	err := Command(context.Background(), getenv("REDIS_URL"), args[1:], &out, &errOut)
	return cli.Exit(err, &errOut), out.String(), errOut.String()
}

// redisEnv starts an in-process Redis that commands reach through REDIS_URL,
// as separate processes would reach the production Redis.
func redisEnv(t *testing.T, pairs ...string) func(string) string {
	t.Helper()
	m := miniredis.RunT(t)
	return env(append([]string{"REDIS_URL", "redis://" + m.Addr() + "/0"}, pairs...)...)
}

func versionsJSONOf(t *testing.T, getenv func(string) string) versionsJSON {
	t.Helper()
	code, out, errOut := runCmd(t, getenv, "content", "versions", "--json")
	var v versionsJSON
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
		t.Fatalf("content versions --json: exit %d, %s %s", code, out, errOut)
	}
	return v
}

func TestContentPublishVersionsRollback(t *testing.T) {
	getenv := redisEnv(t)
	dir := contenttest.Folder(t)

	if v := versionsJSONOf(t, getenv); v.Current.Version != 0 || len(v.Versions) != 0 {
		t.Fatalf("before any publish: %+v", v)
	}
	code, out, _ := runCmd(t, getenv, "content", "versions")
	if code != 0 || !strings.Contains(out, "No version is published yet") {
		t.Fatalf("versions before any publish: exit %d, %q", code, out)
	}

	code, out, errOut := runCmd(t, getenv, "content", "publish", dir, "--note", "bản đầu tiên", "--by", "lan")
	if code != 0 || !strings.Contains(out, "ok: 1 flows, 2 steps, 1 faq entries, locales: vi,en") || !strings.Contains(out, "published version 1:") {
		t.Fatalf("publish: exit %d, %q %q", code, out, errOut)
	}
	code, out, _ = runCmd(t, getenv, "content", "publish", dir)
	if code != 0 || !strings.Contains(out, "unchanged") || !strings.Contains(out, "version 1") {
		t.Fatalf("publishing the same content again: exit %d, %q", code, out)
	}

	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời bản hai")
	// Flags may come before the folder too.
	code, out, errOut = runCmd(t, getenv, "content", "publish", "--note", "sửa câu trả lời", "--by", "minh", dir)
	if code != 0 || !strings.Contains(out, "published version 2:") || !strings.Contains(out, "To go back: vneidbot content rollback 1") {
		t.Fatalf("second publish: exit %d, %q %q", code, out, errOut)
	}

	v := versionsJSONOf(t, getenv)
	if v.Current.Version != 2 || v.Current.Action != "publish" || v.Current.By != "minh" || len(v.Versions) != 2 {
		t.Fatalf("versions after two publishes: %+v", v)
	}
	if got := v.Versions[1]; got.Number != 1 || got.Note != "bản đầu tiên" || got.By != "lan" || got.Flows != 1 || got.Steps != 2 || got.FAQ != 1 || got.Time.IsZero() {
		t.Fatalf("version 1 is listed as %+v", got)
	}
	code, out, _ = runCmd(t, getenv, "content", "versions")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 5 || !strings.HasPrefix(lines[0], "current: version 2 (published ") || !strings.HasSuffix(lines[0], " by minh)") {
		t.Fatalf("versions: exit %d\n%s", code, out)
	}
	if f := strings.Fields(lines[3]); f[0] != "*" || f[1] != "2" || !strings.HasSuffix(lines[3], "minh  sửa câu trả lời") {
		t.Errorf("the current version's line is %q", lines[3])
	}
	if f := strings.Fields(lines[4]); f[0] != "1" || strings.Join(f[4:], " ") != "1 2 1 lan bản đầu tiên" {
		t.Errorf("version 1's line is %q", lines[4])
	}
	if code, out, _ = runCmd(t, getenv, "content", "versions", "--limit", "1"); code != 0 || strings.Count(out, "\n") != 4 {
		t.Errorf("versions --limit 1: exit %d\n%s", code, out)
	}

	code, out, errOut = runCmd(t, getenv, "content", "rollback", "1", "--by", "lan")
	if code != 0 || !strings.Contains(out, "version 1 is current again (was version 2)") {
		t.Fatalf("rollback: exit %d, %q %q", code, out, errOut)
	}
	if v := versionsJSONOf(t, getenv); v.Current.Version != 1 || v.Current.Action != "rollback" || v.Current.By != "lan" || len(v.Versions) != 2 {
		t.Fatalf("after rollback: %+v", v)
	}
	code, out, _ = runCmd(t, getenv, "content", "versions")
	if !strings.HasPrefix(out, "current: version 1 (made current again ") {
		t.Errorf("versions after rollback:\n%s", out)
	}
	if code, out, _ = runCmd(t, getenv, "content", "rollback", "1"); code != 0 || !strings.Contains(out, "already current") {
		t.Errorf("rollback to the current version: exit %d, %q", code, out)
	}
	if code, _, errOut = runCmd(t, getenv, "content", "rollback", "9"); code != 1 || !strings.Contains(errOut, "there is no version 9") {
		t.Errorf("rollback to a missing version: exit %d, %q", code, errOut)
	}
	if code, _, _ = runCmd(t, getenv, "content", "rollback", "two"); code != 2 {
		t.Errorf("rollback two: exit %d, want 2", code)
	}

	// Export the current version (1), check it, edit it, publish it.
	exported := filepath.Join(t.TempDir(), "exported")
	if code, out, errOut = runCmd(t, getenv, "content", "export", exported); code != 0 || !strings.Contains(out, "wrote version 1 (5 files") {
		t.Fatalf("export: exit %d, %q %q", code, out, errOut)
	}
	if code, out, _ = runCmd(t, getenv, "content", "check", exported); code != 0 || !strings.Contains(out, "ok: 1 flows") {
		// warnings allowed: the demo content lacks most messages, which the built-in text fills
		t.Fatalf("exported content fails the check: %q", out)
	}
	b, err := os.ReadFile(filepath.Join(exported, "faq", "demo.yaml"))
	if err != nil || !strings.Contains(string(b), "Trả lời một") {
		t.Fatalf("exported faq: %q, %v", b, err)
	}
	if code, _, _ = runCmd(t, getenv, "content", "export", exported); code != 2 {
		t.Errorf("export into an existing folder: exit %d, want 2", code)
	}
	if code, out, _ = runCmd(t, getenv, "content", "export", filepath.Join(t.TempDir(), "v2"), "--version", "2"); code != 0 || !strings.Contains(out, "wrote version 2") {
		t.Errorf("export --version 2: exit %d, %q", code, out)
	}
}

func TestContentExportBuiltin(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "builtin")
	if code, out, errOut := runCmd(t, env(), "content", "export", dir, "--builtin"); code != 0 {
		t.Fatalf("export --builtin: exit %d, %q %q", code, out, errOut)
	}
	_, want, _ := runCmd(t, env(), "content", "check")
	code, got, _ := runCmd(t, env(), "content", "check", dir)
	if code != 0 || !strings.HasPrefix(lastLine(got), "ok: ") || lastLine(got) != lastLine(want) {
		t.Fatalf("the exported built-in content checks as %q, the built-in as %q", lastLine(got), lastLine(want))
	}
	if code, _, _ := runCmd(t, env(), "content", "export", filepath.Join(t.TempDir(), "x"), "--builtin", "--version", "3"); code != 2 {
		t.Errorf("--builtin with --version: exit %d, want 2", code)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestContentPublishRejectsBrokenContent(t *testing.T) {
	getenv := redisEnv(t)
	dir := contenttest.Folder(t)
	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Mời ra Công an huyện, xem https://vneid-gov.vn")
	code, out, errOut := runCmd(t, getenv, "content", "publish", dir)
	if code != 1 || !strings.Contains(errOut, "nothing was published") {
		t.Fatalf("publishing broken content: exit %d, %q %q", code, out, errOut)
	}
	for _, want := range []string{filepath.Join(dir, "faq/demo.yaml") + ":", "Công an huyện", `"vneid-gov.vn" is not allowed`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if v := versionsJSONOf(t, getenv); v.Current.Version != 0 || len(v.Versions) != 0 {
		t.Fatalf("a rejected publish stored something: %+v", v)
	}
}

func TestContentCommandsNeedRedisAndArguments(t *testing.T) {
	dir := contenttest.Folder(t)
	for _, args := range [][]string{
		{"content", "publish", dir},
		{"content", "versions"},
		{"content", "rollback", "1"},
		{"content", "export", filepath.Join(t.TempDir(), "x")},
	} {
		code, _, errOut := runCmd(t, env(), args...)
		if code != 2 || !strings.Contains(errOut, "REDIS_URL") {
			t.Errorf("%v without REDIS_URL: exit %d, %q", args, code, errOut)
		}
	}
	getenv := redisEnv(t)
	for _, args := range [][]string{
		{"content"},
		{"content", "frobnicate"},
		{"content", "publish"},
		{"content", "publish", dir, dir},
		{"content", "publish", filepath.Join(dir, "missing")},
		{"content", "publish", dir, "--colour", "red"},
		{"content", "versions", "extra"},
		{"content", "rollback"},
		{"content", "rollback", "0"},
		{"content", "export"},
		{"content", "check", dir, dir},
	} {
		if code, _, errOut := runCmd(t, getenv, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
	for _, args := range [][]string{
		{"content", "--help"}, {"content", "help"},
		{"content", "publish", "--help"}, {"content", "versions", "--help"},
		{"content", "rollback", "--help"}, {"content", "export", "--help"},
	} {
		code, out, errOut := runCmd(t, getenv, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage: vneidbot content") {
			t.Errorf("%v: exit %d, %q", args, code, out+errOut)
		}
	}
}

func TestContentCheckReportsStaleEntriesAsWarnings(t *testing.T) {
	dir := contenttest.Folder(t)
	contenttest.Edit(t, dir, "faq/demo.yaml", "checked: 2026-11-01", "checked: 2020-01-01")
	code, out, _ := runCmd(t, env(), "content", "check", dir)
	if code != 0 || !strings.Contains(out, filepath.Join(dir, "faq/demo.yaml")+":1: warning: ") || !strings.Contains(out, "ok: 1 flows") {
		t.Fatalf("stale entry: exit %d\n%s", code, out)
	}
}

func TestContentStale(t *testing.T) {
	dir := contenttest.Folder(t)
	contenttest.Edit(t, dir, "faq/demo.yaml", "checked: 2026-11-01", "checked: 2020-01-01")
	code, out, errOut := runCmd(t, env(), "content", "stale", "--days", "365", dir)
	if code != 0 || !strings.Contains(out, "1 item(s) last checked more than 365 days ago") {
		t.Fatalf("content stale: exit %d, %q %q", code, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if f := strings.Fields(lines[len(lines)-1]); len(f) < 5 || f[0] != "faq" || f[1] != "one" || f[2] != "2020-01-01" || f[4] != filepath.Join(dir, "faq/demo.yaml")+":1" {
		t.Errorf("the stale row is %q", lines[len(lines)-1])
	}
	code, out, _ = runCmd(t, env(), "content", "stale", "--json", "--days", "0", dir)
	var got staleJSON
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Days != 0 || len(got.Items) != 2 || got.Items[0].ID != "one" || got.Items[1].Kind != "flow" {
		t.Fatalf("content stale --json --days 0: exit %d, %s", code, out)
	}
	if code, out, _ = runCmd(t, env(), "content", "stale", "--days", "100000", dir); code != 0 || !strings.Contains(out, "Nothing to re-check") {
		t.Errorf("nothing stale: exit %d, %q", code, out)
	}
	// The built-in content: every entry cites its sources, so the JSON lists them.
	code, out, _ = runCmd(t, env(), "content", "stale", "--json", "--days", "0")
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got.Items) == 0 || len(got.Items[0].Sources) == 0 {
		t.Fatalf("content stale on the built-in content: exit %d, %.300s", code, out)
	}
	if code, _, _ = runCmd(t, env(), "content", "stale", dir, dir); code != 2 {
		t.Errorf("two folders: exit %d, want 2", code)
	}
}

func TestContentCheckCountsLongAnswers(t *testing.T) {
	dir := contenttest.Folder(t)
	code, out, _ := runCmd(t, env(), "content", "check", dir)
	if code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "; 0 answers over 600 characters") {
		t.Fatalf("short answers: exit %d, %q", code, out)
	}
	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", strings.Repeat("Trả lời dài. ", 50))
	code, out, _ = runCmd(t, env(), "content", "check", dir)
	if code != 0 || !strings.Contains(out, "warning: faq one: answer (vi) is 650 characters, over 600") || !strings.HasSuffix(strings.TrimSpace(out), "; 1 answers over 600 characters (one)") {
		t.Fatalf("a long answer: exit %d, %q", code, out)
	}
}
