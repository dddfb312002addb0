package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
)

// TestEmulatorEndToEnd runs a Telegram conversation against the npm Bot API
// emulator telegram-test-api: a simulated user sends "/start v_test", gets
// the greeting and the menu's inline keyboard, presses the install button
// (payload "f:install"), sees the pressed keyboard removed, and gets the
// install flow's first step with its own keyboard.
//
// .ci/telegram-e2e.sh installs and starts the emulator and sets
// TELEGRAM_E2E_EMULATOR (its base URL). With TELEGRAM_E2E_BOT (the path of a
// built vneidbot) the test runs that binary in long-polling mode, as
// production does, and checks that SIGTERM stops it cleanly within 10 s;
// without it, the adapter runs in this process.
func TestEmulatorEndToEnd(t *testing.T) {
	emu := strings.TrimRight(os.Getenv("TELEGRAM_E2E_EMULATOR"), "/")
	if emu == "" {
		t.Skip("TELEGRAM_E2E_EMULATOR is not set; .ci/telegram-e2e.sh runs this test against the emulator")
	}
	// a fresh bot and user each run, so the emulator's and Redis's leftovers do not matter
	botID := 100000000 + rand.IntN(899999999)
	token := fmt.Sprintf("%d:e2e-%s", botID, randomHex(4))
	user := 1000 + rand.Int64N(1<<40)
	apiURL := emu + "/bot%s/%s"

	if bin := os.Getenv("TELEGRAM_E2E_BOT"); bin != "" {
		stop := runBinary(t, bin, token, apiURL)
		defer stop()
	} else {
		runInProcess(t, token, apiURL)
	}

	c := &emuClient{t: t, base: emu, token: token, user: user}
	c.post("/sendCommand", map[string]any{
		"botToken": token, "date": time.Now().Unix(),
		"from":     map[string]any{"id": user, "is_bot": false, "first_name": "E2E", "language_code": "vi"},
		"chat":     map[string]any{"id": user, "first_name": "E2E", "type": "private"},
		"text":     "/start v_test",
		"entities": []map[string]any{{"offset": 0, "length": 6, "type": "bot_command"}},
	})
	msgs := c.until("the menu with the install button", func(m emuMessage) bool { return m.has("f:install") })
	if msgs[0].Message.Text == "" {
		t.Fatalf("first reply has no text: %+v", msgs[0])
	}
	t.Logf("greeting: %.60q…", msgs[0].Message.Text)
	menu := msgs[len(msgs)-1]
	if menu.Message.ParseMode != "HTML" {
		t.Errorf("parse_mode = %q, want HTML", menu.Message.ParseMode)
	}

	c.post("/sendCallback", map[string]any{
		"botToken": token, "date": time.Now().Unix(), "data": "f:install",
		"from": map[string]any{"id": user, "is_bot": false, "first_name": "E2E", "language_code": "vi"},
		"message": map[string]any{"message_id": menu.MessageID, "date": time.Now().Unix(), "text": menu.Message.Text,
			"chat":         map[string]any{"id": user, "first_name": "E2E", "type": "private"},
			"reply_markup": menu.Message.ReplyMarkup},
	})
	steps := c.until("the install flow's first step", func(m emuMessage) bool { return m.hasPrefix("c:install:") })
	step := steps[len(steps)-1]
	if step.Message.Text == "" {
		t.Fatalf("step has no text: %+v", step)
	}
	t.Logf("first step: %.60q…", step.Message.Text)

	// the pressed keyboard lost its buttons (editMessageReplyMarkup)
	c.eventually("the menu's keyboard removed", func() bool {
		for _, h := range c.history() {
			if h.MessageID == menu.MessageID {
				return !h.has("f:install")
			}
		}
		return false
	})
}

