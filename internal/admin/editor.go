package admin

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/accounts"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
	"github.com/vneid-guide/vneidbot/internal/faq/feedback"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/store"
	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// EditorOptions configure the content editor (/admin/content).
type EditorOptions struct {
	Accounts *accounts.Store     // who may sign in; required
	Versions *contentstore.Store // the published versions; required
	// Builtin is the content that serves when nothing is published: the
	// embedded content (or CONTENT_DIR). Drafts are made against the
	// version serving, this one until the first publish.
	Builtin fs.FS
	// DirMode is set when CONTENT_DIR is set: replicas then ignore
	// published versions, which the pages say.
	DirMode bool
	Votes   *feedback.Votes // "did this help?" counts, for "needs attention"; optional
}

// Editor serves the content editor: /admin/signin, /admin/signout and
// everything under /admin/content. Every page needs a personal account
// (accounts: editor or publisher); ADMIN_TOKEN alone is not one. Editors
// save drafts; publishers also publish and roll back. Every form carries a
// per-session CSRF token and must come from our own origin.
type Editor struct {
	h       *Handler
	o       EditorOptions
	d       *drafts
	scratch *store.Store // an in-process Redis for the preview's throwaway conversations
	tmpl    *template.Template

	mu     sync.Mutex // guards cached
	cached *baseState
}

// baseState is the version serving now, read and validated once.
type baseState struct {
	version int64
	files   tree
	cat     *content.Catalog
}

// base returns the files and catalog of the version serving now (cached
// per version).
func (e *Editor) base(ctx context.Context) (*baseState, error) {
	cur, err := e.o.Versions.Current(ctx)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	c := e.cached
	e.mu.Unlock()
	if c != nil && c.version == cur.Version {
		return c, nil
	}
	t, err := e.d.versionTree(ctx, cur.Version)
	if err != nil {
		return nil, err
	}
	cat, problems := content.Load(t.fsys(), content.Options{})
	if cat == nil {
		return nil, fmt.Errorf("version %d does not load: %w", cur.Version, problems.Err())
	}
	c = &baseState{version: cur.Version, files: t, cat: cat}
	e.mu.Lock()
	e.cached = c
	e.mu.Unlock()
	return c, nil
}

// maxEditorForm bounds an edit form's body.
const maxEditorForm = 256 << 10

//go:embed templates/editor/*.html templates/style.html
var editorFiles embed.FS

// Editor returns the content editor, sharing the dashboard's client
// addresses, wrong-token limiter and logger.
func (h *Handler) Editor(ctx context.Context, o EditorOptions) (*Editor, error) {
	if o.Accounts == nil || o.Versions == nil || o.Builtin == nil {
		return nil, errors.New("admin editor: accounts, versions and builtin content are required")
	}
	pv, err := store.Open(ctx, store.Options{SessionTTL: time.Hour})
	if err != nil {
		return nil, fmt.Errorf("admin editor: preview store: %w", err)
	}
	e := &Editor{h: h, o: o, scratch: pv, d: newDrafts(h.o.Store, o.Versions, o.Builtin, h.now)}
	e.tmpl = template.Must(template.New("").Funcs(template.FuncMap{
		"when":  func(t time.Time) string { return t.In(stats.Zone).Format("02/01/2006 15:04") },
		"plain": plain,
		"lines": func(s []string) string { return strings.Join(s, "\n") },
		"runes": utf8.RuneCountInString,
		"join":  strings.Join,
	}).ParseFS(editorFiles, "templates/editor/*.html", "templates/style.html"))
	return e, nil
}

// Close releases the preview's in-process Redis.
func (e *Editor) Close() error { return e.scratch.Close() }

// page is what every editor page gets.
type page struct {
	Title   string
	Who     accounts.Account
	CSRF    string
	Nonce   string
	Error   string
	Notice  string
	DirMode bool
	Body    any
}

