package contentsource

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// switchWithin is how quickly the issue promises that content switches.
const switchWithin = 5 * time.Second

// syncBuffer collects a replica's log; it is printed when a test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replica is what a serving bot has for content: the engine the content
// swaps into, the source, the metrics and the background tasks.
type replica struct {
	engine  *flows.Engine
	content *Source
	metrics *prometheus.Registry
	bg      sync.WaitGroup
}

func (r *replica) background(ctx context.Context, _ string, fn func(context.Context) error) {
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		fn(ctx)
	}()
}

// startReplica runs what serve runs for content on one replica: a content
// source (CONTENT_DIR dir, or none), an engine on st, and the watcher,
// until the test ends. poll overrides the periodic check when not zero.
func startReplica(t *testing.T, st *store.Store, dir string, poll time.Duration) *replica {
	t.Helper()
	a, _ := startReplicaLog(t, st, dir, poll)
	return a
}

// startReplicaLog is startReplica that also returns the replica's log.
func startReplicaLog(t *testing.T, st *store.Store, dir string, poll time.Duration) (*replica, *syncBuffer) {
	t.Helper()
	src, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	if poll > 0 {
		src.poll = poll
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	eng, err := flows.New(src.Catalog(), st, flows.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	a := &replica{engine: eng, content: src, metrics: prometheus.NewRegistry()}
	ctx, cancel := context.WithCancel(context.Background())
	src.Watch(ctx, WatchOptions{Store: st, Logger: log, Metrics: a.metrics, Swap: eng.SetContent, Go: a.background})
	t.Cleanup(func() {
		cancel()
		a.bg.Wait()
		if t.Failed() {
			t.Logf("replica log:\n%s", logs)
		}
	})
	return a, logs
}

var msgSeq atomic.Int64

// say sends text from chat user to a replica's engine and returns the replies' text.
func say(t *testing.T, a *replica, user, text string) string {
	t.Helper()
	replies, err := a.engine.Handle(context.Background(), flows.Inbound{
		Channel: "web", ChatID: user, MessageID: fmt.Sprint("m", msgSeq.Add(1)), Kind: flows.KindText, Text: text,
	})
	if err != nil {
		t.Fatalf("handle %q: %v", text, err)
	}
	var out []string
	for _, r := range replies {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// answer asks the fixture's question as a new citizen (so that no rate limit
// or earlier turn gets in the way) and returns what the bot says.
func answer(t *testing.T, a *replica) string {
	t.Helper()
	return say(t, a, fmt.Sprint("asker", msgSeq.Add(1)), "câu hỏi một")
}

// eventually polls cond every 20 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%s: after %v", what, time.Since(start).Round(time.Millisecond))
}

// answersWith waits until every replica answers the fixture's question with want.
func answersWith(t *testing.T, want string, replicas ...*replica) {
	t.Helper()
	for i, a := range replicas {
		eventually(t, switchWithin, fmt.Sprintf("replica %d answers %q", i+1, want), func() bool {
			return strings.Contains(answer(t, a), want)
		})
	}
}

// metric returns the value of the metric name (with label source=source
// when source is not empty) in a replica's registry.
func metric(t *testing.T, a *replica, name, source string) float64 {
	t.Helper()
	families, err := a.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			match := source == ""
			for _, l := range m.GetLabel() {
				if l.GetName() == "source" && l.GetValue() == source {
					match = true
				}
			}
			if !match {
				continue
			}
			if m.Counter != nil {
				return m.Counter.GetValue()
			}
			return m.Gauge.GetValue()
		}
	}
	return 0
}

func readyDetail(t *testing.T, a *replica) string {
	t.Helper()
	detail, err := a.content.Ready(context.Background())
	if err != nil {
		t.Fatalf("content readiness failed: %v", err)
	}
	return detail
}

func TestEditingContentDirChangesTheAnswer(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	dir := contenttest.Folder(t)
	a := startReplica(t, st, dir, 0)
	if got := answer(t, a); !strings.Contains(got, "Trả lời một") {
		t.Fatalf("before any edit the bot says %q", got)
	}

	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời đã sửa")
	answersWith(t, "Trả lời đã sửa", a)
	if d := readyDetail(t, a); d != "CONTENT_DIR "+dir {
		t.Errorf("readiness detail after a good edit: %q", d)
	}
	if n := metric(t, a, "vneidbot_content_reloads_total", "dir"); n < 1 {
		t.Errorf("reloads counted: %v", n)
	}

	broken := []struct{ name, file, old, new, want string }{
		{"outdated phrase", "faq/demo.yaml", "Trả lời đã sửa", "Hãy đến Công an huyện", "Công an huyện"},
		{"link off the allowlist", "flows/demo.yaml", "https://vneid.gov.vn", "https://vneid.gov.vn.example.com", "flows/demo.yaml:"},
		{"yaml syntax", "faq/demo.yaml", "answer: {", "answer: {{", "faq/demo.yaml:"},
		{"step deleted", "flows/demo.yaml", "next: last", "next: gone", "does not exist"},
	}
	for i, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			saved, err := os.ReadFile(filepath.Join(dir, b.file))
			if err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(filepath.Join(dir, b.file), saved, 0o644)
			contenttest.Edit(t, dir, b.file, b.old, b.new)
			eventually(t, switchWithin, "edit rejected", func() bool {
				return metric(t, a, "vneidbot_content_reload_failures_total", "dir") == float64(i+1)
			})
			if got := answer(t, a); !strings.Contains(got, "Trả lời đã sửa") {
				t.Fatalf("after a broken edit the bot says %q", got)
			}
			detail := readyDetail(t, a)
			if !strings.HasPrefix(detail, "CONTENT_DIR "+dir+"; last edit rejected: ") || !strings.Contains(detail, b.want) {
				t.Errorf("readiness detail %q does not report the rejection at %s", detail, b.want)
			}
			if metric(t, a, "vneidbot_content_rejected", "") != 1 {
				t.Error("vneidbot_content_rejected is not 1")
			}
		})
	}

	// Undoing the broken edit (the deferred writes above) serves again and
	// clears the rejection.
	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời đã sửa", "Trả lời lần ba")
	answersWith(t, "Trả lời lần ba", a)
	if err := a.content.Rejected(); err != nil {
		t.Errorf("rejection not cleared: %v", err)
	}
	if metric(t, a, "vneidbot_content_rejected", "") != 0 {
		t.Error("vneidbot_content_rejected is not back to 0")
	}
}

