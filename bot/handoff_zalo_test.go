package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/vneid-guide/vneidbot/internal/handoff"
)

// TestHandoffEndToEndZaloOA is the Zalo OA trip against the fake
// Zalo platform (the same recorded-payload fake as TestZaloChannelsEndToEnd):
// a citizen presses "Gặp cán bộ hỗ trợ" (#handoff) and gives their ward in
// signed user_send_text events → the ticket is in "handoff list --json" →
// "handoff reply" sends the officer's words through /v3.0/oa/message/cs.
func TestHandoffEndToEndZaloOA(t *testing.T) {
	fake, srv := newZaloFakes(t)
	m := miniredis.RunT(t)
	addr, maddr := freeAddr(t), freeAddr(t)
	const appID, oaKey, user = "2553928453557884079", "oa-secret-key", "6142494823190574713"
	getenv := env(
		"REDIS_URL", "redis://"+m.Addr()+"/0", "HANDOFF_HOURS", "0-24 mon-sun",
		"VNEIDBOT_ADDR", addr, "METRICS_ADDR", maddr,
		"ZALO_APP_ID", appID, "ZALO_APP_SECRET", "app-secret", "ZALO_OA_SECRET_KEY", oaKey,
		"ZALO_OA_ACCESS_TOKEN", "seed-access", "ZALO_OA_REFRESH_TOKEN", "seed-refresh",
		"ZALO_API_URL", srv.URL, "ZALO_OAUTH_URL", srv.URL,
		"ZALO_BOT_TOKEN", "bot-token", "ZALO_BOT_API_URL", srv.URL, "ZALO_BOT_WEBHOOK_SECRET", "bot-webhook-secret",
	)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- run(ctx, []string{"serve"}, nil, io.Discard, io.Discard, getenv) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(12 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	base := "http://" + addr
	for i := 0; i < 200; i++ {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	n := 0
	say := func(text string) {
		t.Helper()
		n++
		now := fmt.Sprint(time.Now().UnixMilli())
		body := fmt.Sprintf(`{"app_id":%q,"user_id_by_app":"1","event_name":"user_send_text","timestamp":%q,"sender":{"id":%q},"recipient":{"id":"99"},"message":{"text":%q,"msg_id":"msg-%d"}}`,
			appID, now, user, text, n)
		sum := sha256.Sum256([]byte(appID + body + now + oaKey))
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook/zalo", strings.NewReader(body))
		req.Header.Set("X-ZEvent-Signature", "mac="+hex.EncodeToString(sum[:]))
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %v %v", err, res)
		}
		res.Body.Close()
	}
	say("Chào")
	fake.waitFor(t, `"user_id":"`+user+`"`)
	say("#handoff")
	fake.waitFor(t, "xã/phường nào")
	say("Xã Tân Lập")
	fake.waitFor(t, "Đã chuyển yêu cầu của bạn cho cán bộ phụ trách Xã Tân Lập")
	say("Tài khoản tôi bị khóa")
	fake.waitFor(t, "Đã chuyển tin nhắn cho cán bộ")

	var out, errOut bytes.Buffer
	var list []handoff.Ticket
	for i := 0; i < 50; i++ { // the OA's events are handled from a Redis stream: wait for the last one
		out.Reset()
		if code := run(ctx, []string{"handoff", "list", "--json"}, nil, &out, &errOut, getenv); code != 0 {
			t.Fatalf("handoff list: exit %d: %s", code, errOut.String())
		}
		json.Unmarshal(out.Bytes(), &list)
		if len(list) == 1 && len(list[0].Messages) == 1 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(list) != 1 || list[0].Channel != "zalo" || list[0].Area != "Xã Tân Lập" || len(list[0].Messages) != 1 {
		t.Fatalf("tickets: %s", out.String())
	}
	if code := run(ctx, []string{"handoff", "reply", list[0].ID, "Cho tôi xin mật khẩu VNeID của bạn"}, nil, &out, &errOut, getenv); code == 0 {
		t.Fatal("a reply asking for the password was sent")
	}
	if code := run(ctx, []string{"handoff", "reply", list[0].ID, "Bạn mang CCCD ra Công an xã Tân Lập để mở khóa nhé."}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("handoff reply: exit %d: %s", code, errOut.String())
	}
	got := fake.waitFor(t, "Công an xã Tân Lập để mở khóa")
	if !strings.HasPrefix(got, "/v3.0/oa/message/cs ") || !strings.Contains(got, `"user_id":"`+user+`"`) {
		t.Fatalf("OA request: %s", got)
	}
	for _, s := range fake.all() {
		if strings.Contains(s, "mật khẩu VNeID của bạn") {
			t.Fatalf("the refused reply was sent: %s", s)
		}
	}

	// the Zalo Bot Platform: typed request, typed ward, the reply as text
	bot := func(msgID, text string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+"/webhook/zalobot", strings.NewReader(fmt.Sprintf(
			`{"ok":true,"result":{"event_name":"message.text.received","message":{"from":{"id":"u9","is_bot":false},"chat":{"id":"c9","chat_type":"PRIVATE"},"text":%q,"message_id":%q,"date":%d}}}`,
			text, msgID, time.Now().UnixMilli())))
		req.Header.Set("X-Bot-Api-Secret-Token", "bot-webhook-secret")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("zalobot webhook: %v %v", err, res)
		}
		res.Body.Close()
	}
	bot("b1", "cho tôi nói chuyện với cán bộ")
	fake.waitFor(t, `"chat_id":"c9","text":"Để chuyển đúng cán bộ`) // this chat's question, not the OA chat's above
	bot("b2", "Xã Tân Lập")
	fake.waitFor(t, `"chat_id":"c9","text":"Đã chuyển yêu cầu`)
	out.Reset()
	if code := run(ctx, []string{"handoff", "list", "--json"}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("handoff list: exit %d: %s", code, errOut.String())
	}
	json.Unmarshal(out.Bytes(), &list)
	id := ""
	for _, tk := range list {
		if tk.Channel == "zalobot" {
			id = tk.ID
		}
	}
	if id == "" {
		t.Fatalf("no Zalo Bot ticket: %s", out.String())
	}
	if code := run(ctx, []string{"handoff", "reply", id, "Chào bạn, tôi là cán bộ xã Tân Lập."}, nil, &out, &errOut, getenv); code != 0 {
		t.Fatalf("handoff reply (Zalo Bot): exit %d: %s", code, errOut.String())
	}
	if got := fake.waitFor(t, "tôi là cán bộ xã Tân Lập"); !strings.HasPrefix(got, "/botbot-token/sendMessage") {
		t.Fatalf("Zalo Bot request: %s", got)
	}
}