func (e *Editor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	nonce := newNonce()
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-"+nonce+"'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hdr.Set("X-Content-Type-Options", "nosniff")
	// same-origin, not no-referrer: with no-referrer, browsers without
	// Fetch Metadata (Safari before 16.4) post "Origin: null", refused.
	hdr.Set("Referrer-Policy", "same-origin")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Frame-Options", "DENY")

	client := e.h.client(r)
	if r.Method == http.MethodPost && !e.h.sameOrigin(r) {
		e.h.warn.Warn(client, "admin: form posted from another site", "remote", client, "path", r.URL.Path)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if r.URL.Path == accounts.SignInPath {
		e.signIn(w, r, client, nonce)
		return
	}
	sid, who, ok := e.account(r)
	if !ok {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			http.Redirect(w, r, accounts.SignInPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		e.render(w, http.StatusUnauthorized, "signin", page{Title: "Đăng nhập", Nonce: nonce, Error: e.h.say("editor_signin_needed")})
		return
	}
	p := page{Who: who, CSRF: accounts.CSRFToken(sid), Nonce: nonce, DirMode: e.o.DirMode}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxEditorForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, e.h.say("admin_too_large"), http.StatusRequestEntityTooLarge)
			return
		}
		if !accounts.CheckCSRF(sid, r.PostForm.Get("csrf")) {
			e.h.warn.Warn(client, "admin: editor form without a valid CSRF token", "remote", client, "path", r.URL.Path)
			http.Error(w, e.h.say("editor_csrf"), http.StatusForbidden)
			return
		}
	}
	if r.URL.Path == "/admin/signout" && r.Method == http.MethodPost {
		if err := e.o.Accounts.EndSession(r.Context(), sid); err != nil {
			e.fail(w, "sign out", err)
			return
		}
		http.SetCookie(w, accounts.ClearCookie(secure(r)))
		http.Redirect(w, r, accounts.SignInPath, http.StatusSeeOther)
		return
	}
	if !who.CanEdit() {
		e.render(w, http.StatusForbidden, "message", page{Title: "Không có quyền", Who: who, CSRF: p.CSRF, Nonce: nonce, Error: e.h.say("editor_not_editor")})
		return
	}
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/admin/content"), "/")
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	post := r.Method == http.MethodPost
	switch {
	case path == "" && get:
		e.list(w, r, p)
	case strings.HasPrefix(path, "/faq/") && (get || post):
		e.entry(w, r, p, strings.TrimPrefix(path, "/faq/"), false)
	case path == "/new" && (get || post):
		e.entry(w, r, p, "", true)
	case strings.HasPrefix(path, "/step/") && (get || post):
		e.step(w, r, p, strings.TrimPrefix(path, "/step/"))
	case path == "/discard" && post:
		e.discard(w, r, p)
	case path == "/publish" && (get || post):
		e.publishPage(w, r, p)
	case path == "/history" && get:
		e.history(w, r, p)
	case path == "/rollback" && post:
		e.rollback(w, r, p)
	case path == "/diff" && get:
		e.diff(w, r, p)
	default:
		http.NotFound(w, r)
	}
}

// account returns the request's session and its account.
func (e *Editor) account(r *http.Request) (string, accounts.Account, bool) {
	a, sid, err := e.o.Accounts.FromRequest(r)
	if err != nil {
		if !accounts.IsNoSession(err) {
			e.h.log.Error("admin editor: read session", "err", err)
		}
		return "", accounts.Account{}, false
	}
	return sid, a, true
}

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

