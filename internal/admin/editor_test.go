package admin_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/admin"
	"github.com/vneid-guide/vneidbot/internal/clocktest"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/store/storetest"
)

// editorFixture is the dashboard and the content editor on one server,
// with an editor, a publisher and an officer account.
type editorFixture struct {
	fixture
	srv                    *httptest.Server
	editor                 *admin.Editor
	accts                  *accounts.Store
	versions               *contentstore.Store
	editorTok, editor2Tok  string
	publisherTok, officerT string
	acctClock              *clocktest.Clock // the accounts' clock
}

func newEditorFixture(t *testing.T, st *store.Store) *editorFixture {
	t.Helper()
	f := newFixture(t, st)
	ctx := context.Background()
	clk := clocktest.New(time.Now())
	ef := &editorFixture{fixture: f, accts: accounts.New(st, clk.Now), versions: contentstore.New(st), acctClock: clk}
	var err error
	mk := func(name string, role accounts.Role, area string) string {
		_, tok, e := ef.accts.Create(ctx, name, role, area)
		if e != nil {
			t.Fatal(e)
		}
		return tok
	}
	ef.editorTok = mk("Trần Thị Lan", accounts.Editor, "")
	ef.editor2Tok = mk("Lê Văn Bình", accounts.Editor, "")
	ef.publisherTok = mk("Phạm Minh", accounts.Publisher, "")
	ef.officerT = mk("Hà", accounts.Officer, "Xã Tân Lập")
	ed, err := f.h.Editor(ctx, admin.EditorOptions{Accounts: ef.accts, Versions: ef.versions, Builtin: content.Embedded, Votes: feedback.NewVotes(st)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ed.Close() })
	ef.editor = ed
	mux := http.NewServeMux()
	mux.Handle("/admin", f.h)
	mux.Handle("/admin/", f.h)
	for _, p := range []string{"/admin/content", "/admin/content/", accounts.SignInPath, "/admin/signout"} {
		mux.Handle(p, ed)
	}
	ef.srv = httptest.NewServer(mux)
	t.Cleanup(ef.srv.Close)
	return ef
}

// client is a cookie-keeping client that does not follow redirects.
type client struct {
	t *testing.T
	c *http.Client
	u string
}

func (ef *editorFixture) client(t *testing.T) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, u: ef.srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *client) get(path string) (int, string, http.Header) {
	b.t.Helper()
	resp, err := b.c.Get(b.u + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func (b *client) post(path string, form url.Values, hdr ...string) (int, string, http.Header) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.u+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.u)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), resp.Header
}

func (b *client) signIn(token string) {
	b.t.Helper()
	code, body, hdr := b.post(accounts.SignInPath, url.Values{"token": {token}})
	if code != http.StatusSeeOther {
		b.t.Fatalf("sign in: %d %s", code, body)
	}
	_ = hdr
}

var inputRE = regexp.MustCompile(`name="(csrf|stamp)" value="([^"]*)"`)

