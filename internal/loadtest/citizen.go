package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ChatCookie is the cookie by which the web chat names a conversation
// (internal/web.CookieName; not imported, so that the load tool does not
// build the bot).
const ChatCookie = "vneid_chat"

// Questions are what simulated citizens type, the way people type them:
// no accents, teen-code, short. One holds a (made-up) OTP, so that the
// sensitive-input rule is on the path too.
var Questions = []string{
	"ko nhan dc otp",
	"quen mat khau",
	"dang ky muc 2 o dau",
	"quen passcode",
	"lam sao kich hoat tai khoan",
	"khong quet duoc chip",
	"doi so dien thoai moi",
	"xac thuc khuon mat khong duoc",
	"tai vneid o dau",
	"tài khoản bị khóa thì làm sao",
	"muc 2 can giay to gi",
	"ma otp cua toi la 482913",
}

// citizen is one simulated person: who they are, what they were last shown,
// and how long they stay.
type citizen struct {
	rng      *rand.Rand
	user     string // web chat user id
	chat     int64  // Telegram chat (and user) id
	steps    int    // updates sent so far
	leave    int    // updates after which this citizen is done
	msgSeq   int
	payloads []string // payload buttons of the last answer
	numbered int      // highest button number of the last answer
	shownMsg int      // Telegram message id that carried the keyboard
	// cookie is the web chat's conversation cookie ("name=value"), as the
	// server set it: each citizen is its own cookie jar, as a browser is.
	cookie string
}

func (r *runner) newCitizen(slot int) *citizen {
	n := r.identities.Add(1)
	rng := rand.New(rand.NewPCG(r.o.Seed, uint64(n)))
	return &citizen{
		rng:   rng,
		user:  fmt.Sprintf("lt%s-%d", r.runID, n),
		chat:  800_000_000_000 + int64(r.o.Seed%100_000)*1_000_000 + n,
		leave: 5 + rng.IntN(15), // under the bot's 20-messages-in-10s limit
	}
}

func (c *citizen) done() bool { return c.steps >= c.leave }

// move is what a citizen does next: exactly one of start, button or text.
type move struct {
	start  bool
	button string
	text   string
}

// next picks the citizen's next move from what it was last shown: mostly it
// presses a button (often the first, as people do), sometimes it types the
// button's number, sometimes it asks a question, now and then it types
// "menu".
func (c *citizen) next() move {
	defer func() { c.steps++ }()
	if c.steps == 0 {
		return move{start: true}
	}
	r := c.rng.IntN(100)
	switch {
	case len(c.payloads) > 0 && r < 55:
		if c.rng.IntN(3) < 2 {
			return move{button: c.payloads[0]}
		}
		return move{button: c.payloads[c.rng.IntN(len(c.payloads))]}
	case c.numbered > 0 && r < 70:
		return move{text: strconv.Itoa(1 + c.rng.IntN(c.numbered))}
	case r < 94:
		return move{text: Questions[c.rng.IntN(len(Questions))]}
	}
	return move{text: "menu"}
}

// WebRequest is the body of POST /api/chat (internal/web.Request, the
// fields the load tool sends): what the generator sends and the baseline
// server decodes.
type WebRequest struct {
	User   string  `json:"user"`
	ID     string  `json:"id"`
	Text   *string `json:"text,omitempty"`
	Button *string `json:"button,omitempty"`
	Start  *string `json:"start,omitempty"`
}

// scanReplies reads what a citizen needs from a web chat answer (the
// payloads of its buttons, the highest button number and how many replies
// it holds) by scanning the bytes instead of decoding them: the load
// generator shares the machine with the bot, and every microsecond it spends
// is one the bot does not get. ok is false when the answer is not the
// {"replies":[…]} object the bot sends. Payloads are plain ASCII
// (content.MaxPayload), so they carry no escapes.
func scanReplies(data []byte, payloads []string) (_ []string, numbered, replies int, ok bool) {
	data = bytes.TrimSpace(data)
	if !bytes.HasPrefix(data, []byte(`{"replies":[`)) || !bytes.HasSuffix(data, []byte("}")) {
		return payloads, 0, 0, false
	}
	replies = bytes.Count(data, []byte(`"text":`))
	for rest := data; ; {
		i := bytes.Index(rest, []byte(`"payload":"`))
		if i < 0 {
			break
		}
		rest = rest[i+len(`"payload":"`):]
		j := bytes.IndexByte(rest, '"')
		if j < 0 {
			return payloads, 0, 0, false
		}
		payloads = append(payloads, string(rest[:j]))
		rest = rest[j:]
	}
	for rest := data; ; {
		i := bytes.Index(rest, []byte(`"number":`))
		if i < 0 {
			break
		}
		rest = rest[i+len(`"number":`):]
		n := 0
		for len(rest) > 0 && rest[0] >= '0' && rest[0] <= '9' {
			n = n*10 + int(rest[0]-'0')
			rest = rest[1:]
		}
		numbered = max(numbered, n)
	}
	return payloads, numbered, replies, true
}