func TestNewFilesInContentDirAreWatched(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	dir := contenttest.Folder(t)
	a := startReplica(t, st, dir, 0)
	entry := `- id: two
  title: {vi: "Câu hai", en: "Question two"}
  questions:
    vi: ["đổi điện thoại mới thì sao"]
    en: ["new phone what now"]
  answer: {vi: "Trả lời hai", en: "Answer two"}
  source: "test"
  checked: 2026-11-01
`
	if err := os.WriteFile(filepath.Join(dir, "faq", "more.yaml"), []byte(entry), 0o644); err != nil {
		t.Fatal(err)
	}
	eventually(t, switchWithin, "new file served", func() bool {
		return strings.Contains(say(t, a, fmt.Sprint("u", msgSeq.Add(1)), "đổi điện thoại mới thì sao"), "Trả lời hai")
	})
}

// publish stores dir as a new version, like "vneidbot content publish".
func publish(t *testing.T, st *store.Store, dir, note string) contentstore.Version {
	t.Helper()
	v, err := contentstore.New(st).Publish(context.Background(), os.DirFS(dir), note, "test")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPublishAndRollbackSwitchEveryReplica(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// Polling is slowed down so that only the announcements can make
		// the replicas switch within the 5 seconds.
		a := startReplica(t, st, "", time.Minute)
		b := startReplica(t, st, "", time.Minute)
		if got := answer(t, a); strings.Contains(got, "Trả lời một") {
			t.Fatalf("the embedded content answers like the fixture: %q", got)
		}
		if d := readyDetail(t, a); d != "embedded content" {
			t.Errorf("readiness detail before any publish: %q", d)
		}

		dir := contenttest.Folder(t)
		v1 := publish(t, st, dir, "first")
		answersWith(t, "Trả lời một", a, b)

		contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời bản hai")
		v2 := publish(t, st, dir, "second")
		answersWith(t, "Trả lời bản hai", a, b)
		for _, r := range []*replica{a, b} {
			if got := metric(t, r, "vneidbot_content_version", ""); got != float64(v2.Number) {
				t.Errorf("vneidbot_content_version is %v, want %d", got, v2.Number)
			}
			if d := readyDetail(t, r); d != fmt.Sprintf("published version %d", v2.Number) {
				t.Errorf("readiness detail %q", d)
			}
		}

		// A replica started now serves the current version from its first message.
		c := startReplica(t, st, "", time.Minute)
		if got := answer(t, c); !strings.Contains(got, "Trả lời bản hai") {
			t.Fatalf("a replica started after the publish says %q", got)
		}

		if _, err := contentstore.New(st).Rollback(context.Background(), v1.Number, "test"); err != nil {
			t.Fatal(err)
		}
		answersWith(t, "Trả lời một", a, b, c)
		if got := metric(t, b, "vneidbot_content_version", ""); got != float64(v1.Number) {
			t.Errorf("after rollback vneidbot_content_version is %v", got)
		}
		if got := metric(t, b, "vneidbot_content_reloads_total", "published"); got != 3 {
			t.Errorf("replica b switched %v times, want 3", got)
		}
	})
}