// pageForm reads an edit page's fields back as a form, as a browser would post it.
func pageForm(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range inputRE.FindAllStringSubmatch(page, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	for _, name := range []string{"title_vi", "title_en", "keywords", "related", "source", "checked"} {
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(page)
		if m != nil {
			v.Set(name, html.UnescapeString(m[1]))
		}
	}
	for _, name := range []string{"q_vi", "q_en", "answer_vi", "answer_en", "more_vi", "more_en", "next_vi", "next_en"} {
		m := regexp.MustCompile(`(?s)name="` + name + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(page)
		if m != nil {
			v.Set(name, html.UnescapeString(m[1]))
		}
	}
	if v.Get("csrf") == "" {
		t.Fatalf("no csrf token in the page:\n%s", page)
	}
	return v
}

func TestEditorNeedsAnAccount(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	anon := ef.client(t)
	if code, _, hdr := anon.get("/admin/content/"); code != http.StatusSeeOther || !strings.HasPrefix(hdr.Get("Location"), accounts.SignInPath) {
		t.Fatalf("anonymous: %d → %s", code, hdr.Get("Location"))
	}
	// ADMIN_TOKEN is not an account.
	req, _ := http.NewRequest(http.MethodGet, ef.srv.URL+"/admin/content/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := anon.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("ADMIN_TOKEN alone reached the editor: %d", resp.StatusCode)
	}
	if code, _, _ := anon.post(accounts.SignInPath, url.Values{"token": {token}}); code != http.StatusUnauthorized {
		t.Fatalf("signing in with ADMIN_TOKEN: %d", code)
	}
	if code, _, _ := anon.post("/admin/content/publish", url.Values{"note": {"x"}}); code != http.StatusUnauthorized {
		t.Fatalf("anonymous publish: %d", code)
	}
	// An officer has an account, but not for content.
	off := ef.client(t)
	code, _, hdr := off.post(accounts.SignInPath, url.Values{"token": {ef.officerT}})
	if code != http.StatusSeeOther || hdr.Get("Location") != "/admin/inbox" {
		t.Fatalf("officer sign-in: %d → %s", code, hdr.Get("Location"))
	}
	if code, _, _ := off.get("/admin/content/"); code != http.StatusForbidden {
		t.Fatalf("officer on the editor: %d", code)
	}
	// An editor gets in, and signing out ends the session for good.
	ed := ef.client(t)
	ed.signIn(ef.editorTok)
	code, page, hdr := ed.get("/admin/content/")
	if code != http.StatusOK || !strings.Contains(page, "Trần Thị Lan") {
		t.Fatalf("editor list: %d", code)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("CSP = %q", csp)
	}
	csrf := pageForm(t, page).Get("csrf")
	u, _ := url.Parse(ef.srv.URL + "/admin/")
	cookies := ed.c.Jar.Cookies(u)
	if code, _, _ := ed.post("/admin/signout", url.Values{"csrf": {csrf}}); code != http.StatusSeeOther {
		t.Fatalf("sign out: %d", code)
	}
	stolen := ef.client(t)
	stolen.c.Jar.SetCookies(u, cookies)
	if code, _, _ := stolen.get("/admin/content/"); code != http.StatusSeeOther {
		t.Fatalf("a copied cookie works after sign-out: %d", code)
	}
}

func TestEditorCSRFAndOrigin(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ed := ef.client(t)
	ed.signIn(ef.editorTok)
	_, page, _ := ed.get("/admin/content/faq/forgot_password")
	v := pageForm(t, page)
	v.Set("action", "save")
	v.Set("answer_vi", v.Get("answer_vi")+" Thêm một câu.")
	bad := url.Values{}
	for k, x := range v {
		bad[k] = x
	}
	bad.Set("csrf", strings.Repeat("0", 32))
	if code, _, _ := ed.post("/admin/content/faq/forgot_password", bad); code != http.StatusForbidden {
		t.Fatalf("wrong CSRF token: %d", code)
	}
	bad.Del("csrf")
	if code, _, _ := ed.post("/admin/content/faq/forgot_password", bad); code != http.StatusForbidden {
		t.Fatalf("no CSRF token: %d", code)
	}
	if code, _, _ := ed.post("/admin/content/faq/forgot_password", v, "Origin", "https://evil.example"); code != http.StatusForbidden {
		t.Fatalf("another origin: %d", code)
	}
	if ds := draftsOf(t, ef); len(ds) != 0 {
		t.Fatalf("a refused form saved a draft: %v", ds)
	}
	if code, _, hdr := ed.post("/admin/content/faq/forgot_password", v); code != http.StatusSeeOther || !strings.Contains(hdr.Get("Location"), "saved=1") {
		t.Fatalf("good form: %d", code)
	}
}

func draftsOf(t *testing.T, ef *editorFixture) map[string]string {
	t.Helper()
	m, err := ef.st.Client().HGetAll(context.Background(), ef.st.Key("{content}", "drafts")).Result()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEditorValidatorMessagesNextToFields(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ed := ef.client(t)
	ed.signIn(ef.editorTok)
	_, page, _ := ed.get("/admin/content/faq/forgot_password")
	v := pageForm(t, page)
	v.Set("answer_vi", "Xem tại https://evil.example.com/vneid nhé.")
	v.Set("answer_en", "")
	v.Set("source", "")
	v.Set("action", "save")
	code, page, _ := ed.post("/admin/content/faq/forgot_password", v)
	if code != http.StatusOK || !strings.Contains(page, "editor_fix_first") && !strings.Contains(page, "Chưa lưu được") {
		t.Fatalf("an invalid save: %d", code)
	}
	i := strings.Index(page, `id="answer-problems"`)
	if i < 0 || !strings.Contains(page[i:i+2000], "evil.example.com") || !strings.Contains(page[i:i+2000], "is not allowed") {
		t.Fatalf("no allow-list message next to the answer:\n%s", page)
	}
	if !strings.Contains(page, "missing en text") || !strings.Contains(page, "source is missing") {
		t.Fatal("no vi/en parity or missing-source message")
	}
	if ds := draftsOf(t, ef); len(ds) != 0 {
		t.Fatal("an invalid form was saved")
	}
}

func TestTwoEditorsOnOneEntry(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	a, b := ef.client(t), ef.client(t)
	a.signIn(ef.editorTok)
	b.signIn(ef.editor2Tok)
	_, pa, _ := a.get("/admin/content/faq/forgot_password")
	_, pb, _ := b.get("/admin/content/faq/forgot_password")
	va, vb := pageForm(t, pa), pageForm(t, pb)
	va.Set("answer_vi", va.Get("answer_vi")+" (bản của Lan)")
	vb.Set("answer_vi", vb.Get("answer_vi")+" (bản của Bình)")
	va.Set("action", "save")
	vb.Set("action", "save")
	if code, _, _ := a.post("/admin/content/faq/forgot_password", va); code != http.StatusSeeOther {
		t.Fatalf("first save: %d", code)
	}
	code, page, _ := b.post("/admin/content/faq/forgot_password", vb)
	if code != http.StatusConflict || !strings.Contains(page, "Trần Thị Lan") || !strings.Contains(page, "Chưa lưu") {
		t.Fatalf("second save: %d, want 409 naming the first editor", code)
	}
	if !strings.Contains(page, "(bản của Bình)") {
		t.Fatal("the refused text is not kept in the form for copying")
	}
	if d := draftsOf(t, ef)["faq:forgot_password"]; !strings.Contains(d, "bản của Lan") || strings.Contains(d, "bản của Bình") {
		t.Fatalf("draft = %s", d)
	}
	// After a reload the second editor builds on the first one's draft.
	_, pb, _ = b.get("/admin/content/faq/forgot_password")
	vb = pageForm(t, pb)
	vb.Set("answer_vi", vb.Get("answer_vi")+" (và của Bình)")
	vb.Set("action", "save")
	if code, _, _ := b.post("/admin/content/faq/forgot_password", vb); code != http.StatusSeeOther {
		t.Fatalf("save after reload: %d", code)
	}
	if d := draftsOf(t, ef)["faq:forgot_password"]; !strings.Contains(d, "bản của Lan) (và của Bình)") {
		t.Fatalf("draft = %s", d)
	}
}

func TestPublishRolesHistoryAndRollback(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ctx := context.Background()
	ed, pub := ef.client(t), ef.client(t)
	ed.signIn(ef.editorTok)
	pub.signIn(ef.publisherTok)
	_, page, _ := ed.get("/admin/content/faq/forgot_password")
	v := pageForm(t, page)
	v.Set("answer_vi", "Câu trả lời mới về quên mật khẩu.")
	v.Set("action", "save")
	v.Set("note", "ngắn gọn hơn")
	if code, _, _ := ed.post("/admin/content/faq/forgot_password", v); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	// Saving serves nothing.
	if cur, _ := ef.versions.Current(ctx); cur.Version != 0 {
		t.Fatalf("a draft was published: %+v", cur)
	}
	_, page, _ = ed.get("/admin/content/publish")
	if !strings.Contains(page, "+ ") || !strings.Contains(page, "Câu trả lời mới về quên mật khẩu.") {
		t.Fatalf("the publish page shows no diff:\n%s", page)
	}
	pick := regexp.MustCompile(`name="pick" value="([^"]+)"`).FindStringSubmatch(page)
	if pick == nil {
		t.Fatal("no draft to pick")
	}
	csrf := pageForm(t, page).Get("csrf")
	if code, _, _ := ed.post("/admin/content/publish", url.Values{"csrf": {csrf}, "pick": {pick[1]}, "note": {"x"}}); code != http.StatusForbidden {
		t.Fatalf("an editor published: %d", code)
	}
	_, page, _ = pub.get("/admin/content/publish")
	pcsrf := pageForm(t, page).Get("csrf")
	if code, _, _ := pub.post("/admin/content/publish", url.Values{"csrf": {pcsrf}, "pick": {pick[1]}}); code != http.StatusOK {
		t.Fatalf("publish without a note: %d", code)
	}
	code, _, hdr := pub.post("/admin/content/publish", url.Values{"csrf": {pcsrf}, "pick": {pick[1]}, "note": {"rút gọn câu quên mật khẩu"}})
	if code != http.StatusSeeOther {
		t.Fatalf("publish: %d", code)
	}
	cur, _ := ef.versions.Current(ctx)
	v1, fsys, err := ef.versions.Get(ctx, cur.Version)
	if err != nil || v1.Number != 1 || !strings.Contains(v1.By, "Phạm Minh") || v1.Note != "rút gọn câu quên mật khẩu" {
		t.Fatalf("version = %+v, %v", v1, err)
	}
	cat, problems := content.Load(fsys, content.Options{})
	if cat == nil || cat.Entry("forgot_password").Answer["vi"] != "Câu trả lời mới về quên mật khẩu." {
		t.Fatalf("published content: %v", problems.Err())
	}
	if len(draftsOf(t, ef)) != 0 {
		t.Fatal("the published draft is still a draft")
	}
	_, page, _ = pub.get(hdr.Get("Location"))
	for _, want := range []string{"Đã xuất bản bản 1", "rút gọn câu quên mật khẩu", "Trần Thị Lan", "save", "publish", "faq:forgot_password"} {
		if !strings.Contains(page, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	// The diff of the entry between the built-in content and version 1.
	_, page, _ = pub.get("/admin/content/diff?item=faq:forgot_password&a=0&b=1")
	if !strings.Contains(page, `class="add">+ `) || !strings.Contains(page, "Câu trả lời mới về quên mật khẩu.") || !strings.Contains(page, `class="del">- `) {
		t.Fatalf("diff:\n%s", page)
	}
	// An editor cannot roll back; a publisher can (to the built-in content's
	// files published as version 2 first).
	if code, _, _ := ed.post("/admin/content/rollback", url.Values{"csrf": {csrf}, "version": {"1"}}); code != http.StatusForbidden {
		t.Fatalf("an editor rolled back: %d", code)
	}
	if _, err := ef.versions.Publish(ctx, content.Embedded, "built-in again", "test"); err != nil {
		t.Fatal(err)
	}
	if code, _, _ := pub.post("/admin/content/rollback", url.Values{"csrf": {pcsrf}, "version": {"1"}, "note": {"trở lại"}}); code != http.StatusSeeOther {
		t.Fatalf("rollback: %d", code)
	}
	if cur, _ := ef.versions.Current(ctx); cur.Version != 1 || cur.Action != "rollback" || !strings.Contains(cur.By, "Phạm Minh") {
		t.Fatalf("after rollback: %+v", cur)
	}
	_, page, _ = pub.get("/admin/content/history")
	if !strings.Contains(page, "rollback → bản 1") || !strings.Contains(page, "trở lại") {
		t.Fatal("the rollback is not in the audit log")
	}
}

// TestUnansweredLoop: a question the bot missed is added to an entry from
// the list, published, and then shows as answered.
func TestUnansweredLoop(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ctx := context.Background()
	q := "con tôi quên cái mật khẩu vneid mất rồi thì sao"
	if err := ef.rec.Record(ctx, []flows.Event{{Kind: flows.EventFAQMissed, Channel: "web", Chat: "web:z", Text: q, Time: ef.now}}); err != nil {
		t.Fatal(err)
	}
	// The dashboard's unanswered list links each question to the editor.
	req, _ := http.NewRequest(http.MethodGet, ef.srv.URL+"/admin/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	dash, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	linked := false
	for _, m := range regexp.MustCompile(`href="/admin/content/\?add=([^"]+)"`).FindAllStringSubmatch(string(dash), -1) {
		if got, _ := url.QueryUnescape(m[1]); got == q {
			linked = true
		}
	}
	if !linked {
		t.Fatalf("the dashboard does not link the question to the editor:\n%s", dash)
	}
	ed, pub := ef.client(t), ef.client(t)
	ed.signIn(ef.editorTok)
	pub.signIn(ef.publisherTok)
	_, page, _ := ed.get("/admin/content/")
	addLink := "/admin/content/?add=" + url.QueryEscape(q)
	if !strings.Contains(html.UnescapeString(page), "Thêm vào mục…") || !strings.Contains(html.UnescapeString(page), "Tạo mục mới") {
		t.Fatal("the unanswered list has no actions")
	}
	// Choose the entry by search, in add mode.
	_, page, _ = ed.get(addLink + "&q=quen+mat+khau")
	link := regexp.MustCompile(`href="(/admin/content/faq/forgot_password\?add=[^"]+)"`).FindStringSubmatch(page)
	if link == nil {
		t.Fatalf("forgot_password is not offered in add mode:\n%s", page)
	}
	_, page, _ = ed.get(html.UnescapeString(link[1]))
	v := pageForm(t, page)
	if !strings.Contains(v.Get("q_vi"), q) {
		t.Fatalf("the question is not added as a variant: %q", v.Get("q_vi"))
	}
	v.Set("action", "save")
	if code, body, _ := ed.post("/admin/content/faq/forgot_password", v); code != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", code, body)
	}
	_, page, _ = pub.get("/admin/content/publish")
	pick := regexp.MustCompile(`name="pick" value="([^"]+)"`).FindStringSubmatch(page)
	if code, _, _ := pub.post("/admin/content/publish", url.Values{"csrf": {pageForm(t, page).Get("csrf")}, "pick": {pick[1]}, "note": {"thêm câu hỏi của dân"}}); code != http.StatusSeeOther {
		t.Fatalf("publish: %d", code)
	}
	_, page, _ = ed.get("/admin/content/")
	if !strings.Contains(page, "đã trả lời: forgot_password") {
		t.Fatal("the question does not show as answered after publishing")
	}
	// "Tạo mục mới" prefills a new entry with the question.
	_, page, _ = ed.get("/admin/content/new?q=" + url.QueryEscape("đổi ảnh đại diện vneid"))
	if !strings.Contains(page, "đổi ảnh đại diện vneid</textarea>") {
		t.Fatal("a new entry does not start from the question")
	}
}

// TestBrowserVersionRoundTrips: a version published from the editor,
// written out as files (what "content export" does) and read back, packs
// to the same archive and loads without a problem.
func TestBrowserVersionRoundTrips(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ctx := context.Background()
	ed, pub := ef.client(t), ef.client(t)
	ed.signIn(ef.editorTok)
	pub.signIn(ef.publisherTok)
	_, page, _ := ed.get("/admin/content/faq/forgot_password")
	v := pageForm(t, page)
	v.Set("answer_en", "Press \"Quên mật khẩu\" on the login screen: yes, it works.")
	v.Set("action", "save")
	if code, _, _ := ed.post("/admin/content/faq/forgot_password", v); code != http.StatusSeeOther {
		t.Fatalf("save: %d", code)
	}
	_, page, _ = pub.get("/admin/content/publish")
	pick := regexp.MustCompile(`name="pick" value="([^"]+)"`).FindStringSubmatch(page)
	if code, _, _ := pub.post("/admin/content/publish", url.Values{"csrf": {pageForm(t, page).Get("csrf")}, "pick": {pick[1]}, "note": {"en"}}); code != http.StatusSeeOther {
		t.Fatalf("publish: %d", code)
	}
	cur, _ := ef.versions.Current(ctx)
	ver, fsys, err := ef.versions.Get(ctx, cur.Version)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "noi-dung")
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatal(err)
	}
	cat, problems := content.Load(os.DirFS(dir), content.Options{})
	if cat == nil || len(problems.Errors()) != 0 {
		t.Fatalf("exported files do not pass the check: %v", problems.Err())
	}
	if cat.Entry("forgot_password").Answer["en"] != "Press \"Quên mật khẩu\" on the login screen: yes, it works." {
		t.Fatal("the edit is not in the exported files")
	}
	archive, _, err := contentstore.Pack(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(archive)
	if hex.EncodeToString(sum[:]) != ver.SHA256 {
		t.Fatal("the exported files pack to another archive than the published version")
	}
	if n, err := ef.versions.Unchanged(ctx, os.DirFS(dir)); err != nil || n != ver.Number {
		t.Fatalf("Unchanged = %d, %v; want %d", n, err, ver.Number)
	}
	// Only the edited file differs from the built-in content.
	for _, name := range []string{"faq/app.yaml", "meta.yaml", "flows/install.yaml"} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := content.Embedded.ReadFile(name)
		if string(a) != string(b) {
			t.Errorf("%s changed", name)
		}
	}
	_ = time.Second
}

// TestNeedsAttention: long answers, entries past their re-check date and
// entries many citizens marked 👎 are listed; the others are not.
func TestNeedsAttention(t *testing.T) {
	st := storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{})
	ef := newEditorFixture(t, st)
	ctx := context.Background()
	votes := feedback.NewVotes(st)
	for range 4 {
		if err := votes.Record(ctx, "install_iphone", false); err != nil {
			t.Fatal(err)
		}
	}
	if err := votes.Record(ctx, "forgot_password", false); err != nil { // one 👎 is not "many"
		t.Fatal(err)
	}
	ed := ef.client(t)
	ed.signIn(ef.editorTok)
	_, all, _ := ed.get("/admin/content/")
	_, page, _ := ed.get("/admin/content/?attention=1")
	if !strings.Contains(page, `data-item="faq:install_iphone"`) || !strings.Contains(page, "👎 4") {
		t.Fatal("an entry with 4 👎 does not need attention")
	}
	if strings.Contains(page, `data-item="faq:forgot_password"`) {
		t.Fatal("one 👎 made an entry need attention")
	}
	if strings.Count(page, "data-item=") >= strings.Count(all, "data-item=") {
		t.Fatal("the filter filters nothing")
	}
	// Far in the future every entry is past its re-check date.
	*ef.clock = ef.now.AddDate(3, 0, 0)
	_, page, _ = ed.get("/admin/content/?attention=1")
	if !strings.Contains(page, `data-item="faq:forgot_password"`) || !strings.Contains(page, "quá hạn") {
		t.Fatal("an entry past its re-check date does not need attention")
	}
}

// TestPreviewLeavesNothingBehind: "Thử hỏi" runs a throwaway conversation
// in an in-process Redis that never expires keys; it must not grow.
func TestPreviewLeavesNothingBehind(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ed := ef.client(t)
	ed.signIn(ef.editorTok)
	_, page, _ := ed.get("/admin/content/faq/forgot_password")
	v := pageForm(t, page)
	v.Set("action", "preview")
	v.Set("ask", "quên mật khẩu vneid")
	code, page, _ := ed.post("/admin/content/faq/forgot_password", v)
	if code != http.StatusOK || !strings.Contains(page, `id="preview-entry">forgot_password`) {
		t.Fatalf("preview: %d", code)
	}
	if n := admin.PreviewKeys(ef.editor); n != 0 {
		t.Fatalf("%d keys left in the preview's Redis", n)
	}
	if ds := draftsOf(t, ef); len(ds) != 0 {
		t.Fatal("a preview saved a draft")
	}
}

// TestSignInStaysOnTheEditor: "next" after signing in is a page of the
// editor, cleaned, never another site (probe S2: "/admin/content/../../%5c
// evil.example" was sent to "/\evil.example").
func TestSignInStaysOnTheEditor(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	for next, want := range map[string]string{
		"/admin/content/../../%5cevil.example": "/admin/content/",
		"/admin/content/..%2f..%2f/evil":       "/admin/content/",
		"//evil.example/admin/content":         "/admin/content/",
		"https://evil.example/admin/content/":  "/admin/content/",
		"/admin/contentx":                      "/admin/content/",
		"/admin/content/entry/otp?x=1":         "/admin/content/entry/otp?x=1",
		"/admin/content/":                      "/admin/content/",
	} {
		c := ef.client(t)
		code, body, hdr := c.post(accounts.SignInPath, url.Values{"token": {ef.editorTok}, "next": {next}})
		if code != http.StatusSeeOther || hdr.Get("Location") != want {
			t.Errorf("next %q: %d → %q, want %q (%s)", next, code, hdr.Get("Location"), want, body)
		}
	}
}

// TestExpiredSignInLink (security review R11): a sign-in link past its
// life is refused with a page that says so, not as a wrong token (it
// counts toward no lockout); the new link "vneidbot operator link" makes
// signs in.
func TestExpiredSignInLink(t *testing.T) {
	ef := newEditorFixture(t, storetest.Open(t, storetest.Backend{Name: "miniredis"}, store.Options{}))
	ef.acctClock.Add(accounts.DefaultLinkLife)
	c := ef.client(t)
	for range 12 {
		code, body, _ := c.post(accounts.SignInPath, url.Values{"token": {ef.editorTok}})
		if code != http.StatusUnauthorized || !strings.Contains(body, "hết hạn") {
			t.Fatalf("an expired link: %d %s", code, body)
		}
	}
	a, err := ef.accts.Find(context.Background(), "Trần Thị Lan")
	if err != nil {
		t.Fatal(err)
	}
	_, tok, err := ef.accts.NewToken(context.Background(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.signIn(tok)
	if code, _, _ := c.get("/admin/content/"); code != http.StatusOK {
		t.Fatalf("the editor with the new link: %d", code)
	}
}
