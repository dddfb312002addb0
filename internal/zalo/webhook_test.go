package zalo

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

func queued(t *testing.T, r *rig) int64 {
	t.Helper()
	n, err := r.a.intake.Len(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestWebhookStoresHandledEvents(t *testing.T) {
	handled := []string{"user_send_text", "user_send_text_button", "follow", "unfollow", "user_send_image",
		"user_send_sticker", "user_send_gif", "user_send_audio", "user_send_video", "user_send_file",
		"user_send_location", "user_send_link", "user_send_business_card"}
	r := newRig(t, rigOptions{})
	for i, name := range handled {
		if w := r.post(t, readEvent(t, name), nil); w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", name, w.Code)
		}
		if got := queued(t, r); got != int64(i+1) {
			t.Fatalf("%s: %d events queued, want %d", name, got, i+1)
		}
	}
	if got := count(r.a.m.Webhook.WithLabelValues("accepted")); got != float64(len(handled)) {
		t.Errorf("accepted counted %v", got)
	}
}

func TestWebhookIgnoresOtherEvents(t *testing.T) {
	r := newRig(t, rigOptions{})
	for _, name := range []string{"user_seen_message", "user_received_message", "oa_send_text"} {
		if w := r.post(t, readEvent(t, name), nil); w.Code != http.StatusOK {
			t.Fatalf("%s: status %d", name, w.Code)
		}
	}
	if n := queued(t, r); n != 0 {
		t.Errorf("%d ignored events queued", n)
	}
	if got := count(r.a.m.Webhook.WithLabelValues("ignored")); got != 3 {
		t.Errorf("ignored counted %v", got)
	}
	if got := count(r.a.m.Inbound.WithLabelValues("oa_send_text", "false")); got != 1 {
		t.Errorf("oa_send_text counted %v", got)
	}
}

// A forged or unsigned request: answered 200 (see the package doc), nothing
// stored, nothing processed, counted, logged at warn without the body.
func TestWebhookDropsForgedEvents(t *testing.T) {
	body := readEvent(t, "user_send_text")
	good := Signature(testAppID, body, "1699003881354", testOAKey)
	oneByte := bytes.Replace(body, []byte("Chào"), []byte("Chàp"), 1)
	otherApp := bytes.Replace(body, []byte(testAppID), []byte("1111111111111111111"), 1)
	tests := []struct {
		name   string
		body   []byte
		sig    string
		result string
	}{
		{"Missing", body, "", "no_signature"},
		{"Wrong", body, "mac=" + strings.Repeat("ab", 32), "bad_signature"},
		{"WrongAppID", body, Signature("1111111111111111111", body, "1699003881354", testOAKey), "bad_signature"},
		{"BodyChangedByOneByte", oneByte, "mac=" + good, "bad_signature"},
		{"EventOfAnotherApp", otherApp, Signature("1111111111111111111", otherApp, "1699003881354", testOAKey), "wrong_app"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			engine := &recordingEngine{}
			r := newRig(t, rigOptions{engine: engine, logger: slog.New(slog.NewTextHandler(&logs, nil))})
			r.seed(t, "access-0", "refresh-0")
			if w := r.post(t, tt.body, &tt.sig); w.Code != http.StatusOK || w.Body.Len() != 0 {
				t.Errorf("status %d, body %q; want 200 and nothing", w.Code, w.Body)
			}
			r.drain(t)
			if queued(t, r) != 0 || len(engine.seen()) != 0 || len(r.api.requests()) != 0 {
				t.Error("a forged event was processed")
			}
			if got := count(r.a.m.Webhook.WithLabelValues(tt.result)); got != 1 {
				t.Errorf("%s counted %v", tt.result, got)
			}
			if !strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), "Ch\u00e0") || strings.Contains(logs.String(), "cb31dff1") {
				t.Errorf("log must be a warning without the body: %s", logs.String())
			}
		})
	}
}

func TestWebhookMalformedAndTooLarge(t *testing.T) {
	r := newRig(t, rigOptions{})
	some := "mac=0123abcd" // a signature is there (wrong or right needs the body)
	if w := r.post(t, []byte("not json"), &some); w.Code != http.StatusBadRequest {
		t.Errorf("malformed: %d", w.Code)
	}
	big := append([]byte(`{"event_name":"user_send_text","pad":"`), bytes.Repeat([]byte("x"), delivery.MaxBody)...)
	big = append(big, `"}`...)
	if w := r.post(t, big, &some); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", w.Code)
	}
	// Without a signature, nothing is read: the same 200 as a wrong one,
	// so that a stranger learns nothing, and the body left unread.
	empty := ""
	if w := r.post(t, big, &empty); w.Code != http.StatusOK {
		t.Errorf("unsigned: %d", w.Code)
	}
	if queued(t, r) != 0 {
		t.Error("queued a bad request")
	}
}

