// Package browsertest starts headless Chromium for the browser tests.
// .ci/run installs Debian's chromium; where none is installed the tests are
// skipped with the reason.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Bin finds a headless-capable Chromium: $CHROME_BIN, or Debian's (or
// Google's) on the PATH; "" when there is none.
func Bin() string {
	if p := os.Getenv("CHROME_BIN"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Require skips the test when no Chromium is installed. Tests call it
// first, before they build what the browser will look at.
func Require(tb testing.TB) {
	tb.Helper()
	if Bin() == "" {
		tb.Skip("no Chromium found: apt-get install chromium (or set CHROME_BIN) to run the browser test")
	}
}

// Phone opens a tab of headless Chromium at a phone's size (390×844) with
// a deadline of timeout. The browser closes when the test ends; a second
// tab is chromedp.NewContext of the first.
func Phone(tb testing.TB, timeout time.Duration) context.Context {
	tb.Helper()
	Require(tb)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Bin()),
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.WindowSize(390, 844), // a phone
		chromedp.Flag("headless", "new"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tb.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(tb.Logf))
	tb.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	tb.Cleanup(cancelTimeout)
	return ctx
}
