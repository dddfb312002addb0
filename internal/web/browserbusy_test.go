package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/admission"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/web"
	"github.com/vneid-guide/vneidbot/internal/web/browsertest"
)

// TestPageSaysBusyAndRetries opens the chat page while the replica is full:
// its first requests are refused (503 + Retry-After, by a real admission
// gate with no free slot), the page shows the polite web_busy message,
// retries with backoff, and once a slot is free shows the greeting and
// takes the message away.
func TestPageSaysBusyAndRetries(t *testing.T) {
	browsertest.Require(t)
	gate := admission.New(1, admission.Options{RetryAfter: time.Second})
	gate.Admit(context.Background(), "test") // the replica is full
	cat := contenttest.Builtin(t)
	eng, err := flows.New(cat, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}), flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := web.New(eng, func() *content.Catalog { return cat }, web.Options{Gate: gate})
	var posts atomic.Int64
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", h.Page())
	mux.Handle("POST /api/chat", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if posts.Add(1) == 2 {
			gate.Release() // a slot frees for the first retry
		}
		h.ServeHTTP(w, r)
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // after the browser (closed first) has let go

	ctx := browsertest.Phone(t, 60*time.Second)
	busy := cat.Msg(cat.DefaultLocale(), "web_busy")
	logHas := func(text string) chromedp.Action[bool] {
		return chromedp.Poll[bool](`document.getElementById("log").innerText.includes(` + jsString(text) + `)`)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
		t.Fatalf("open the page: %v", err)
	}
	for _, step := range []struct {
		name string
		a    chromedp.Action[bool]
	}{
		{"the polite busy message", logHas(busy)},
		{"the greeting after the retry", logHas("Xin chào")},
		{"the busy message gone", chromedp.Poll[bool](`!document.getElementById("log").innerText.includes(` + jsString(busy) + `)`)},
	} {
		ok, err := chromedp.Run(ctx, step.a)
		if err != nil || !ok {
			page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("log").innerText`))
			t.Fatalf("%s: %v; the page shows:\n%s", step.name, err, page)
		}
	}
	if n := posts.Load(); n < 2 {
		t.Fatalf("%d requests: want the refused ones retried", n)
	}
}
