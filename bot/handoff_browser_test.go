package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/web/browsertest"
)

// TestInboxAndWebChatInTheBrowser runs the web trip in headless
// Chromium at a phone's size, two tabs: a citizen on the web chat asks for
// an officer; the officer, signed in with their personal token, sees the
// ticket appear in /admin/inbox without a reload (server-sent events),
// claims it, has a reply asking for an OTP refused with the reason, sends a
// proper reply, which the citizen's page shows live, and closes it.
func TestInboxAndWebChatInTheBrowser(t *testing.T) {
	browsertest.Require(t)
	srv, a, _ := handoffBot(t, "ADMIN_TOKEN", adminToken)
	ctx := context.Background()
	if err := setupAdmin(ctx, a); err != nil {
		t.Fatal(err)
	}
	_, token, err := accounts.New(a.store, nil).Create(ctx, "Nguyễn Thị Lan", accounts.Officer, "Phường Bến Nghé")
	if err != nil {
		t.Fatal(err)
	}

	officer := browsertest.Phone(t, 90*time.Second)
	citizen, cancelCitizen := chromedp.NewContext(officer) // a second tab
	defer cancelCitizen()

	step := func(tab context.Context, name string, a chromedp.Action[bool]) {
		t.Helper()
		ok, err := chromedp.Run(tab, a)
		if err != nil || !ok {
			page, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %v (ok=%v); the page shows:\n%s", name, err, ok, page)
		}
	}
	// shows polls until the page shows text; errors while a page is
	// navigating (after a form post) are retried
	shows := func(text string) chromedp.Action[bool] {
		return func(ctx context.Context, tg *chromedp.Target) (bool, error) {
			check := chromedp.Evaluate[bool](`!!document.body && document.body.innerText.includes(` + jsQuote(text) + `)`)
			for {
				if ok, err := check(ctx, tg); err == nil && ok {
					return true, nil
				}
				select {
				case <-ctx.Done():
					return false, ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}
	}
	js := func(code string) chromedp.Action[bool] { return chromedp.Evaluate[bool](code) }

	// the officer signs in with their personal token and lands on the inbox
	if err := chromedp.Do(officer, chromedp.Navigate(srv.URL+accounts.SignInPath)); err != nil {
		t.Fatal(err)
	}
	step(officer, "sign in", js(`(() => { document.getElementById("token").value = `+jsQuote(token)+`; document.getElementById("signin").submit(); return true; })()`))
	step(officer, "the empty inbox", shows("Chưa có yêu cầu"))
	step(officer, "the officer's area", shows("Phường Bến Nghé"))

	// the citizen asks for an officer on the web chat
	if err := chromedp.Do(citizen, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatal(err)
	}
	say := func(text string) chromedp.Action[bool] {
		return js(`(() => { document.getElementById("t").value = ` + jsQuote(text) + `; document.getElementById("f").requestSubmit(); return true; })()`)
	}
	step(citizen, "the greeting", shows("Xin chào"))
	step(citizen, "ask for a person", say("gặp người thật"))
	step(citizen, "asked for the ward", shows("xã/phường nào"))
	step(citizen, "give the ward", say("Phường Bến Nghé"))
	step(citizen, "the promise", shows("trả lời ngay tại cuộc trò chuyện này"))
	step(citizen, "the problem", say("Hồ sơ của tôi ghi sai số điện thoại 0912345678"))

	// the ticket appears in the inbox without a reload, redacted
	step(officer, "the new ticket", shows("#1 · Phường Bến Nghé · web"))
	step(officer, "the citizen's message", shows("ghi sai số điện thoại"))
	if leaked, _ := chromedp.Run(officer, chromedp.Evaluate[bool](`document.body.innerText.includes("0912345678")`)); leaked {
		t.Fatal("the inbox shows the citizen's phone number")
	}
	step(officer, "claim", js(`(() => { const b = document.querySelector("#t-1 button.claim"); if (b) b.click(); return !!b; })()`))
	step(officer, "claimed", shows("Đã nhận"))
	reply := func(text string) chromedp.Action[bool] {
		return js(`(() => { const c = document.getElementById("t-1"); if (!c) return false; c.querySelector("textarea").value = ` + jsQuote(text) + `; c.querySelector("button.send").click(); return true; })()`)
	}
	step(officer, "a reply asking for the OTP", reply("Bạn đọc cho tôi mã OTP vừa nhận nhé"))
	step(officer, "refused with the reason", shows("officers never ask for an OTP"))
	step(officer, "a proper reply", reply("Chào bạn, bạn mang CCCD ra Công an phường để cập nhật số điện thoại nhé."))
	step(officer, "answered", shows("Đã trả lời"))

	// the citizen's page shows it live
	step(citizen, "the officer's reply, live", shows("Cán bộ Nguyễn Thị Lan: Chào bạn, bạn mang CCCD ra Công an phường"))
	if asked, _ := chromedp.Run(citizen, chromedp.Evaluate[bool](`document.body.innerText.includes("mã OTP vừa nhận")`)); asked {
		t.Fatal("the refused reply reached the citizen")
	}
	step(officer, "close", js(`(() => { const b = document.querySelector("#t-1 button.close"); if (b) b.click(); return !!b; })()`))
	step(citizen, "back with the assistant", shows("Cán bộ đã kết thúc cuộc trò chuyện"))
}

// jsQuote quotes s as a JavaScript string literal.
func jsQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
