package admin

import (
	"errors"
	"net/http"
	"path"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/internal/contentstore"
)

// discard deletes a draft (editors and publishers alike).
func (e *Editor) discard(w http.ResponseWriter, r *http.Request, p page) {
	item := r.PostForm.Get("item")
	err := e.d.discard(r.Context(), item, parseRev(r.PostForm.Get("rev")), by(p.Who))
	var ce *ErrConflict
	if errors.As(err, &ce) {
		p.Title, p.Error = "Bản nháp", e.conflict(ce)
		e.render(w, http.StatusConflict, "message", p)
		return
	}
	if err != nil {
		e.fail(w, "discard draft", err)
		return
	}
	http.Redirect(w, r, "/admin/content/", http.StatusSeeOther)
}

// pendingDraft is a draft with its diff against the version serving.
type pendingDraft struct {
	Draft
	Diff []diffLine
}

type publishBody struct {
	Drafts  []pendingDraft
	Version int64
	Note    string
	Errors  []string
}

// publishPage lists the drafts with what each changes (GET) and publishes
// the chosen ones as a new version (POST, publishers only).
func (e *Editor) publishPage(w http.ResponseWriter, r *http.Request, p page) {
	ctx := r.Context()
	p.Title = "Xuất bản"
	var b publishBody
	status := http.StatusOK
	if r.Method == http.MethodPost {
		if !p.Who.CanPublish() {
			p.Error = e.h.say("editor_publisher_only")
			e.render(w, http.StatusForbidden, "message", p)
			return
		}
		b.Note = strings.TrimSpace(r.PostForm.Get("note"))
		revs := map[string]int64{}
		for _, v := range r.PostForm["pick"] {
			item, rev, ok := strings.Cut(v, "@")
			if ok {
				revs[item] = parseRev(rev)
			}
		}
		switch {
		case len(revs) == 0:
			p.Error = e.h.say("editor_pick_drafts")
		case b.Note == "":
			p.Error = e.h.say("editor_note_needed")
		default:
			v, err := e.d.publish(ctx, revs, b.Note, by(p.Who))
			var ce *ErrConflict
			var inv *contentstore.InvalidError
			switch {
			case errors.As(err, &ce):
				p.Error = e.conflict(ce)
				status = http.StatusConflict
			case errors.As(err, &inv):
				p.Error = e.h.say("editor_publish_invalid")
				for _, pr := range inv.Problems {
					b.Errors = append(b.Errors, pr.String())
				}
				status = http.StatusUnprocessableEntity
			case errors.As(err, new(errNoItem)):
				p.Error = e.h.say("editor_publish_invalid") + " " + err.Error()
				status = http.StatusConflict
			case err != nil:
				e.fail(w, "publish", err)
				return
			default:
				e.h.log.Info("admin editor: published", "version", v.Number, "by", p.Who.ID, "items", len(revs))
				http.Redirect(w, r, "/admin/content/history?published="+strconv.FormatInt(v.Number, 10), http.StatusSeeOther)
				return
			}
		}
	}
	bs, err := e.base(ctx)
	if err != nil {
		e.fail(w, "read content", err)
		return
	}
	base, served := bs.files, bs.version
	ds, err := e.d.list(ctx)
	if err != nil {
		e.fail(w, "list drafts", err)
		return
	}
	locales := bs.cat.Meta.Locales
	for _, dr := range ds {
		after := ""
		if t, err := applyDraft(base, dr, locales); err == nil {
			after = itemYAML(t, dr.File, dr.Item)
		} else {
			after = "# " + err.Error()
		}
		b.Drafts = append(b.Drafts, pendingDraft{Draft: dr, Diff: lineDiff(itemYAML(base, dr.File, dr.Item), after)})
	}
	b.Version = served
	p.Body = b
	e.render(w, status, "publish", p)
}

type historyBody struct {
	Versions  []contentstore.Version
	Current   contentstore.Current
	Audit     []Audit
	Published string
	Items     []string
}

func (e *Editor) history(w http.ResponseWriter, r *http.Request, p page) {
	ctx := r.Context()
	var b historyBody
	var err error
	if b.Versions, err = e.o.Versions.Versions(ctx, 50); err != nil {
		e.fail(w, "list versions", err)
		return
	}
	if b.Current, err = e.o.Versions.Current(ctx); err != nil {
		e.fail(w, "current version", err)
		return
	}
	if b.Audit, err = e.d.auditLog(ctx, 200, r.URL.Query().Get("item")); err != nil {
		e.fail(w, "audit log", err)
		return
	}
	if n := r.URL.Query().Get("published"); n != "" {
		p.Notice = e.h.say("editor_published", "n", n)
	}
	if n := r.URL.Query().Get("rolledback"); n != "" {
		p.Notice = e.h.say("editor_rolled_back", "n", n)
	}
	if bs, err := e.base(ctx); err == nil {
		for _, rw := range e.rows(ctx, bs.cat) {
			b.Items = append(b.Items, rw.Item)
		}
	}
	p.Title, p.Body = "Lịch sử", b
	e.render(w, http.StatusOK, "history", p)
}

