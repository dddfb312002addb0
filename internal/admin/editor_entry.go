package admin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/flows"
	"github.com/vneid-guide/vneidbot/internal/faq"
	"github.com/vneid-guide/vneidbot/internal/stats"
	"github.com/vneid-guide/vneidbot/internal/zalo"
)

// entryForm is an entry's fields as the form shows them.
type entryForm struct {
	ID, File                           string
	TitleVi, TitleEn                   string
	QVi, QEn                           string // one question per line
	Keywords, Related                  string // comma-separated
	AnswerVi, AnswerEn, MoreVi, MoreEn string
	NextVi, NextEn, Source, Checked    string
	Note                               string
	Stamp                              string
	Ask                                string
	Action                             string
	Files                              []string
	New                                bool
	Draft                              *Draft
	Problems                           map[string][]problemLine
	General                            []problemLine
	Preview                            *previewBody
	Conflict                           string
	Max                                map[string]int
	ErrorCount                         int
	ServedVersion                      int64
	Added                              string // the question added from the unanswered list
	Item                               string
	StepForm                           *stepForm
	Flow                               string
	Step                               string
	PublishedHasItem                   bool
	CanPublish                         bool
}

type problemLine struct {
	Msg     string
	Warning bool
}

var limits = map[string]int{
	"title": content.MaxButtonLabel, "answer": content.MaxAnswer, "text": content.MaxText,
	"more": content.MaxText, "next": content.MaxNext, "label": content.MaxButtonLabel,
}

func formOf(f EntryFields) entryForm {
	return entryForm{
		TitleVi: f.Title["vi"], TitleEn: f.Title["en"],
		QVi: strings.Join(f.Questions["vi"], "\n"), QEn: strings.Join(f.Questions["en"], "\n"),
		Keywords: strings.Join(f.Keywords, ", "), Related: strings.Join(f.Related, ", "),
		AnswerVi: f.Answer["vi"], AnswerEn: f.Answer["en"], MoreVi: f.More["vi"], MoreEn: f.More["en"],
		NextVi: f.Next["vi"], NextEn: f.Next["en"], Source: f.Source, Checked: f.Checked,
	}
}

func text(vi, en string) content.Text {
	t := content.Text{}
	if s := strings.TrimSpace(strings.ReplaceAll(vi, "\r\n", "\n")); s != "" {
		t["vi"] = s
	}
	if s := strings.TrimSpace(strings.ReplaceAll(en, "\r\n", "\n")); s != "" {
		t["en"] = s
	}
	if len(t) == 0 {
		return nil
	}
	return t
}

func (f entryForm) fields() EntryFields {
	q := map[string][]string{}
	if l := splitLines(f.QVi); len(l) > 0 {
		q["vi"] = l
	}
	if l := splitLines(f.QEn); len(l) > 0 {
		q["en"] = l
	}
	return EntryFields{
		Title: text(f.TitleVi, f.TitleEn), Questions: q, Keywords: splitList(f.Keywords),
		Answer: text(f.AnswerVi, f.AnswerEn), More: text(f.MoreVi, f.MoreEn), Next: text(f.NextVi, f.NextEn),
		Related: splitList(f.Related), Source: strings.TrimSpace(f.Source), Checked: strings.TrimSpace(f.Checked),
	}
}