// The webhook answers as soon as the event is stored: a slow engine or API
// does not delay it.
func TestWebhookAnswersBeforeProcessing(t *testing.T) {
	engine := &recordingEngine{block: make(chan struct{})}
	r := newRig(t, rigOptions{engine: engine})
	r.seed(t, "access-0", "refresh-0")
	start := time.Now()
	if w := r.post(t, readEvent(t, "user_send_text"), nil); w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}
	if d := time.Since(start); d > 2*time.Second { // Zalo's limit
		t.Errorf("answer took %v", d)
	}
	if len(engine.seen()) != 0 {
		t.Fatal("the engine ran inside the webhook request")
	}
	close(engine.block)
	r.drain(t)
	if got := engine.seen(); len(got) != 1 || got[0].Text != "Chào" || got[0].MessageID != "cb31dff1c39642cc1b83" {
		t.Errorf("engine saw %+v", got)
	}
}

// If the event cannot be stored, the answer is not 200: Zalo will retry.
func TestWebhookStoreDown(t *testing.T) {
	st := storetest.OpenEnv(t, "")
	r := newRig(t, rigOptions{store: st, engine: &recordingEngine{}})
	st.Client().Close()
	if w := r.post(t, readEvent(t, "user_send_text"), nil); w.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", w.Code)
	}
}

// An acknowledged event is not lost when the replica that took it dies
// before replying: another replica handles it.
func TestAcknowledgedEventSurvivesCrash(t *testing.T) {
	ctx := context.Background()
	// Replica A's worker takes the event and dies mid-way.
	dies := processFunc(func(context.Context, flows.Inbound) error { return context.Canceled })
	a := newRig(t, rigOptions{engine: dies})
	a.seed(t, "access-0", "refresh-0")
	if w := a.post(t, readEvent(t, "user_send_text"), nil); w.Code != http.StatusOK {
		t.Fatal(w.Code)
	}
	a.a.intake.Drain(ctx)
	if len(a.api.requests()) != 0 || queued(t, a) != 1 {
		t.Fatal("the event should still be queued, unanswered")
	}
	time.Sleep(5 * time.Millisecond) // > MinIdle of the test queue
	b := newRig(t, rigOptions{store: a.st, api: a.api, oauth: a.oauth, clock: a.clock})
	if n := b.drain(t); n != 1 {
		t.Fatalf("replica B handled %d events", n)
	}
	if sent := a.api.requests(); len(sent) == 0 || !strings.Contains(string(sent[0].Body), `"user_id":"6142494823190574713"`) {
		t.Fatalf("no reply after the crash: %+v", sent)
	}
	if queued(t, a) != 0 {
		t.Error("the event stayed queued")
	}
}

// Without a usable token the replies wait (in the engine's outbox, the
// event in the queue) and are sent once an admin has authorized the app.
func TestRepliesWaitForTokens(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.post(t, readEvent(t, "user_send_text"), nil)
	r.drain(t)
	if len(r.api.requests()) != 0 || queued(t, r) != 1 {
		t.Fatal("without a token, the event must stay queued and nothing be sent")
	}
	r.seed(t, "access-0", "refresh-0")
	time.Sleep(5 * time.Millisecond) // > MinIdle of the test queue
	r.drain(t)
	sent := r.api.requests()
	if len(sent) == 0 || !strings.Contains(string(sent[0].Body), "Xin chào") || queued(t, r) != 0 {
		t.Errorf("after authorization: %d requests, %d queued", len(sent), queued(t, r))
	}
	// Handled once: the retry does not run the engine again.
	r.post(t, readEvent(t, "user_send_text"), nil)
	before := len(r.api.requests())
	r.drain(t)
	if len(r.api.requests()) != before {
		t.Error("a repeated event was answered again")
	}
}

// recordingEngine records what it is given and answers one text through
// the adapter, as the engine's outbox does.
type recordingEngine struct {
	block  chan struct{}
	sender flows.Sender
	mu     sync.Mutex
	in     []flows.Inbound
}