// runBinary starts vneidbot in polling mode and returns a function that
// stops it with SIGTERM and checks that it exits cleanly within 10 s.
func runBinary(t *testing.T, bin, token, apiURL string) func() {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"TELEGRAM_BOT_TOKEN="+token,
		"TELEGRAM_API_URL="+apiURL,
		"TELEGRAM_WEBHOOK_URL=",
		"VNEIDBOT_ADDR=127.0.0.1:0",
		"LOG_LEVEL=debug",
	)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("vneidbot output:\n%s", out.String())
		}
	})
	return func() {
		stopped = true
		start := time.Now()
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("vneidbot exited with %v after SIGTERM", err)
			}
			t.Logf("vneidbot stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
		case <-time.After(12 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("vneidbot did not stop within 10 s of SIGTERM")
		}
	}
}

// runInProcess runs the adapter with the real engine: the built-in content
// when it is valid, else the test catalog (both have the install flow).
func runInProcess(t *testing.T, token, apiURL string) {
	t.Helper()
	cat := contenttest.Builtin(t)
	url, _ := testRedis(t)
	st := openStore(t, url, uniquePrefix(t))
	eng, err := flows.New(cat, st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	core := delivery.New(delivery.Options{Store: st, Engine: eng})
	b, err := New(Options{Token: token, APIURL: apiURL, Delivery: core, Content: eng.Content, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	core.Register(flows.Telegram, b)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.RunPolling(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// emuClient plays the user through the emulator's client API.
type emuClient struct {
	t     *testing.T
	base  string
	token string
	user  int64
	seen  []emuMessage
}

// emuMessage is a bot message as the emulator stores it.
type emuMessage struct {
	MessageID int `json:"messageId"`
	Message   struct {
		ChatID      json.Number `json:"chat_id"`
		Text        string      `json:"text"`
		ParseMode   string      `json:"parse_mode"`
		ReplyMarkup *struct {
			InlineKeyboard [][]struct {
				Text         string `json:"text"`
				CallbackData string `json:"callback_data"`
				URL          string `json:"url"`
			} `json:"inline_keyboard"`
		} `json:"reply_markup"`
	} `json:"message"`
}

func (m emuMessage) buttons() (data []string) {
	if m.Message.ReplyMarkup == nil {
		return nil
	}
	for _, row := range m.Message.ReplyMarkup.InlineKeyboard {
		for _, b := range row {
			data = append(data, b.CallbackData)
		}
	}
	return data
}

func (m emuMessage) has(data string) bool {
	for _, d := range m.buttons() {
		if d == data {
			return true
		}
	}
	return false
}

func (m emuMessage) hasPrefix(prefix string) bool {
	for _, d := range m.buttons() {
		if strings.HasPrefix(d, prefix) {
			return true
		}
	}
	return false
}

func (c *emuClient) post(path string, body any) []byte {
	c.t.Helper()
	js, _ := json.Marshal(body)
	resp, err := http.Post(c.base+path, "application/json", bytes.NewReader(js))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != 200 {
		c.t.Fatalf("%s: %d %s", path, resp.StatusCode, buf.String())
	}
	return buf.Bytes()
}

// until collects the bot's new messages to the user until one satisfies
// cond (within 20 s) and returns them.
func (c *emuClient) until(what string, cond func(emuMessage) bool) []emuMessage {
	c.t.Helper()
	var got []emuMessage
	c.eventually(what, func() bool {
		var r struct {
			Result []emuMessage `json:"result"`
		}
		json.Unmarshal(c.post("/getUpdates", map[string]any{"token": c.token, "chatId": c.user}), &r)
		for _, m := range r.Result {
			got = append(got, m)
			if cond(m) {
				return true
			}
		}
		return false
	})
	return got
}

// history is every message the bot sent, with edits applied.
func (c *emuClient) history() []emuMessage {
	var r struct {
		Result []emuMessage `json:"result"`
	}
	json.Unmarshal(c.post("/getUpdatesHistory", map[string]any{"token": c.token}), &r)
	return r.Result
}

func (c *emuClient) eventually(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the writes of a child process's two streams.
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
