package loadtest

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FakeTelegram is a stand-in for the Bot API, for load tests of the webhook
// without reaching Telegram: run the bot with
// TELEGRAM_API_URL=http://127.0.0.1:PORT/bot%s/%s and it answers getMe,
// setWebhook and every other method with success, and remembers the last
// inline keyboard sent to each chat so that simulated citizens can press
// its buttons. It is safe for concurrent use.
type FakeTelegram struct {
	mu        sync.Mutex
	keyboards map[int64]Keyboard
	nextMsg   atomic.Int64
	calls     sync.Map // method → *atomic.Int64
}

// Keyboard is the last inline keyboard a chat was sent.
type Keyboard struct {
	MessageID int
	Payloads  []string // callback_data of its buttons, in order
}

// NewFakeTelegram returns an empty fake Bot API.
func NewFakeTelegram() *FakeTelegram {
	return &FakeTelegram{keyboards: map[int64]Keyboard{}}
}

// Keyboard returns the last keyboard sent to chat.
func (f *FakeTelegram) Keyboard(chat int64) (Keyboard, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keyboards[chat]
	return k, ok
}

// Calls returns how often method was called.
func (f *FakeTelegram) Calls(method string) int64 {
	if n, ok := f.calls.Load(method); ok {
		return n.(*atomic.Int64).Load()
	}
	return 0
}

// ServeHTTP answers POST /bot<token>/<method>.
func (f *FakeTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 2 || !strings.HasPrefix(parts[0], "bot") {
		writeTG(w, http.StatusNotFound, `{"ok":false,"error_code":404,"description":"Not Found"}`)
		return
	}
	method := parts[1]
	n, _ := f.calls.LoadOrStore(method, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		writeTG(w, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"Bad Request: cannot parse"}`)
		return
	}
	switch method {
	case "getMe":
		writeTG(w, http.StatusOK, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"VNeID load","username":"vneid_load_bot"}}`)
	case "sendMessage", "sendPhoto":
		chat, _ := strconv.ParseInt(r.PostForm.Get("chat_id"), 10, 64)
		id := int(f.nextMsg.Add(1))
		if markup := r.PostForm.Get("reply_markup"); markup != "" {
			f.record(chat, id, markup)
		}
		writeTG(w, http.StatusOK, `{"ok":true,"result":{"message_id":`+strconv.Itoa(id)+
			`,"date":`+strconv.FormatInt(time.Now().Unix(), 10)+
			`,"chat":{"id":`+strconv.FormatInt(chat, 10)+`,"type":"private"}}}`)
	default:
		// setWebhook, setMyCommands, answerCallbackQuery, editMessageReplyMarkup, …
		writeTG(w, http.StatusOK, `{"ok":true,"result":true}`)
	}
}

func (f *FakeTelegram) record(chat int64, msg int, markup string) {
	var m struct {
		InlineKeyboard [][]struct {
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(markup), &m) != nil {
		return
	}
	k := Keyboard{MessageID: msg}
	for _, row := range m.InlineKeyboard {
		for _, b := range row {
			if b.CallbackData != "" {
				k.Payloads = append(k.Payloads, b.CallbackData)
			}
		}
	}
	if len(k.Payloads) == 0 {
		return
	}
	f.mu.Lock()
	f.keyboards[chat] = k
	f.mu.Unlock()
}

func writeTG(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}
