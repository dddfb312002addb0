package admin_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/web/browsertest"
)

// TestDashboardInABrowser logs in through the form in headless Chromium at
// a phone's size, sees the funnel and the volunteer's count, and downloads a
// CSV. .ci/run installs Debian's chromium; elsewhere the test is skipped
// with the reason.
func TestDashboardInABrowser(t *testing.T) {
	browsertest.Require(t)
	f := newFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	mux := http.NewServeMux()
	mux.Handle("/admin", f.h)
	mux.Handle("/admin/", f.h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // after the browser (closed first) has let go

	ctx := browsertest.Phone(t, 90*time.Second)

	// Log in through the form and wait for the funnel.
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Submit(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("funnel")),
	)
	if err != nil {
		t.Fatalf("log in and load the dashboard: %v", err)
	}
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#funnel g.bar").length`))
	if err != nil {
		t.Fatal(err)
	}
	started, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`tr[data-code="`+f.vol.Code+`"] td.started`)))
	if err != nil {
		t.Fatal(err)
	}
	if bars != 2 || strings.TrimSpace(started) != "3" {
		t.Errorf("funnel bars %d, volunteer started %q; want 2 and 3", bars, started)
	}
	if c, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie`)); err != nil || c != "" {
		t.Errorf("script can read the login cookie: %q %v", c, err)
	}
	if wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); err != nil || wide {
		t.Errorf("the page is wider than a phone's screen (%v)", err)
	}
	if p := os.Getenv("ADMIN_SCREENSHOT"); p != "" {
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(p, png, 0o644)
		}
	}

	// Download the volunteers' CSV by clicking its link.
	dir := t.TempDir()
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#volunteers a.csv`))); err != nil {
		t.Fatalf("click the CSV link: %v", err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download: %v", err)
		}
		if ev.State != browser.DownloadProgressStateCompleted {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, ev.GUID))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("downloaded CSV: %v\n%s", err, data)
		}
		got := fmt.Sprint(recs)
		if !strings.Contains(got, "[code name area kind via started completed network]") || !strings.Contains(got, "["+f.vol.Code+" Nguyễn Văn An Xã Tân Lập volunteer  3 1 0]") {
			t.Errorf("downloaded CSV:\n%s", data)
		}
		return
	}
	t.Fatal("the CSV download did not finish")
}
