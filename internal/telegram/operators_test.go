package telegram

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/delivery"
	"github.com/vneid-guide/vneidbot/internal/handoff"
)

// operatorsChat is the operators group of the recorded payloads.
const operatorsChat = -1009876543210

// groupOf adapts the bot to the handoff's Group.
type groupOf struct{ b *Adapter }

func (g groupOf) Post(ctx context.Context, text string, replyTo int64) (int64, error) {
	return g.b.Post(ctx, operatorsChat, text, replyTo)
}

// TestHandoffThroughTheOperatorsGroup is the Telegram trip against
// the fake Bot API, with payloads written in Telegram's update format
// (testdata/handoff: a private message, a button press, an officer's reply
// in a supergroup); it is not run against the npm emulator of
// .ci/telegram-e2e.sh. A citizen asks for an
// officer → the ticket is posted to the group → an officer's reply to the
// post reaches the citizen; a reply asking for an OTP is refused in the
// group with the reason; /dong closes the ticket.
func TestHandoffThroughTheOperatorsGroup(t *testing.T) {
	url, _ := testRedis(t)
	h := &harness{api: newFakeAPI(t), store: openStore(t, url, uniquePrefix(t))}
	cat := testCatalog(t)
	svc := handoff.New(handoff.Options{Store: h.store, Content: func() *content.Catalog { return cat }, Hours: handoff.Hours{From: 0, To: 24, Days: []time.Weekday{0, 1, 2, 3, 4, 5, 6}, Loc: handoff.Vietnam}})
	eng, err := flows.New(cat, h.store, flows.Options{Handoff: svc})
	if err != nil {
		t.Fatal(err)
	}
	h.eng, h.core = eng, delivery.New(delivery.Options{Store: h.store, Engine: eng})
	o := fastOptions(Options{})
	o.APIURL, o.Delivery, o.Content, o.Store = h.api.url(), h.core, eng.Content, h.store
	if h.bot, err = New(o); err != nil {
		t.Fatal(err)
	}
	h.core.Register(flows.Telegram, h.bot)
	t.Cleanup(h.bot.drain)
	if err := h.bot.init(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.api.reset()
	svc.RegisterSender("tg", h.bot)
	svc.SetGroup(groupOf{h.bot})
	h.bot.SetOperators(operatorsChat, func(ctx context.Context, m OperatorMessage) string {
		return svc.FromGroup(ctx, handoff.GroupMessage{ReplyTo: m.ReplyTo, Text: m.Text, UserID: m.UserID, UserName: m.UserName})
	})

	update := 600000000
	send := func(file, text string, post int64) {
		t.Helper()
		update++
		b, err := os.ReadFile("testdata/handoff/" + file)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := json.Marshal(text)
		body := strings.NewReplacer("__UPDATE__", strconv.Itoa(update), "__MSG__", strconv.Itoa(update-600000000+9000),
			"__POST__", strconv.FormatInt(post, 10), "__TEXT__", string(q)).Replace(string(b))
		h.feed2(t, []byte(body))
	}
	// textsTo returns the texts sent to chat, in order.
	textsTo := func(chat string) (texts []string) {
		for _, c := range h.api.sent() {
			if (c.Method == "sendMessage" || c.Method == "sendPhoto") && c.Params["chat_id"] == chat {
				texts = append(texts, c.Params["text"])
			}
		}
		return texts
	}
	has := func(texts []string, s string) bool {
		for _, x := range texts {
			if strings.Contains(x, s) {
				return true
			}
		}
		return false
	}
	group, citizen := strconv.Itoa(operatorsChat), "333333333"

	send("private_button.json", "handoff", 0)
	send("private_text.json", "Phường Bến Nghé", 0)
	send("private_text.json", "Tài khoản tôi bị khóa, sđt 0912345678", 0)
	var post int64
	eventually(t, "the ticket's post in the operators group", func() bool {
		texts := textsTo(group)
		return has(texts, "#1 · Phường Bến Nghé · kênh tg")
	})
	eventually(t, "the citizen's message under the post", func() bool {
		texts := textsTo(group)
		return has(texts, "bị khóa")
	})
	if texts := textsTo(group); has(texts, "0912345678") {
		t.Fatalf("the group got the phone number: %q", texts)
	}

	// the id Telegram gave the post (the fake numbers from where it likes)
	tk, err := svc.Tickets().Get(context.Background(), "1")
	if err != nil || tk.TGPost == 0 {
		t.Fatalf("ticket 1: %+v, %v", tk, err)
	}
	post = tk.TGPost
	send("operators_reply.json", "Bạn gửi mã OTP cho tôi để mở khóa", post)
	eventually(t, "the refusal in the group", func() bool {
		texts := textsTo(group)
		return has(texts, "KHÔNG gửi") && has(texts, "OTP")
	})
	if texts := textsTo(citizen); has(texts, "mã OTP cho tôi") {
		t.Fatal("the refused reply reached the citizen")
	}

	send("operators_reply.json", "Bạn mang CCCD ra Công an phường để mở khóa nhé.", post)
	eventually(t, "the reply at the citizen's", func() bool {
		texts := textsTo(citizen)
		return has(texts, "Cán bộ Lan Nguyễn: Bạn mang CCCD ra Công an phường")
	})

	send("operators_reply.json", "/dong", post)
	eventually(t, "the citizen told the ticket closed", func() bool {
		texts := textsTo(citizen)
		return has(texts, "Cán bộ đã kết thúc")
	})
	if _, err := svc.Tickets().OpenFor(context.Background(), "tg:"+citizen); err == nil {
		t.Fatal("the ticket is still open after /dong")
	}
}

// feed2 posts an update to the webhook handler and expects 200.
func (h *harness) feed2(t testing.TB, body []byte) {
	t.Helper()
	if code := h.post(t, "s3cret", body, SecretHeader, "s3cret"); code != 200 {
		t.Fatalf("webhook answered %d to %s", code, body)
	}
}