func TestPeriodicCheckCatchesAMissedAnnouncement(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := contenttest.Folder(t)
		v1 := publish(t, st, dir, "")
		contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời bản hai")
		publish(t, st, dir, "")
		a := startReplica(t, st, "", 100*time.Millisecond)
		if got := answer(t, a); !strings.Contains(got, "Trả lời bản hai") {
			t.Fatalf("the replica starts with %q", got)
		}
		// Point at version 1 without announcing it, as if the message were lost.
		cur := fmt.Sprintf(`{"version":%d,"action":"rollback"}`, v1.Number)
		if err := st.Client().Set(context.Background(), st.Key("{content}", "current"), cur, 0).Err(); err != nil {
			t.Fatal(err)
		}
		answersWith(t, "Trả lời một", a)
	})
}

func TestContentDirWinsOverPublishedVersions(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	local := contenttest.Folder(t)
	contenttest.Edit(t, local, "faq/demo.yaml", "Trả lời một", "Trả lời của thư mục")
	a := startReplica(t, st, local, 50*time.Millisecond)
	b := startReplica(t, st, "", 50*time.Millisecond)
	publish(t, st, contenttest.Folder(t), "")
	answersWith(t, "Trả lời một", b)
	time.Sleep(200 * time.Millisecond) // several periodic checks
	if got := answer(t, a); !strings.Contains(got, "Trả lời của thư mục") {
		t.Fatalf("a replica with CONTENT_DIR switched to the published version: %q", got)
	}
}

func TestInvalidPublishedVersionKeepsTheOldContent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		good := contenttest.Folder(t)
		v1 := publish(t, st, good, "")
		a := startReplica(t, st, "", time.Minute)
		b := startReplica(t, st, "", time.Minute)
		answersWith(t, "Trả lời một", a, b)

		// Version 2 passed the checks of whatever published it but not this
		// program's (say a newer release published it): store it by hand.
		bad := contenttest.Folder(t)
		contenttest.Edit(t, bad, "faq/demo.yaml", "Trả lời một", "Hãy đến Công an huyện")
		archive, _, err := contentstore.Pack(os.DirFS(bad))
		if err != nil {
			t.Fatal(err)
		}
		key := func(parts ...string) string { return st.Key(append([]string{"{content}"}, parts...)...) }
		rdb := st.Client()
		if err := rdb.HSet(ctx, key("v", "2"), "meta", `{"number":2}`, "files", archive).Err(); err != nil {
			t.Fatal(err)
		}
		rdb.Set(ctx, key("seq"), 2, 0)
		rdb.Set(ctx, key("current"), `{"version":2,"action":"publish"}`, 0)
		rdb.Publish(ctx, key("switch"), 2)

		for _, r := range []*replica{a, b} {
			eventually(t, switchWithin, "version 2 rejected", func() bool {
				return metric(t, r, "vneidbot_content_reload_failures_total", "published") == 1
			})
			if got := answer(t, r); !strings.Contains(got, "Trả lời một") {
				t.Fatalf("after an invalid version the bot says %q", got)
			}
			detail := readyDetail(t, r)
			if !strings.HasPrefix(detail, "published version 1; last edit rejected: published version 2: ") || !strings.Contains(detail, "faq/demo.yaml:") {
				t.Errorf("readiness detail %q", detail)
			}
		}
		// Later checks do not reject (and log) the same version again.
		rdb.Publish(ctx, key("switch"), 2)
		time.Sleep(200 * time.Millisecond)
		if n := metric(t, a, "vneidbot_content_reload_failures_total", "published"); n != 1 {
			t.Errorf("version 2 rejected %v times", n)
		}

		// Going back to version 1 clears the rejection.
		if _, err := contentstore.New(st).Rollback(ctx, v1.Number, ""); err != nil {
			t.Fatal(err)
		}
		eventually(t, switchWithin, "rejection cleared", func() bool { return a.content.Rejected() == nil && b.content.Rejected() == nil })
		if d := readyDetail(t, a); d != "published version 1" {
			t.Errorf("readiness detail after rollback: %q", d)
		}
	})
}

