package admin_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/content/contenttest"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
	"github.com/vneid-guide/vneidbot/internal/web/browsertest"
)

// replica is a second bot process: an engine on the same Redis that follows
// the published content version, as serve does.
type replica struct {
	eng     *flows.Engine
	version atomic.Int64
}

func startReplica(t *testing.T, ctx context.Context, st *store.Store, versions *contentstore.Store) *replica {
	t.Helper()
	cat := contenttest.Builtin(t)
	eng, err := flows.New(cat, st, flows.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{eng: eng}
	go versions.Follow(ctx, 2*time.Second, func(ctx context.Context, cur contentstore.Current) {
		if cur.Version == 0 || cur.Version == r.version.Load() {
			return
		}
		_, fsys, err := versions.Get(ctx, cur.Version)
		if err != nil {
			return
		}
		if c, _ := content.Load(fsys, content.Options{}); c != nil && eng.SetContent(c) == nil {
			r.version.Store(cur.Version)
		}
	}, func(error) {})
	return r
}

// answer is what the replica replies to a citizen's question.
func (r *replica) answer(ctx context.Context, chat, q string) string {
	in := flows.Inbound{Channel: "web", ChatID: chat, Kind: flows.KindStart}
	if _, err := r.eng.Handle(ctx, in); err != nil {
		return err.Error()
	}
	in.Kind, in.Text = flows.KindText, q
	replies, err := r.eng.Handle(ctx, in)
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, rp := range replies {
		b.WriteString(rp.Text + "\n")
	}
	return b.String()
}

// TestEditorInABrowser is the walk through the editor in headless
// Chromium at a phone's size: an editor signs in with a personal link,
// finds an entry by an unaccented search, changes its answer, sees the
// allow-list error next to the answer, fixes it, tries a question and
// saves the draft; a publisher signs in, publishes, and a second replica
// answers with the new text within 5 seconds. With EDITOR_SCREENSHOTS set
// to a folder, the pages are saved there (docs/img holds the ones
// docs/operators.md shows).
func TestEditorInABrowser(t *testing.T) {
	browsertest.Require(t)
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rep := startReplica(t, ctx, ef.st, ef.versions)
	const question = "quên mật khẩu vneid thì làm sao"
	if got := rep.answer(ctx, "before", question); strings.Contains(got, "Mẫu trả lời mới") {
		t.Fatal("the replica has the new text before anything is published")
	}

	bctx := browsertest.Phone(t, 60*time.Second)

	shots := os.Getenv("EDITOR_SCREENSHOTS")
	shot := func(name string) {
		if shots == "" {
			return
		}
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(75))
		if err != nil {
			t.Logf("screenshot %s: %v", name, err)
			return
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Log(err)
		}
	}
	signIn := func(tok string) {
		t.Helper()
		err := chromedp.Do(bctx,
			chromedp.Navigate(ef.srv.URL+accounts.SignInLink("", tok)),
			chromedp.WaitVisible(chromedp.ID("token")),
		)
		if err != nil {
			t.Fatalf("open the sign-in link: %v", err)
		}
		// The page moves the token from the link's fragment into the form.
		if v, err := chromedp.Run(bctx, chromedp.Value(chromedp.ID("token"))); err != nil || v != tok {
			t.Fatalf("the sign-in link did not fill the token: %q %v", v, err)
		}
		if u, err := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href`)); err != nil || strings.Contains(u, tok) {
			t.Fatalf("the token stays in the address bar: %q %v", u, err)
		}
		shot("editor-signin.jpg")
		if err := chromedp.Do(bctx, chromedp.Submit(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("items"))); err != nil {
			t.Fatalf("sign in: %v", err)
		}
	}

	// The editor: search without accents, open the entry.
	signIn(ef.editorTok)
	err := chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("q"), "quen mat khau"),
		chromedp.Submit(chromedp.ID("search")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-item="faq:forgot_password"] a`)),
	)
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	if wide, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`)); err != nil || wide {
		t.Errorf("the list is wider than a phone's screen (%v)", err)
	}
	shot("editor-list.jpg")
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS(`tr[data-item="faq:forgot_password"] a`)), chromedp.WaitVisible(chromedp.ID("answer_vi"))); err != nil {
		t.Fatalf("open the entry: %v", err)
	}

	// A link outside the allow-list: the error shows next to the answer.
	const newText = "Mẫu trả lời mới: mở VNeID, bấm \"Quên mật khẩu\" và làm theo hướng dẫn."
	err = chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("answer_vi"), newText+" Xem https://vneid-help.example.com"),
		chromedp.Click(chromedp.ID("btn-check")),
		chromedp.WaitVisible(chromedp.CSS(`#answer-problems .field-error`)),
	)
	if err != nil {
		t.Fatalf("check: %v", err)
	}
	msg, err := chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`#answer-problems`)))
	if err != nil || !strings.Contains(msg, "vneid-help.example.com") || !strings.Contains(msg, "not allowed") {
		t.Fatalf("allow-list message next to the answer = %q, %v", msg, err)
	}
	if n, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("answer_vi-count"))); err != nil || !strings.Contains(n, "/ 600") {
		t.Errorf("no live character count: %q %v", n, err)
	}
	shot("editor-error.jpg")

	// Fix it, try a question with the draft.
	err = chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("answer_vi"), newText),
		chromedp.SetValue(chromedp.ID("ask"), question),
		chromedp.Click(chromedp.ID("btn-preview")),
		chromedp.WaitVisible(chromedp.ID("preview")),
	)
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#answer-problems .field-error").length`)); err != nil || n != 0 {
		t.Fatalf("the fixed answer still has %d errors (%v)", n, err)
	}
	pv, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("preview")))
	if err != nil || !strings.Contains(pv, "forgot_password") || !strings.Contains(pv, "Mẫu trả lời mới") || !strings.Contains(pv, "Zalo") || !strings.Contains(pv, "Telegram") {
		t.Fatalf("preview = %q, %v", pv, err)
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#preview .zalo .btnrow span").length`)); err != nil || n == 0 {
		t.Errorf("the Zalo preview shows no buttons (%v)", err)
	}
	shot("editor-preview.jpg")
	err = chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("note"), "ngắn gọn hơn"),
		chromedp.Click(chromedp.ID("btn-save")),
		chromedp.WaitVisible(chromedp.ID("notice")),
	)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	if got := rep.answer(ctx, "draft", question); strings.Contains(got, "Mẫu trả lời mới") {
		t.Fatal("a draft is served")
	}

	// The publisher publishes; the other replica switches.
	if err := chromedp.Do(bctx, chromedp.Navigate(ef.srv.URL+"/admin/content/"), chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.ID("token"))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	signIn(ef.publisherTok)
	err = chromedp.Do(bctx,
		chromedp.Navigate(ef.srv.URL+"/admin/content/publish"),
		chromedp.WaitVisible(chromedp.ID("btn-publish")),
	)
	if err != nil {
		t.Fatalf("publish page: %v", err)
	}
	shot("editor-publish.jpg")
	err = chromedp.Do(bctx,
		chromedp.SetValue(chromedp.ID("note"), "rút gọn câu trả lời quên mật khẩu"),
		chromedp.Click(chromedp.ID("btn-publish")),
		chromedp.WaitVisible(chromedp.ID("versions")),
	)
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	published := time.Now()
	shot("editor-history.jpg")
	for {
		if got := rep.answer(ctx, "after", question); strings.Contains(got, "Mẫu trả lời mới") {
			break
		}
		if time.Since(published) > 5*time.Second {
			t.Fatal("the second replica does not answer with the new text 5 s after publishing")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
