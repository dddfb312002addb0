package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
)

// secondChat is message.json from another user, for tests with two chats.
func secondChat() []byte {
	return []byte(`{"update_id":500000301,"message":{"message_id":301,"from":{"id":222222222,"is_bot":false,"first_name":"Minh"},"chat":{"id":222222222,"first_name":"Minh","type":"private"},"date":1764400300,"text":"Xin chào"}}`)
}

// TestFloodWait: a 429 with retry_after pauses every call through the token
// for that long; the refused message is sent once more, and nothing else
// (not even another chat's reply) goes out meanwhile.
func TestFloodWait(t *testing.T) {
	h := newHarness(t, Options{})
	served := make(chan time.Time, 1)
	h.api.fail("sendMessage", scripted{status: 429, served: served,
		body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`})

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		if code := h.post(t, "s3cret", readUpdate(t, "message.json"), SecretHeader, "s3cret"); code != 200 {
			t.Errorf("webhook answered %d", code)
		}
	}()
	floodAt := <-served
	// another chat's update comes in once the bot has seen the 429
	eventually(t, "the pause", func() bool {
		l := h.bot.api.limit
		l.mu.Lock()
		defer l.mu.Unlock()
		return !l.pausedUntil.IsZero()
	})
	go func() {
		defer wg.Done()
		if code := h.post(t, "s3cret", secondChat(), SecretHeader, "s3cret"); code != 200 {
			t.Errorf("webhook answered %d", code)
		}
	}()
	wg.Wait()

	calls := h.api.sent()
	if len(calls) != 5 { // refused + retry + menu for chat 1, greeting + menu for chat 2
		t.Fatalf("got %d calls, want 5: %+v", len(calls), calls)
	}
	for _, c := range calls[1:] {
		if c.Params["chat_id"] == "111111111" {
			if !reflect.DeepEqual(calls[0].Params, c.Params) {
				t.Errorf("the retry differs from the refused message:\n%v\n%v", calls[0].Params, c.Params)
			}
			break
		}
	}
	for i, c := range calls[1:] {
		if wait := c.At.Sub(floodAt); wait < time.Second {
			t.Errorf("call %d (%s to %s) went out %v after the 429, before retry_after (1s)", i+1, c.Method, c.Params["chat_id"], wait)
		}
	}
	n := map[string]int{}
	for _, c := range calls {
		n[c.Params["chat_id"]]++
	}
	if n["111111111"] != 3 || n["222222222"] != 2 {
		t.Errorf("calls per chat = %v, want 3 and 2", n)
	}
}

// TestBlockedChat: a 403 marks the chat blocked and counted, stops the
// remaining messages, and Send skips the chat until the user writes again.
func TestBlockedChat(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newHarness(t, Options{Metrics: reg})
	h.api.fail("sendMessage", scripted{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`})
	h.feed(t, "message.json")

	if calls := h.api.sent(); len(calls) != 1 {
		t.Fatalf("got %d calls after the 403, want 1 (no retry, no further message): %+v", len(calls), calls)
	}
	ctx := context.Background()
	if blocked, err := h.bot.Blocked(ctx, "111111111"); err != nil || !blocked {
		t.Fatalf("Blocked = %v, %v; want true", blocked, err)
	}
	if got := counterValue(h.bot.metrics.blocked); got != 1 {
		t.Errorf("blocked counter = %v, want 1", got)
	}
	if err := h.bot.Broadcast(ctx, "111111111", []flows.Reply{{Text: "notice"}}); !errors.Is(err, ErrBlocked) {
		t.Errorf("Broadcast to a blocked chat = %v, want ErrBlocked", err)
	}
	if calls := h.api.sent(); len(calls) != 1 {
		t.Fatalf("Broadcast reached the API for a blocked chat")
	}

	// the user comes back
	again := []byte(`{"update_id":500000401,"message":{"message_id":401,"from":{"id":111111111,"is_bot":false,"first_name":"Lan"},"chat":{"id":111111111,"first_name":"Lan","type":"private"},"date":1764401000,"text":"menu"}}`)
	if code := h.post(t, "s3cret", again, SecretHeader, "s3cret"); code != 200 {
		t.Fatal(code)
	}
	if blocked, _ := h.bot.Blocked(ctx, "111111111"); blocked {
		t.Fatal("chat still blocked after the user wrote again")
	}
	if calls := h.api.sent(); len(calls) < 2 {
		t.Fatal("no reply to the returning user")
	}
	if err := h.bot.Broadcast(ctx, "111111111", []flows.Reply{{Text: "notice"}}); err != nil {
		t.Fatalf("Broadcast after unblocking: %v", err)
	}
}