// rollback makes an older version current again (publishers only).
func (e *Editor) rollback(w http.ResponseWriter, r *http.Request, p page) {
	if !p.Who.CanPublish() {
		p.Title, p.Error = "Quay lại", e.h.say("editor_publisher_only")
		e.render(w, http.StatusForbidden, "message", p)
		return
	}
	n := parseRev(r.PostForm.Get("version"))
	note := strings.TrimSpace(r.PostForm.Get("note"))
	_, err := e.d.rollback(r.Context(), n, note, by(p.Who))
	var inv *contentstore.InvalidError
	switch {
	case errors.Is(err, contentstore.ErrNotFound):
		http.NotFound(w, r)
		return
	case errors.As(err, &inv):
		p.Title, p.Error = "Quay lại", e.h.say("editor_publish_invalid")+" "+inv.Error()
		e.render(w, http.StatusUnprocessableEntity, "message", p)
		return
	case err != nil:
		e.fail(w, "rollback", err)
		return
	}
	e.h.log.Info("admin editor: rolled back", "version", n, "by", p.Who.ID)
	http.Redirect(w, r, "/admin/content/history?rolledback="+strconv.FormatInt(n, 10), http.StatusSeeOther)
}

type diffBody struct {
	Item     string
	A, B     string
	Lines    []diffLine
	Versions []contentstore.Version
	Same     bool
}

// diff shows what changed in one entry or step between two versions ("0"
// is the built-in content, "draft" the item's draft).
func (e *Editor) diff(w http.ResponseWriter, r *http.Request, p page) {
	ctx := r.Context()
	q := r.URL.Query()
	b := diffBody{Item: q.Get("item"), A: q.Get("a"), B: q.Get("b")}
	var err error
	if b.Versions, err = e.o.Versions.Versions(ctx, 100); err != nil {
		e.fail(w, "list versions", err)
		return
	}
	side := func(v string) (string, error) {
		if v == "draft" {
			dr, err := e.d.get(ctx, b.Item)
			if err != nil || dr == nil {
				return "", err
			}
			bs, err := e.base(ctx)
			if err != nil {
				return "", err
			}
			t, err := applyDraft(bs.files, *dr, bs.cat.Meta.Locales)
			if err != nil {
				return "# " + err.Error(), nil
			}
			return itemYAML(t, dr.File, dr.Item), nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", nil
		}
		t, err := e.d.versionTree(ctx, n)
		if errors.Is(err, contentstore.ErrNotFound) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		return itemYAML(t, locate(t, b.Item), b.Item), nil
	}
	if b.Item != "" && b.A != "" && b.B != "" {
		a, err := side(b.A)
		if err != nil {
			e.fail(w, "diff", err)
			return
		}
		bb, err := side(b.B)
		if err != nil {
			e.fail(w, "diff", err)
			return
		}
		b.Lines, b.Same = lineDiff(a, bb), a == bb
	}
	p.Title, p.Body = "So sánh", b
	e.render(w, http.StatusOK, "diff", p)
}

// locate finds the file that holds item in t: a FAQ file with the entry,
// or the flow file whose id is the step's flow.
func locate(t tree, item string) string {
	kind, id := splitItem(item)
	flow, _, _ := strings.Cut(id, "/")
	for name, data := range t {
		dir := path.Dir(name)
		if kind == "faq" && dir == "faq" && strings.Contains(string(data), "id: "+id) {
			if root, err := parseFile(data); err == nil {
				for _, it := range root.Content {
					if v := valueOf(it, "id"); v != nil && v.Value == id {
						return name
					}
				}
			}
		}
		if kind == "step" && dir == "flows" {
			var head struct {
				ID string `yaml:"id"`
			}
			if yaml.Unmarshal(data, &head) == nil && head.ID == flow {
				return name
			}
		}
	}
	return ""
}

// diffLine is one line of a line diff: Op is ' ', '-' or '+'.
type diffLine struct {
	Op   string
	Text string
}

// lineDiff is the shortest line diff of a and b (longest common
// subsequence; items are tens of lines).
func lineDiff(a, b string) []diffLine {
	x, y := splitNonEmpty(a), splitNonEmpty(b)
	n, m := len(x), len(y)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []diffLine
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case x[i] == y[j]:
			out = append(out, diffLine{" ", x[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			out = append(out, diffLine{"-", x[i]})
			i++
		default:
			out = append(out, diffLine{"+", y[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"-", x[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"+", y[j]})
	}
	return out
}

func splitNonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}