func (e *recordingEngine) Process(ctx context.Context, in flows.Inbound) error {
	if e.block != nil {
		<-e.block
	}
	e.mu.Lock()
	e.in = append(e.in, in)
	e.mu.Unlock()
	return e.sender.Send(ctx, in.ChatID, textReplies("ok"))
}

func (e *recordingEngine) seen() []flows.Inbound {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]flows.Inbound(nil), e.in...)
}

// TestWebhookRejectsStaleEvents: a correctly signed event from long ago is a
// replay; it is answered 200 (as every dropped request) and not queued.
func TestWebhookRejectsStaleEvents(t *testing.T) {
	r := newRig(t, rigOptions{})
	r.a.o.MaxEventAge = 24 * time.Hour // the recorded event is from 2023; the clock says 2026
	if w := r.post(t, readEvent(t, "user_send_text"), nil); w.Code != 200 {
		t.Fatalf("status %d, want 200", w.Code)
	}
	if n := queued(t, r); n != 0 {
		t.Fatalf("a stale event was queued (%d)", n)
	}
	r.a.o.MaxEventAge = -1
	r.post(t, readEvent(t, "user_send_text"), nil)
	if n := queued(t, r); n != 1 {
		t.Fatalf("with no age limit the event should be queued, got %d", n)
	}
}

// TestWebhookRejectsMissingAndFutureTimestamps: a signed event must carry a
// timestamp in epoch milliseconds, at most a few minutes ahead of our
// clock; otherwise it is answered 200 (as every dropped request), counted,
// and not queued. A flood of them logs a line, not one each.
func TestWebhookRejectsMissingAndFutureTimestamps(t *testing.T) {
	var logs bytes.Buffer
	r := newRig(t, rigOptions{logger: slog.New(slog.NewTextHandler(&logs, nil))})
	r.a.o.MaxEventAge = 24 * time.Hour
	now := r.clock.Now()
	ms := func(t time.Time) string { return fmt.Sprint(t.UnixMilli()) }
	for _, tt := range []struct{ name, ts, result string }{
		{"missing", "", "no_timestamp"},
		{"not a number", "yesterday", "no_timestamp"},
		{"zero", "0", "no_timestamp"},
		{"negative", "-1699003881354", "no_timestamp"},
		{"an hour ahead", ms(now.Add(time.Hour)), "future"},
		{"a year ahead", ms(now.AddDate(1, 0, 0)), "future"},
		{"two days old", ms(now.Add(-48 * time.Hour)), "stale"},
	} {
		before := counted(r, tt.result)
		if w := r.post(t, textEvent("m-"+tt.name, "xin chào", tt.ts), nil); w.Code != http.StatusOK {
			t.Errorf("%s: status %d, want 200", tt.name, w.Code)
		}
		if n := queued(t, r); n != 0 {
			t.Fatalf("%s: the event was queued", tt.name)
		}
		if got := counted(r, tt.result); got != before+1 {
			t.Errorf("%s: not counted as %s", tt.name, tt.result)
		}
	}
	// Within the allowed skew and age, the event is taken.
	for i, at := range []time.Time{now.Add(MaxClockSkew - time.Second), now.Add(-time.Hour), now} {
		r.post(t, textEvent(fmt.Sprint("ok-", i), "xin chào", ms(at)), nil)
	}
	if n := queued(t, r); n != 3 {
		t.Fatalf("%d events queued, want 3", n)
	}
	// A flood of rejections writes one line per reason a minute.
	logs.Reset()
	for i := range 500 {
		r.post(t, textEvent(fmt.Sprint("f-", i), "x", ms(now.Add(time.Hour))), nil)
	}
	if n := strings.Count(logs.String(), "request dropped"); n != 0 {
		t.Errorf("%d lines for 500 more rejections within the minute, want 0 (one was written already)", n)
	}
	r.clock.Add(time.Minute)
	r.post(t, textEvent("f-last", "x", ms(r.clock.Now().Add(time.Hour))), nil)
	if !strings.Contains(logs.String(), "suppressed=501") { // the 500, and the second "future" of the table
		t.Errorf("after a minute the line must count what was left out:\n%s", logs.String())
	}
}

// counted is the webhook counter of result.
func counted(r *rig, result string) float64 {
	var m dto.Metric
	r.a.m.Webhook.WithLabelValues(result).Write(&m)
	return m.GetCounter().GetValue()
}

// processFunc is a delivery.Processor from a function.
type processFunc func(ctx context.Context, in flows.Inbound) error

func (f processFunc) Process(ctx context.Context, in flows.Inbound) error { return f(ctx, in) }