// TestServerErrorThenSuccess: a 500 and a dropped connection are retried
// with backoff; the user gets each message once, in order.
func TestServerErrorThenSuccess(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail scripted
	}{
		{"500", scripted{status: 500, body: `{"ok":false,"error_code":500,"description":"Internal Server Error"}`}},
		{"502 html", scripted{status: 502, body: `<html>Bad Gateway</html>`}},
		{"connection dropped", scripted{status: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.api.fail("sendMessage", tc.fail)
			h.feed(t, "message.json")
			calls := h.api.sent()
			if len(calls) != 3 {
				t.Fatalf("got %d calls, want 3 (failed, retried, menu): %+v", len(calls), calls)
			}
			if !reflect.DeepEqual(calls[0].Params, calls[1].Params) {
				t.Errorf("retry differs from the failed call")
			}
			if calls[2].Params["reply_markup"] == "" {
				t.Errorf("last message has no keyboard: %v", calls[2].Params)
			}
		})
	}
}

// TestGivesUpAfterAttempts: a call that keeps failing is tried SendAttempts
// times, then the rest of the turn is not sent (never out of order): the
// replies stay in the outbox and the webhook answers 503, so that
// Telegram's retry of the update delivers them, once.
func TestGivesUpAfterAttempts(t *testing.T) {
	h := newHarness(t, Options{SendAttempts: 3})
	for range 3 {
		h.api.fail("sendMessage", scripted{status: 500, body: `{"ok":false,"error_code":500,"description":"boom"}`})
	}
	if code := h.post(t, "s3cret", readUpdate(t, "message.json"), SecretHeader, "s3cret"); code != http.StatusServiceUnavailable {
		t.Fatalf("webhook answered %d, want 503", code)
	}
	if calls := h.api.sent(); len(calls) != 3 {
		t.Fatalf("got %d calls, want 3 attempts of the first message and nothing after", len(calls))
	}
	h.feed(t, "message.json") // Telegram's retry
	calls := h.api.sent()
	if len(calls) != 5 || calls[3].Params["text"] != calls[0].Params["text"] {
		t.Fatalf("after the retry: %d calls, want the 2 replies delivered: %+v", len(calls), calls)
	}
	h.feed(t, "message.json")
	if n := len(h.api.sent()); n != 5 {
		t.Fatalf("another retry sent %d more", n-5)
	}
}