// editorPath returns next when, cleaned, it is a page of the editor, and
// the editor's first page otherwise: "/admin/content/../../%5cevil.example"
// would be cleaned by http.Redirect into "/\evil.example", which browsers
// open as another site (probe S2).
func editorPath(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.ContainsAny(next, "\\\x00") {
		return "/admin/content/"
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if clean != "/admin/content" && !strings.HasPrefix(clean, "/admin/content/") {
		return "/admin/content/"
	}
	if u.RawQuery != "" {
		clean += "?" + u.RawQuery
	}
	return clean
}

// signIn shows the sign-in form (GET) and checks a personal token (POST).
// Wrong tokens count against the client with wrong ADMIN_TOKENs.
func (e *Editor) signIn(w http.ResponseWriter, r *http.Request, client, nonce string) {
	p := page{Title: "Đăng nhập", Nonce: nonce}
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			http.Error(w, e.h.say("admin_too_large"), http.StatusRequestEntityTooLarge)
			return
		}
		next = r.PostForm.Get("next")
	}
	next = editorPath(next)
	p.Body = next
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		e.render(w, http.StatusOK, "signin", p)
		return
	case http.MethodPost:
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if e.h.limit.locked(r.Context(), client) {
		e.h.warn.Warn(client, "admin: account token refused after repeated wrong tokens", "remote", client)
		p.Error = e.h.say("admin_locked_out")
		e.render(w, http.StatusTooManyRequests, "signin", p)
		return
	}
	a, sid, err := e.o.Accounts.SignIn(r.Context(), r.PostForm.Get("token"), 0)
	if errors.Is(err, accounts.ErrExpired) || errors.Is(err, accounts.ErrRevoked) {
		// A real token, only old (security review R11) or replaced by a
		// new link (seventh probe, V7): no guess to count.
		e.h.warn.Warn(client, "admin: expired sign-in link; a new one: vneidbot officer|operator link", "remote", client)
		p.Error = e.h.say("admin_link_expired")
		e.render(w, http.StatusUnauthorized, "signin", p)
		return
	}
	if errors.Is(err, accounts.ErrBadToken) {
		e.h.limit.fail(r.Context(), client)
		e.h.warn.Warn(client, "admin: wrong account token", "remote", client)
		p.Error = e.h.say("admin_wrong_token")
		e.render(w, http.StatusUnauthorized, "signin", p)
		return
	}
	if err != nil {
		e.fail(w, "sign in", err)
		return
	}
	e.h.log.Info("admin: signed in", "account", a.ID, "role", a.Role)
	http.SetCookie(w, accounts.SessionCookie(sid, secure(r)))
	if a.IsOfficer() {
		next = "/admin/inbox"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (e *Editor) render(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := e.tmpl.ExecuteTemplate(w, name, p); err != nil {
		e.h.log.Error("admin editor: render", "page", name, "err", err)
	}
}

func (e *Editor) fail(w http.ResponseWriter, what string, err error) {
	e.h.log.Error("admin editor: "+what, "err", err)
	http.Error(w, e.h.say("admin_stats_unavailable"), http.StatusServiceUnavailable)
}

// by names an account in versions and the audit log: "Name (id)".
func by(a accounts.Account) string { return a.Name + " (" + a.ID + ")" }

// --- the list ---

// row is one line of the list: a FAQ entry or a flow step.
type row struct {
	Kind, Item, Link, ID, Title, File string
	Complete                          bool   // every locale has every text
	Missing                           string // which locales miss text
	Source                            string
	Checked                           string
	Days                              int // since checked; -1 unknown
	Long                              bool
	Stale                             bool
	Down                              int64 // 👎
	Up                                int64
	Draft                             *Draft
	Attention                         bool
	search                            string
}

type listBody struct {
	Q          string
	Attention  bool
	Add        string // a question to add to the entry chosen ("Thêm vào mục…")
	Rows       []row
	Total      int
	Drafts     []Draft
	Unanswered []missedRow
	Version    int64
}

type missedRow struct {
	stats.Missed
	Answered string // the entry that now has it as a question, if any
}

// downVotes is how many 👎 (and more 👎 than 👍) make an entry need attention.
const downVotes = 3

func (e *Editor) rows(ctx context.Context, cat *content.Catalog) []row {
	var tally map[string]feedback.Tally
	if e.o.Votes != nil {
		t, err := e.o.Votes.Counts(ctx)
		if err != nil {
			e.h.log.Warn("admin editor: vote counts", "err", err)
		}
		tally = t
	}
	today := e.h.now().In(stats.Zone)
	days := cat.Meta.StaleAfterDays
	age := func(checked string) int {
		d, err := time.ParseInLocation(time.DateOnly, checked, stats.Zone)
		if err != nil {
			return -1
		}
		return int(today.Sub(d).Hours() / 24)
	}
	var out []row
	for _, en := range cat.FAQ {
		rw := row{Kind: "faq", Item: "faq:" + en.ID, Link: "/admin/content/faq/" + url.PathEscape(en.ID), ID: en.ID,
			Title: en.Title.Get(cat.DefaultLocale(), cat.DefaultLocale()), File: en.File, Source: en.Source, Checked: en.Checked, Days: age(en.Checked)}
		rw.Missing = missing(cat, en.Title, en.Answer, en.More, en.Next)
		for _, loc := range cat.Meta.Locales {
			if len(en.Questions[loc]) == 0 && !strings.Contains(rw.Missing, loc) {
				rw.Missing = strings.TrimSpace(rw.Missing + " " + loc)
			}
		}
		rw.Complete = rw.Missing == ""
		rw.Long = utf8.RuneCountInString(en.Answer[cat.DefaultLocale()]) > content.MaxAnswer
		rw.Stale = days > 0 && rw.Days > days
		t := tally[en.ID]
		rw.Up, rw.Down = t.Helpful, t.NotHelpful
		rw.Attention = rw.Long || rw.Stale || (rw.Down >= downVotes && rw.Down > rw.Up)
		rw.search = vntext.Fold(strings.Join([]string{en.ID, en.Title[cat.DefaultLocale()], en.Title["en"], strings.Join(en.Questions[cat.DefaultLocale()], " "), strings.Join(en.Keywords, " "), en.Answer[cat.DefaultLocale()]}, " "))
		out = append(out, rw)
	}
	for _, f := range cat.Flows {
		for _, s := range f.Steps {
			checked := s.Checked
			if checked == "" {
				checked = f.Checked
			}
			title := s.Title.Get(cat.DefaultLocale(), cat.DefaultLocale())
			if title == "" {
				title = f.Title.Get(cat.DefaultLocale(), cat.DefaultLocale())
			}
			rw := row{Kind: "step", Item: "step:" + f.ID + "/" + s.ID, Link: "/admin/content/step/" + url.PathEscape(f.ID) + "/" + url.PathEscape(s.ID),
				ID: f.ID + "/" + s.ID, Title: title, File: f.File, Source: orDefault(s.Source, f.Source), Checked: checked, Days: age(checked)}
			labels := []content.Text{s.Text, s.Title}
			for _, c := range s.Choices {
				labels = append(labels, c.Label)
			}
			rw.Missing = missing(cat, labels...)
			rw.Complete = rw.Missing == ""
			rw.Stale = days > 0 && rw.Days > days
			rw.Attention = rw.Stale
			rw.search = vntext.Fold(strings.Join([]string{f.ID, s.ID, title, s.Text[cat.DefaultLocale()]}, " "))
			out = append(out, rw)
		}
	}
	return out
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// missing lists the locales in which some non-empty text lacks a translation.
func missing(cat *content.Catalog, texts ...content.Text) string {
	var out []string
	for _, loc := range cat.Meta.Locales {
		for _, t := range texts {
			if hasText(t) && strings.TrimSpace(t[loc]) == "" {
				out = append(out, loc)
				break
			}
		}
	}
	return strings.Join(out, " ")
}

// matches reports whether every word of the folded query is in the row.
func matches(search string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(search, w) {
			return false
		}
	}
	return true
}

func (e *Editor) list(w http.ResponseWriter, r *http.Request, p page) {
	ctx := r.Context()
	q := r.URL.Query()
	b := listBody{Q: strings.TrimSpace(q.Get("q")), Attention: q.Get("attention") == "1", Add: strings.TrimSpace(q.Get("add"))}
	bs, err := e.base(ctx)
	if err != nil {
		e.fail(w, "read content", err)
		return
	}
	cat := bs.cat
	all := e.rows(ctx, cat)
	b.Total = len(all)
	ds, err := e.d.list(ctx)
	if err != nil {
		e.fail(w, "list drafts", err)
		return
	}
	b.Drafts = ds
	byItem := map[string]*Draft{}
	for i := range ds {
		byItem[ds[i].Item] = &ds[i]
	}
	words := strings.Fields(vntext.Fold(b.Q))
	for _, rw := range all {
		if b.Add != "" && rw.Kind != "faq" {
			continue
		}
		if !matches(rw.search, words) || (b.Attention && !rw.Attention) {
			continue
		}
		rw.Draft = byItem[rw.Item]
		if b.Add != "" {
			rw.Link += "?add=" + url.QueryEscape(b.Add)
		}
		b.Rows = append(b.Rows, rw)
	}
	if b.Attention {
		sort.SliceStable(b.Rows, func(i, j int) bool { return b.Rows[i].Down > b.Rows[j].Down })
	}
	b.Version = bs.version
	b.Unanswered = e.unanswered(ctx, cat, 20)
	p.Title, p.Body = "Nội dung", b
	e.render(w, http.StatusOK, "list", p)
}

// unanswered returns the latest unanswered questions (redacted), each
// marked with the entry that has it as a question now, if one does.
func (e *Editor) unanswered(ctx context.Context, cat *content.Catalog, n int) []missedRow {
	ms, err := e.h.o.Stats.RecentMissed(ctx, n)
	if err != nil {
		e.h.log.Warn("admin editor: recent unanswered", "err", err)
		return nil
	}
	out := make([]missedRow, 0, len(ms))
	for _, m := range ms {
		out = append(out, missedRow{Missed: m, Answered: AnsweredBy(cat, m.Text)})
	}
	return out
}

// AnsweredBy returns the id of the entry that lists question among its
// questions (compared folded, in any language), or "". The dashboard's and
// the editor's unanswered lists use it to show a question as answered once
// an entry with it is published.
func AnsweredBy(cat *content.Catalog, question string) string {
	f := strings.Join(strings.Fields(vntext.Fold(question)), " ")
	if f == "" {
		return ""
	}
	for _, en := range cat.FAQ {
		for _, qs := range en.Questions {
			for _, q := range qs {
				if strings.Join(strings.Fields(vntext.Fold(q)), " ") == f {
					return en.ID
				}
			}
		}
	}
	return ""
}

// splitLines splits a textarea into its non-empty lines.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// splitList splits "a, b, c" into its items.
func splitList(s string) []string {
	var out []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

func parseRev(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