func readEntryForm(r *http.Request) entryForm {
	v := r.PostForm
	return entryForm{
		ID: strings.TrimSpace(v.Get("id")), File: v.Get("file"),
		TitleVi: v.Get("title_vi"), TitleEn: v.Get("title_en"), QVi: v.Get("q_vi"), QEn: v.Get("q_en"),
		Keywords: v.Get("keywords"), Related: v.Get("related"),
		AnswerVi: v.Get("answer_vi"), AnswerEn: v.Get("answer_en"), MoreVi: v.Get("more_vi"), MoreEn: v.Get("more_en"),
		NextVi: v.Get("next_vi"), NextEn: v.Get("next_en"), Source: v.Get("source"), Checked: v.Get("checked"),
		Note: strings.TrimSpace(v.Get("note")), Stamp: v.Get("stamp"), Ask: strings.TrimSpace(v.Get("ask")),
		Action: v.Get("action"),
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// entry serves the edit form of a FAQ entry (or of a new one).
func (e *Editor) entry(w http.ResponseWriter, r *http.Request, p page, id string, isNew bool) {
	ctx := r.Context()
	bs, err := e.base(ctx)
	if err != nil {
		e.fail(w, "read content", err)
		return
	}
	base, served, baseCat := bs.files, bs.version, bs.cat
	var f entryForm
	var dr *Draft
	if !isNew {
		en := baseCat.Entry(id)
		if dr, err = e.d.get(ctx, "faq:"+id); err != nil {
			e.fail(w, "read draft", err)
			return
		}
		switch {
		case dr != nil && dr.Entry != nil:
			f = formOf(*dr.Entry)
			f.File, f.New = dr.File, dr.New
		case en != nil:
			f = formOf(entryFields(en))
			f.File = en.File
			f.PublishedHasItem = true
		default:
			http.NotFound(w, r)
			return
		}
		f.ID = id
		f.PublishedHasItem = en != nil
	} else {
		f = entryForm{New: true, File: "faq/app.yaml", Checked: e.h.now().In(stats.Zone).Format(time.DateOnly)}
	}
	f.Item = "faq:" + f.ID
	f.Stamp = stamp(dr, itemYAML(base, f.File, f.Item))
	if r.Method == http.MethodGet {
		if q := strings.TrimSpace(r.URL.Query().Get("add")); q != "" {
			f.Added = q
			if AnsweredBy(baseCat, q) == "" {
				f.QVi = strings.TrimSpace(f.QVi + "\n" + q)
			}
		}
		if q := strings.TrimSpace(r.URL.Query().Get("q")); q != "" && isNew {
			f.QVi, f.Added = q, q
		}
		if r.URL.Query().Get("saved") == "1" {
			p.Notice = e.h.say("editor_saved")
		}
	}
	if r.Method == http.MethodPost {
		posted := readEntryForm(r)
		if !isNew {
			posted.ID, posted.File, posted.New = f.ID, f.File, f.New
		} else {
			posted.New = true
		}
		posted.Item = "faq:" + posted.ID
		f = posted
	}
	f.Draft, f.Files, f.Max, f.ServedVersion, f.CanPublish = dr, base.faqFiles(), limits, served, p.Who.CanPublish()
	if isNew {
		f.Item = "faq:" + f.ID
	}

	if r.Method == http.MethodPost {
		if isNew && !idPattern.MatchString(f.ID) {
			f.General = append(f.General, problemLine{Msg: e.h.say("editor_bad_id")})
			f.ErrorCount++
		} else if isNew && baseCat.Entry(f.ID) != nil {
			f.General = append(f.General, problemLine{Msg: e.h.say("editor_id_taken", "id", f.ID)})
			f.ErrorCount++
		} else if isNew && !contains(f.Files, f.File) {
			f.File = "faq/app.yaml"
		}
		draft := Draft{Item: f.Item, File: f.File, New: isNew || f.New, By: by(p.Who), Note: f.Note}
		fields := f.fields()
		draft.Entry = &fields
		var cat *content.Catalog
		if f.ErrorCount == 0 {
			cat = e.check(baseCat, base, draft, "faq "+f.ID, &f)
		}
		switch f.Action {
		case "preview":
			f.Preview = e.preview(ctx, cat, f.Ask)
		case "save":
			if f.ErrorCount > 0 {
				p.Error = e.h.say("editor_fix_first")
				break
			}
			now, err := e.d.itemStamp(ctx, f.Item, f.File)
			if err != nil {
				e.fail(w, "check version", err)
				return
			}
			if isNew {
				f.Stamp = now // a new entry has no earlier state to compare with
			}
			saved, err := e.d.save(ctx, draft, f.Stamp, now)
			var ce *ErrConflict
			if errors.As(err, &ce) {
				f.Conflict = e.conflict(ce)
				break
			}
			if err != nil {
				e.fail(w, "save draft", err)
				return
			}
			e.h.log.Info("admin editor: draft saved", "item", saved.Item, "by", p.Who.ID, "rev", saved.Rev)
			http.Redirect(w, r, "/admin/content/faq/"+url.PathEscape(f.ID)+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	p.Title = orDefault(f.TitleVi, f.ID)
	if isNew {
		p.Title = "Mục mới"
	}
	status := http.StatusOK
	if f.Conflict != "" {
		status = http.StatusConflict
	}
	p.Body = f
	e.render(w, status, "entry", p)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// conflict is the clear message of a refused save.
func (e *Editor) conflict(ce *ErrConflict) string {
	who := ce.By
	if who == "" {
		who = "?"
	}
	t := ce.Time.In(stats.Zone).Format("15:04 02/01")
	if ce.What == "publish" {
		return e.h.say("editor_conflict_published", "by", who, "time", t)
	}
	return e.h.say("editor_conflict", "by", who, "time", t)
}

// check applies draft to the base files and validates the result. The
// problems about the item (where, e.g. "faq install_android") go next to
// their field in f; the other errors, which would stop a publish, go to
// f.General. It returns the draft's catalog, or nil when it has errors.
func (e *Editor) check(baseCat *content.Catalog, base tree, draft Draft, where string, f *entryForm) *content.Catalog {
	t, err := applyDraft(base, draft, baseCat.Meta.Locales)
	if err != nil {
		f.General = append(f.General, problemLine{Msg: err.Error()})
		f.ErrorCount++
		return nil
	}
	today := e.h.now().In(stats.Zone).Format(time.DateOnly)
	cat, problems := content.Load(t.fsys(), content.Options{Today: today})
	f.Problems = map[string][]problemLine{}
	for _, pr := range problems {
		if !pr.Warning {
			f.ErrorCount++
		}
		pl := problemLine{Msg: pr.Msg, Warning: pr.Warning}
		if field, ok := fieldOf(pr.Msg, where); ok && pr.File == draft.File {
			f.Problems[field] = append(f.Problems[field], pl)
			continue
		}
		if !pr.Warning {
			pl.Msg = pr.String()
			f.General = append(f.General, pl)
		}
	}
	return cat
}

// fieldOf maps a validator message about where ("faq <id>" or "flow <f>
// step <s>") to the form field it concerns.
func fieldOf(msg, where string) (string, bool) {
	rest, ok := strings.CutPrefix(msg, where)
	if !ok || rest != "" && rest[0] != ':' && rest[0] != ' ' {
		return "", false
	}
	rest = strings.TrimLeft(rest, ": ")
	word := rest
	if i := strings.IndexAny(rest, " :("); i >= 0 {
		word = rest[:i]
	}
	switch word {
	case "title", "answer", "more", "next", "related", "source", "checked", "text", "id":
		return word, true
	case "question", "questions", "no":
		return "questions", true
	case "last":
		return "checked", true
	case "choice", "button", "label", "link":
		return "labels", true
	}
	return "general", true
}

// --- preview ---

type previewBody struct {
	Question     string
	Entry        string
	EntryTitle   string
	Verdict      string
	Score        float64
	Alternatives []faq.Hit
	Web          []webBubble
	Telegram     []webBubble
	Zalo         []webBubble
	Error        string
}

// webBubble is one message as a channel shows it: text and rows of buttons.
type webBubble struct {
	Text string
	Rows [][]bubbleButton
}

type bubbleButton struct {
	Label string
	Link  bool // opens a web address or calls
}

// preview shows what the bot answers to question with the draft's content
// cat: the entry, the verdict and the alternatives as "ask" computes them,
// and the replies as Zalo, Telegram and the web chat show them.
func (e *Editor) preview(ctx context.Context, cat *content.Catalog, question string) *previewBody {
	pb := &previewBody{Question: question}
	switch {
	case question == "":
		pb.Error = e.h.say("editor_preview_empty")
		return pb
	case cat == nil:
		pb.Error = e.h.say("editor_preview_invalid")
		return pb
	}
	// As "vneidbot ask" judges a question: in the content's default
	// locale, in a conversation that knows nothing yet.
	ix := faq.New(cat)
	res := ix.SearchIn(question, cat.DefaultLocale(), faq.Context{})
	pb.Verdict = res.Verdict.String()
	alts := res.Hits
	if len(res.Hits) > 0 {
		pb.Score = res.Hits[0].Score
		if res.Verdict == faq.Confident {
			pb.Entry, pb.EntryTitle = res.Hits[0].ID, res.Hits[0].Question
			alts = alts[1:]
		}
	}
	pb.Alternatives = alts
	eng, err := flows.New(cat, e.scratch, flows.Options{})
	if err != nil {
		pb.Error = err.Error()
		return pb
	}
	chat := make([]byte, 8)
	_, _ = rand.Read(chat)
	in := flows.Inbound{Channel: flows.Preview, ChatID: hex.EncodeToString(chat), Kind: flows.KindStart}
	// The in-process Redis does not expire keys by itself: forget the
	// throwaway conversation once shown.
	defer func() {
		rdb := e.scratch.Client()
		if keys, err := rdb.Keys(context.WithoutCancel(ctx), "*"+in.ChatID+"*").Result(); err == nil && len(keys) > 0 {
			rdb.Del(context.WithoutCancel(ctx), keys...)
		}
	}()
	if _, err := eng.Handle(ctx, in); err != nil {
		pb.Error = err.Error()
		return pb
	}
	in.Kind, in.Text = flows.KindText, question
	replies, err := eng.Handle(ctx, in)
	if err != nil {
		pb.Error = err.Error()
		return pb
	}
	pb.Web = bubbles(replies, true)
	pb.Telegram = bubbles(replies, false)
	pb.Zalo = zaloBubbles(replies, cat)
	return pb
}

// bubbles shows replies as text with rows of buttons under it, as the web
// chat shows them. With telLinks false, as the Telegram adapter sends them:
// "tel:" links (which inline buttons cannot open) become a line of text.
func bubbles(replies []flows.Reply, telLinks bool) []webBubble {
	var out []webBubble
	for _, r := range replies {
		b := webBubble{Text: r.Text}
		for _, row := range r.Buttons {
			var br []bubbleButton
			for _, bt := range row {
				if !telLinks && strings.HasPrefix(bt.URL, "tel:") {
					b.Text += "\n\n📞 " + bt.Label
					continue
				}
				br = append(br, bubbleButton{Label: bt.Label, Link: bt.URL != ""})
			}
			if len(br) > 0 {
				b.Rows = append(b.Rows, br)
			}
		}
		out = append(out, b)
	}
	return out
}

// zaloBubbles renders replies with the Zalo OA adapter itself: long texts
// split, at most 5 buttons a message, one under another.
func zaloBubbles(replies []flows.Reply, cat *content.Catalog) []webBubble {
	var out []webBubble
	for _, m := range zalo.Render(replies, cat.Msg) {
		b := webBubble{Text: m.Text}
		if m.Attachment != nil {
			for _, bt := range m.Attachment.Payload.Buttons {
				b.Rows = append(b.Rows, []bubbleButton{{Label: bt.Title, Link: bt.Type != "oa.query.hide"}})
			}
			if m.Attachment.Payload.TemplateType == "media" {
				b.Text = "🖼"
			}
		}
		out = append(out, b)
	}
	return out
}

// --- flow steps ---

type stepForm struct {
	FlowTitle        string
	TitleVi, TitleEn string
	TextVi, TextEn   string
	Choices          []labelForm
	Links            []labelForm
}

type labelForm struct {
	Key      string // choice id, or link position
	Next     string // where a choice leads (read-only)
	URL      string
	Vi, En   string
	NameVi   string
	NameEn   string
	ReadOnly bool
}

func (e *Editor) step(w http.ResponseWriter, r *http.Request, p page, ref string) {
	ctx := r.Context()
	flowID, stepID, ok := strings.Cut(ref, "/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	bs, err := e.base(ctx)
	if err != nil {
		e.fail(w, "read content", err)
		return
	}
	base, served, baseCat := bs.files, bs.version, bs.cat
	fl := baseCat.Flow(flowID)
	if fl == nil || fl.Step(stepID) == nil {
		http.NotFound(w, r)
		return
	}
	st := fl.Step(stepID)
	item := "step:" + flowID + "/" + stepID
	dr, err := e.d.get(ctx, item)
	if err != nil {
		e.fail(w, "read draft", err)
		return
	}
	fields := stepFields(st)
	if dr != nil && dr.Step != nil {
		fields = *dr.Step
	}
	f := entryForm{Item: item, File: fl.File, Flow: flowID, Step: stepID, Draft: dr, Max: limits, ServedVersion: served,
		Stamp: stamp(dr, itemYAML(base, fl.File, item)), CanPublish: p.Who.CanPublish()}
	if r.Method == http.MethodPost {
		f.Note, f.Stamp, f.Action = strings.TrimSpace(r.PostForm.Get("note")), r.PostForm.Get("stamp"), r.PostForm.Get("action")
		fields.Title = text(r.PostForm.Get("title_vi"), r.PostForm.Get("title_en"))
		fields.Text = text(r.PostForm.Get("text_vi"), r.PostForm.Get("text_en"))
		for _, c := range st.Choices {
			if t := text(r.PostForm.Get("choice_vi_"+c.ID), r.PostForm.Get("choice_en_"+c.ID)); t != nil {
				fields.Choices[c.ID] = t
			}
		}
		for i := range st.Links {
			if i < len(fields.Links) {
				if t := text(r.PostForm.Get(fmt.Sprintf("link_vi_%d", i)), r.PostForm.Get(fmt.Sprintf("link_en_%d", i))); t != nil {
					fields.Links[i] = t
				}
			}
		}
	}
	sf := &stepForm{FlowTitle: fl.Title.Get("vi", "vi"), TitleVi: fields.Title["vi"], TitleEn: fields.Title["en"], TextVi: fields.Text["vi"], TextEn: fields.Text["en"]}
	for _, c := range st.Choices {
		l := fields.Choices[c.ID]
		sf.Choices = append(sf.Choices, labelForm{Key: c.ID, Next: c.Next, Vi: l["vi"], En: l["en"]})
	}
	for i, l := range st.Links {
		lf := labelForm{Key: fmt.Sprint(i), URL: l.URL}
		if i < len(fields.Links) {
			lf.Vi, lf.En = fields.Links[i]["vi"], fields.Links[i]["en"]
		}
		sf.Links = append(sf.Links, lf)
	}
	f.StepForm = sf
	if r.Method == http.MethodPost {
		draft := Draft{Item: item, File: fl.File, Step: &fields, By: by(p.Who), Note: f.Note}
		e.check(baseCat, base, draft, "flow "+flowID+" step "+stepID, &f)
		if f.Action == "save" {
			if f.ErrorCount > 0 {
				p.Error = e.h.say("editor_fix_first")
			} else {
				now, err := e.d.itemStamp(ctx, item, fl.File)
				if err != nil {
					e.fail(w, "check version", err)
					return
				}
				saved, err := e.d.save(ctx, draft, f.Stamp, now)
				var ce *ErrConflict
				switch {
				case errors.As(err, &ce):
					f.Conflict = e.conflict(ce)
				case err != nil:
					e.fail(w, "save draft", err)
					return
				default:
					e.h.log.Info("admin editor: draft saved", "item", saved.Item, "by", p.Who.ID, "rev", saved.Rev)
					http.Redirect(w, r, "/admin/content/step/"+url.PathEscape(flowID)+"/"+url.PathEscape(stepID)+"?saved=1", http.StatusSeeOther)
					return
				}
			}
		}
	} else if r.URL.Query().Get("saved") == "1" {
		p.Notice = e.h.say("editor_saved")
	}
	p.Title = flowID + " / " + stepID
	p.Body = f
	status := http.StatusOK
	if f.Conflict != "" {
		status = http.StatusConflict
	}
	e.render(w, status, "step", p)
}