// TestChatSpacing: with a burst of 1 and 300ms spacing, a chat's messages
// leave 300ms apart. The gap is measured where the fake API receives them,
// so the first message's time in transit on a busy machine shortens it;
// 200ms leaves room for that and still fails without the spacing.
func TestChatSpacing(t *testing.T) {
	h := newHarness(t, Options{ChatEvery: 300 * time.Millisecond, ChatBurst: 1})
	h.feed(t, "message.json")
	calls := h.api.sent()
	if len(calls) != 2 {
		t.Fatalf("got %d calls, want 2", len(calls))
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < 200*time.Millisecond {
		t.Errorf("messages to one chat %v apart, want about 300ms", gap)
	}
}

// TestPhotoFallsBackToText: a step image that Telegram cannot fetch does not
// swallow the step: its text is sent alone.
func TestPhotoFallsBackToText(t *testing.T) {
	h := newHarness(t, Options{})
	h.api.fail("sendPhoto", scripted{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: wrong file identifier/HTTP URL specified"}`})
	err := h.bot.deliver(context.Background(), 111111111, []flows.Reply{{Text: "Bước 1", Image: "https://vneid.gov.vn/a.png",
		Buttons: [][]flows.Button{{{Label: "Xong", Payload: "c:install:a:done"}}}}}, false, h.bot.log)
	if err != nil {
		t.Fatal(err)
	}
	calls := h.api.sent()
	if len(calls) != 2 || calls[0].Method != "sendPhoto" || calls[1].Method != "sendMessage" {
		t.Fatalf("calls = %+v, want sendPhoto then sendMessage", calls)
	}
	if calls[1].Params["text"] != "Bước 1" || calls[1].Params["reply_markup"] == "" {
		t.Errorf("fallback message = %v", calls[1].Params)
	}
}

// TestEngineErrorRetried: when the update cannot be handled (Redis is
// down), the spinner still stops and the pressed keyboard goes, nothing
// else is sent, and the webhook answers 503 so that Telegram sends the
// update again.
func TestEngineErrorRetried(t *testing.T) {
	h := newHarness(t, Options{})
	h.bot.o.Delivery = processFunc(func(context.Context, flows.Inbound) error { return errors.New("redis is down") })
	if code := h.post(t, "s3cret", readUpdate(t, "callback_query.json"), SecretHeader, "s3cret"); code != http.StatusServiceUnavailable {
		t.Fatalf("webhook answered %d, want 503", code)
	}
	calls := h.api.sent()
	if len(calls) != 2 || calls[0].Method != "answerCallbackQuery" || calls[1].Method != "editMessageReplyMarkup" {
		t.Fatalf("calls = %+v", calls)
	}
}

// TestEngineDelivers: the delivery core runs the engine and delivers
// through Send; Send drops (and marks) a blocked chat without an error,
// since sending again cannot help.
func TestEngineDelivers(t *testing.T) {
	h := newHarness(t, Options{})
	var processed []flows.Inbound
	h.bot.o.Delivery = processFunc(func(ctx context.Context, in flows.Inbound) error {
		processed = append(processed, in)
		return h.core.Process(ctx, in)
	})
	h.feed(t, "callback_query.json")
	if len(processed) != 1 || processed[0].Payload != "f:install" {
		t.Fatalf("processed %+v", processed)
	}
	calls := h.api.sent()
	if len(calls) < 3 || calls[0].Method != "answerCallbackQuery" || calls[len(calls)-1].Method != "sendMessage" {
		t.Fatalf("calls = %+v", calls)
	}

	h.api.fail("sendMessage", scripted{status: 403, body: `{"ok":false,"error_code":403,"description":"Forbidden: user is deactivated"}`})
	if err := h.bot.Send(context.Background(), "111111111", []flows.Reply{{Text: "x"}}); err != nil {
		t.Fatalf("Send to a blocked chat = %v, want nil", err)
	}
	if blocked, _ := h.bot.Blocked(context.Background(), "111111111"); !blocked {
		t.Fatal("chat not marked blocked")
	}
	h.api.fail("sendMessage", scripted{status: 400, body: `{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`})
	if err := h.bot.Send(context.Background(), "111111111", []flows.Reply{{Text: "x"}}); err == nil {
		t.Fatal("Send hid a failure")
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	c.Write(&m)
	return m.GetCounter().GetValue()
}

// TestGlobalRate: messages to many chats leave no faster than PerSecond
// (after the small initial burst).
func TestGlobalRate(t *testing.T) {
	h := newHarness(t, Options{PerSecond: 200}) // burst 33, then 5ms apart
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := h.bot.Send(context.Background(), strconv.Itoa(1000+i), []flows.Reply{{Text: "x"}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("100 messages at 200/s took %v, want at least (100-33)/200 s", d)
	}
	if n := h.api.count("sendMessage", ""); n != 100 {
		t.Fatalf("%d sent", n)
	}
}

// BenchmarkWebhookUpdate measures one private message through the whole
// adapter: webhook handler, claim, engine (Redis), rendering and two
// sendMessage calls to a fake Bot API over loopback.
func BenchmarkWebhookUpdate(b *testing.B) {
	h := newHarness(b, Options{ChatEvery: time.Nanosecond, PerSecond: 1e9})
	body := readUpdate(b, "message.json")
	b.ResetTimer()
	for i := range b.N {
		u := bytes.Replace(body, []byte(`"update_id":500000001`), []byte(fmt.Sprintf(`"update_id":%d`, 600000000+i)), 1)
		u = bytes.Replace(u, []byte(`"id":111111111,"first_name":"Lan","last_name":"Nguyễn","username":"lan_ng","type"`), []byte(fmt.Sprintf(`"id":%d,"type"`, 1+i%1000)), 1)
		if code := h.post(b, "s3cret", u, SecretHeader, "s3cret"); code != 200 {
			b.Fatal(code)
		}
	}
}

// secondReplica is another process of the same bot: same token, same Redis.
func (h *harness) secondReplica(t *testing.T, o Options) *Adapter {
	t.Helper()
	core := delivery.New(delivery.Options{Store: h.store, Engine: h.eng})
	o = fastOptions(o)
	o.APIURL, o.Delivery, o.Content, o.Store = h.api.url(), core, h.eng.Content, h.store
	b, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	core.Register(flows.Telegram, b)
	t.Cleanup(b.drain)
	if err := b.init(context.Background()); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFloodWaitShared: a 429 seen by one replica holds back the others too:
// the limit belongs to the token.
func TestFloodWaitShared(t *testing.T) {
	h := newHarness(t, Options{})
	other := h.secondReplica(t, Options{})
	h.api.reset()
	served := make(chan time.Time, 1)
	h.api.fail("sendMessage", scripted{status: 429, served: served,
		body: `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`})
	done := make(chan error)
	go func() { done <- h.bot.Send(context.Background(), "1", []flows.Reply{{Text: "a"}}) }()
	floodAt := <-served
	eventually(t, "the shared pause", func() bool {
		n, _ := h.store.Client().Exists(context.Background(), h.store.Key("tg", "7000000001", "pause")).Result()
		return n == 1
	})
	time.Sleep(pauseCheckEvery) // the other replica's cached view may be this old
	if err := other.Send(context.Background(), "2", []flows.Reply{{Text: "b"}}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for _, c := range h.api.sent()[1:] {
		// The shared pause is kept in Redis with millisecond precision.
		if c.At.Sub(floodAt) < time.Second-10*time.Millisecond {
			t.Errorf("%s to %s went out %v after the 429", c.Method, c.Params["chat_id"], c.At.Sub(floodAt))
		}
	}
}

// TestGlobalRateShared: two replicas share the overall budget.
func TestGlobalRateShared(t *testing.T) {
	h := newHarness(t, Options{PerSecond: 200})
	other := h.secondReplica(t, Options{PerSecond: 200})
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := h.bot
			if i%2 == 1 {
				b = other
			}
			if err := b.Send(context.Background(), strconv.Itoa(1000+i), []flows.Reply{{Text: "x"}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("100 messages from two replicas at 200/s in all took %v, want at least (100-33)/200 s", d)
	}
}
