package web_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/web"
	"github.com/vneid-guide/vneidbot/internal/web/browsertest"
)

// TestPhoneWalksTheInstallFlow opens the web chat in headless Chromium at a
// phone's size and walks the install flow as a citizen would: the greeting
// and menu appear, "Cài ứng dụng VNeID" and "Android" are pressed, and "xong"
// is typed. .ci/run installs Debian's chromium; elsewhere the test is
// skipped with the reason.
func TestPhoneWalksTheInstallFlow(t *testing.T) {
	browsertest.Require(t)
	cat := contenttest.Builtin(t)
	eng, err := flows.New(cat, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}), flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := web.NewHandler(eng, func() *content.Catalog { return cat }, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", h.Page())
	mux.Handle("POST /api/chat", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // after the browser (closed first) has let go

	ctx := browsertest.Phone(t, 90*time.Second)

	// waitFor waits until the page shows text; press clicks the newest
	// enabled button whose label contains label; say types into the box.
	waitFor := func(text string) chromedp.Action[bool] {
		return chromedp.Poll[bool](`document.getElementById("log").innerText.includes(` + jsString(text) + `)`)
	}
	press := func(label string) chromedp.Action[bool] {
		return chromedp.Evaluate[bool](`(() => {
			const b = [...document.querySelectorAll("button.choice:not([disabled])")].reverse()
				.find(b => b.textContent.includes(` + jsString(label) + `));
			if (b) { b.click(); }
			return !!b;
		})()`)
	}
	say := func(text string) chromedp.Action[bool] {
		return chromedp.Evaluate[bool](`(() => {
			document.getElementById("t").value = ` + jsString(text) + `;
			document.getElementById("f").requestSubmit();
			return true;
		})()`)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	steps := []struct {
		name   string
		action chromedp.Action[bool]
	}{
		{"the greeting", waitFor("Xin chào")},
		{"the menu", waitFor("Cài ứng dụng VNeID")},
		{"press Cài ứng dụng", press("Cài ứng dụng VNeID")},
		{"the install flow", waitFor("Điện thoại của bạn là loại nào")},
		{"press Android", press("Android")},
		{"the Play Store step", waitFor("Trung tâm dữ liệu quốc gia về dân cư")},
		{"type xong", say("xong")},
		{"the last step", waitFor("Tốt lắm!")},
	}
	for _, s := range steps {
		ok, err := chromedp.Run(ctx, s.action)
		if err != nil || !ok {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("log").innerText`))
			t.Fatalf("%s: %v (ok=%v); the page shows:\n%s", s.name, err, ok, page)
		}
	}
	// Buttons of past steps are disabled, so a stale press cannot happen here.
	stale, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("button.choice[disabled]").length`))
	if err != nil || stale == 0 {
		t.Fatalf("old buttons still pressable (%d disabled): %v", stale, err)
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b := []byte{'"'}
	for _, r := range s {
		switch r {
		case '"', '\\':
			b = append(b, '\\', byte(r))
		default:
			b = append(b, string(r)...)
		}
	}
	return string(append(b, '"'))
}