// post sends v as JSON to the bot, with the given header pairs (name,
// value, ...).
func (r *runner) post(ctx context.Context, v any, header ...string) (*http.Response, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return r.client.Do(req)
}

func (r *runner) webStep(ctx context.Context, c *citizen) error {
	m := c.next()
	c.msgSeq++
	req := WebRequest{User: c.user, ID: "m" + strconv.Itoa(c.msgSeq)}
	switch {
	case m.start:
		empty := ""
		req.Start = &empty
	case m.button != "":
		req.Button = &m.button
	default:
		req.Text = &m.text
	}
	var header []string
	if c.cookie != "" {
		header = []string{"Cookie", c.cookie}
	}
	resp, err := r.post(ctx, req, header...)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	// keep the conversation cookie the server issued (a jar of one
	// cookie, without the cost of net/http/cookiejar on the generator)
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if v, _, _ := strings.Cut(sc, ";"); strings.HasPrefix(v, ChatCookie+"=") {
			c.cookie = v
		}
	}
	if resp.StatusCode != http.StatusOK {
		return responseError(resp)
	}
	payloads, numbered, n, ok := scanReplies(data, c.payloads[:0])
	if !ok {
		return errBadAnswer
	}
	if n == 0 {
		// a duplicate, or a chat the rate limit silenced: a valid answer
		r.silent.Add(1)
	}
	c.payloads, c.numbered = payloads, numbered
	return nil
}

// Telegram update JSON, as much of it as the bot reads.
type tgUser struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LanguageCode string `json:"language_code"`
}

type tgChat struct {
	ID   int64  `json:"id"`
	Type string `json:"type"`
}

type tgMessage struct {
	MessageID int    `json:"message_id"`
	From      tgUser `json:"from"`
	Chat      tgChat `json:"chat"`
	Date      int64  `json:"date"`
	Text      string `json:"text,omitempty"`
	Entities  []any  `json:"entities,omitempty"`
}

type tgCallback struct {
	ID           string    `json:"id"`
	From         tgUser    `json:"from"`
	Message      tgMessage `json:"message"`
	ChatInstance string    `json:"chat_instance"`
	Data         string    `json:"data"`
}

type tgUpdate struct {
	UpdateID      int64       `json:"update_id"`
	Message       *tgMessage  `json:"message,omitempty"`
	CallbackQuery *tgCallback `json:"callback_query,omitempty"`
}

// telegramUpdate builds the update for the citizen's next move.
func (r *runner) telegramUpdate(c *citizen) tgUpdate {
	m := c.next()
	c.msgSeq++
	from := tgUser{ID: c.chat, FirstName: "Công dân", LanguageCode: "vi"}
	chat := tgChat{ID: c.chat, Type: "private"}
	u := tgUpdate{UpdateID: r.updateID.Add(1)}
	now := time.Now().Unix()
	switch {
	case m.button != "":
		u.CallbackQuery = &tgCallback{
			ID:           strconv.FormatInt(u.UpdateID, 10),
			From:         from,
			Message:      tgMessage{MessageID: c.shownMsg, From: tgUser{ID: 1, IsBot: true, FirstName: "bot"}, Chat: chat, Date: now, Text: "…"},
			ChatInstance: strconv.FormatInt(c.chat, 10),
			Data:         m.button,
		}
	case m.start:
		u.Message = &tgMessage{MessageID: c.msgSeq, From: from, Chat: chat, Date: now, Text: "/start",
			Entities: []any{map[string]any{"type": "bot_command", "offset": 0, "length": 6}}}
	default:
		u.Message = &tgMessage{MessageID: c.msgSeq, From: from, Chat: chat, Date: now, Text: m.text}
	}
	return u
}

func (r *runner) telegramStep(ctx context.Context, c *citizen) error {
	resp, err := r.post(ctx, r.telegramUpdate(c), "X-Telegram-Bot-Api-Secret-Token", r.o.Secret)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return responseError(resp)
	}
	// the bot sends its replies before it answers the webhook, so what it
	// sent this chat is recorded by now
	if r.o.Telegram != nil {
		if k, ok := r.o.Telegram.Keyboard(c.chat); ok {
			c.payloads = append(c.payloads[:0], k.Payloads...)
			c.numbered = len(k.Payloads)
			c.shownMsg = k.MessageID
		}
	}
	return nil
}