// TestSessionOnARemovedStepRestartsTheFlow publishes a version in which the
// step a citizen is on no longer exists: the next message lands on the
// flow's new start with a short note instead of an error.
func TestSessionOnARemovedStepRestartsTheFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		dir := contenttest.Folder(t)
		publish(t, st, dir, "")
		a := startReplica(t, st, "", time.Minute)
		b := startReplica(t, st, "", time.Minute)
		answersWith(t, "Trả lời một", a, b)

		const user = "citizen"
		say(t, a, user, "menu")
		if got := say(t, a, user, "1"); !strings.Contains(got, "Bước một") {
			t.Fatalf("menu item 1 led to %q, want the flow's first step", got)
		}

		contenttest.Edit(t, dir, "flows/demo.yaml", "start: first", "start: begin")
		contenttest.Edit(t, dir, "flows/demo.yaml", "- id: first", "- id: begin")
		contenttest.Edit(t, dir, "flows/demo.yaml", `text: {vi: "Bước một"`, `text: {vi: "Bước đầu tiên (mới)"`)
		publish(t, st, dir, "renamed the first step")
		for _, r := range []*replica{a, b} {
			eventually(t, switchWithin, "new version serves", func() bool {
				return r.content.Catalog().Flow("demo").Step("begin") != nil
			})
		}

		gone := a.content.Catalog().Msg("vi", "step_gone")
		got := say(t, b, user, "tiếp tục")
		if !strings.Contains(got, gone) {
			t.Fatalf("the citizen on a removed step got %q, want the note %q", got, gone)
		}
		if !strings.Contains(got, "Bước đầu tiên (mới)") {
			t.Fatalf("the citizen on a removed step got %q, want the flow's new start", got)
		}
		if got := say(t, a, user, "1"); !strings.Contains(got, "Xong") {
			t.Fatalf("the next choice from the new start led to %q", got)
		}
	})
}

func TestOneLine(t *testing.T) {
	err := content.Problems{
		{File: "faq/a.yaml", Line: 3, Msg: "one"},
		{File: "faq/b.yaml", Line: 9, Msg: "two"},
	}.Err()
	if got, want := oneLine(err.Error(), 400), "content has 2 problem(s): faq/a.yaml:3: one; faq/b.yaml:9: two"; got != want {
		t.Errorf("oneLine = %q, want %q", got, want)
	}
	if got := oneLine(strings.Repeat("ư", 50), 10); got != strings.Repeat("ư", 10)+"…" {
		t.Errorf("cut to %q", got)
	}
}

func TestStartPublishedBeforeTheEngineExists(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	publish(t, st, contenttest.Folder(t), "")
	src, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	src.StartPublished(context.Background(), st, slog.New(slog.DiscardHandler))
	if src.Catalog().Entry("one") == nil {
		t.Fatal("the source does not serve the published version")
	}
	if d, _ := src.Ready(context.Background()); d != "published version 1" {
		t.Errorf("readiness detail %q", d)
	}

	local, err := New(contenttest.Folder(t))
	if err != nil {
		t.Fatal(err)
	}
	contenttest.Edit(t, local.dir, "faq/demo.yaml", "Trả lời một", "Trả lời của thư mục")
	local.StartPublished(context.Background(), st, slog.New(slog.DiscardHandler))
	if d, _ := local.Ready(context.Background()); !strings.HasPrefix(d, "CONTENT_DIR ") {
		t.Errorf("with CONTENT_DIR set the source switched: %q", d)
	}
}

func TestFollowingSurvivesARedisRestart(t *testing.T) {
	m := miniredis.RunT(t)
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{URL: "redis://" + m.Addr() + "/0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	dir := contenttest.Folder(t)
	publish(t, st, dir, "")
	a, logs := startReplicaLog(t, st, "", 100*time.Millisecond)
	answersWith(t, "Trả lời một", a)

	m.Close()
	eventually(t, switchWithin, "outage logged", func() bool {
		return strings.Contains(logs.String(), "cannot read the published content version")
	})
	time.Sleep(300 * time.Millisecond) // more failed checks, which are not logged again
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	contenttest.Edit(t, dir, "faq/demo.yaml", "Trả lời một", "Trả lời sau khi Redis khởi động lại")
	publish(t, st, dir, "")
	answersWith(t, "Trả lời sau khi Redis khởi động lại", a)
	if n := strings.Count(logs.String(), "cannot read the published content version"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "works again") {
		t.Errorf("the recovery was not logged:\n%s", logs)
	}
}
