package admin

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/content"
)

func loadTree(t testing.TB, tr tree) *content.Catalog {
	t.Helper()
	cat, problems := content.Load(tr.fsys(), content.Options{})
	if cat == nil {
		t.Fatalf("content does not load:\n%v", problems.Err())
	}
	return cat
}

func builtinTree(t testing.TB) tree {
	t.Helper()
	tr, err := readTree(content.Embedded)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func sameEntry(a, b *content.Entry) bool {
	x, y := *a, *b
	x.Line, y.Line = 0, 0
	x.Links, y.Links = nil, nil
	if len(a.Links) != len(b.Links) {
		return false
	}
	for i := range a.Links {
		if a.Links[i].URL != b.Links[i].URL || !reflect.DeepEqual(a.Links[i].Label, b.Links[i].Label) {
			return false
		}
	}
	return reflect.DeepEqual(x, y)
}

// TestApplyUnchangedKeepsEveryEntry writes every entry and every step back
// unchanged, one after another: the content must read exactly as before.
func TestApplyUnchangedKeepsEveryEntry(t *testing.T) {
	tr := builtinTree(t)
	cat := loadTree(t, tr)
	out := tr
	var err error
	for _, e := range cat.FAQ {
		f := entryFields(e)
		if out, err = applyDraft(out, Draft{Item: "faq:" + e.ID, File: e.File, Entry: &f}, cat.Meta.Locales); err != nil {
			t.Fatalf("%s: %v", e.ID, err)
		}
	}
	for _, fl := range cat.Flows {
		for _, s := range fl.Steps {
			f := stepFields(s)
			if out, err = applyDraft(out, Draft{Item: "step:" + fl.ID + "/" + s.ID, File: fl.File, Step: &f}, cat.Meta.Locales); err != nil {
				t.Fatalf("%s/%s: %v", fl.ID, s.ID, err)
			}
		}
	}
	got := loadTree(t, out)
	if len(got.FAQ) != len(cat.FAQ) {
		t.Fatalf("%d entries, want %d", len(got.FAQ), len(cat.FAQ))
	}
	for _, e := range cat.FAQ {
		if g := got.Entry(e.ID); g == nil || !sameEntry(g, e) {
			t.Fatalf("entry %s changed when written back unchanged:\n%+v\n%+v", e.ID, g, e)
		}
	}
	for _, fl := range cat.Flows {
		gf := got.Flow(fl.ID)
		if gf == nil || len(gf.Steps) != len(fl.Steps) {
			t.Fatalf("flow %s lost steps", fl.ID)
		}
		for i, gs := range gf.Steps {
			a, b := *gs, *fl.Steps[i]
			a.Line, b.Line = 0, 0
			a.Choices, b.Choices = nil, nil
			a.Links, b.Links = nil, nil
			if !reflect.DeepEqual(a, b) || len(gs.Choices) != len(fl.Steps[i].Choices) || len(gs.Links) != len(fl.Steps[i].Links) {
				t.Fatalf("step %s/%s changed when written back unchanged:\n%+v\n%+v", fl.ID, gs.ID, a, b)
			}
			for j, c := range gs.Choices {
				o := fl.Steps[i].Choices[j]
				if c.ID != o.ID || c.Next != o.Next || !reflect.DeepEqual(c.Label, o.Label) || !reflect.DeepEqual(c.Words, o.Words) {
					t.Fatalf("choice %s of %s/%s changed", c.ID, fl.ID, gs.ID)
				}
			}
			for j, l := range gs.Links {
				o := fl.Steps[i].Links[j]
				if l.URL != o.URL || !reflect.DeepEqual(l.Label, o.Label) {
					t.Fatalf("link %d of %s/%s changed", j, fl.ID, gs.ID)
				}
			}
		}
	}
}

func TestApplyChangesAndNewEntry(t *testing.T) {
	tr := builtinTree(t)
	cat := loadTree(t, tr)
	e := cat.FAQ[0]
	f := entryFields(e)
	f.Answer = content.Text{"vi": "Câu trả lời mới.\nDòng hai: yes", "en": "New answer."}
	f.Questions = map[string][]string{"vi": append([]string{"câu hỏi mới của dân"}, e.Questions["vi"]...), "en": e.Questions["en"]}
	f.More = nil
	out, err := applyDraft(tr, Draft{Item: "faq:" + e.ID, File: e.File, Entry: &f}, cat.Meta.Locales)
	if err != nil {
		t.Fatal(err)
	}
	got := loadTree(t, out).Entry(e.ID)
	if got.Answer["vi"] != "Câu trả lời mới.\nDòng hai: yes" || got.Questions["vi"][0] != "câu hỏi mới của dân" || got.More != nil {
		t.Fatalf("changes not written: %+v", got)
	}
	// Other files are the same bytes.
	for name, b := range tr {
		if name != e.File && !bytes.Equal(out[name], b) {
			t.Errorf("%s changed", name)
		}
	}

	nf := EntryFields{
		Title:     content.Text{"vi": "Mục mới", "en": "New entry"},
		Questions: map[string][]string{"vi": {"làm sao để thử"}, "en": {"how to try"}},
		Answer:    content.Text{"vi": "Thử thế này.", "en": "Try this."},
		Source:    "[S4]", Checked: "2026-12-01",
	}
	out, err = applyDraft(out, Draft{Item: "faq:muc_moi", File: "faq/app.yaml", New: true, Entry: &nf}, cat.Meta.Locales)
	if err != nil {
		t.Fatal(err)
	}
	c2 := loadTree(t, out)
	if n := c2.Entry("muc_moi"); n == nil || n.Answer["en"] != "Try this." || n.Checked != "2026-12-01" || n.File != "faq/app.yaml" {
		t.Fatalf("new entry = %+v", n)
	}
	if _, err := applyDraft(out, Draft{Item: "faq:muc_moi", File: "faq/app.yaml", New: true, Entry: &nf}, cat.Meta.Locales); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a second new entry with the same id: %v", err)
	}
	if itemYAML(out, "faq/app.yaml", "faq:muc_moi") == "" || itemYAML(out, "faq/app.yaml", "faq:nope") != "" {
		t.Fatal("itemYAML finds the new entry and nothing else")
	}
}

func TestApplyStepLabels(t *testing.T) {
	tr := builtinTree(t)
	cat := loadTree(t, tr)
	var fl *content.Flow
	var st *content.Step
	for _, f := range cat.Flows {
		for _, s := range f.Steps {
			if len(s.Choices) > 0 && st == nil {
				fl, st = f, s
			}
		}
	}
	f := stepFields(st)
	f.Text = content.Text{"vi": "Văn bản mới của bước.", "en": "New step text."}
	f.Choices[st.Choices[0].ID] = content.Text{"vi": "Nút mới", "en": "New button"}
	out, err := applyDraft(tr, Draft{Item: "step:" + fl.ID + "/" + st.ID, File: fl.File, Step: &f}, cat.Meta.Locales)
	if err != nil {
		t.Fatal(err)
	}
	got := loadTree(t, out).Flow(fl.ID).Step(st.ID)
	if got.Text["vi"] != "Văn bản mới của bước." || got.Choices[0].Label["en"] != "New button" || got.Choices[0].Next != st.Choices[0].Next {
		t.Fatalf("step = %+v", got)
	}
}

// FuzzAnswerRoundTrip: whatever an editor types as an answer is written to
// the YAML so that it reads back exactly (after the form's trimming), and
// nothing else of the file changes.
func FuzzAnswerRoundTrip(f *testing.F) {
	tr := builtinTree(f)
	cat := loadTree(f, tr)
	e := cat.Entry("forgot_password")
	for _, s := range []string{"yes", "a: b", "- x", "# not a comment", "'quoted'", "\"dq\"", "line1\n  indented\nline3", "tab\there", "ends with colon:", "{a: 1}", "12", "~", "null", "Mẫu trả lời: https://vneid.gov.vn", "   lead", "trail   \n\n\nend", "|", ">", "&anchor *alias", "!tag"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\r\x00") || !printableText(s) {
			t.Skip()
		}
		s = strings.TrimSpace(s)
		if s == "" {
			t.Skip()
		}
		fields := entryFields(e)
		fields.Answer = content.Text{"vi": s, "en": "x"}
		out, err := applyDraft(tr, Draft{Item: "faq:forgot_password", File: e.File, Entry: &fields}, cat.Meta.Locales)
		if err != nil {
			t.Fatal(err)
		}
		var entries []struct {
			ID     string            `yaml:"id"`
			Answer map[string]string `yaml:"answer"`
		}
		if err := yaml.Unmarshal(out[e.File], &entries); err != nil {
			t.Fatalf("the file does not parse: %v", err)
		}
		found := 0
		for _, en := range entries {
			if en.ID == "forgot_password" {
				found++
				if en.Answer["vi"] != s {
					t.Fatalf("answer %q reads back as %q", s, en.Answer["vi"])
				}
			}
		}
		if found != 1 || len(entries) != bytes.Count(tr[e.File], []byte("\n- id:"))+boolInt(bytes.HasPrefix(tr[e.File], []byte("- id:"))) {
			t.Fatalf("%d entries named forgot_password, %d entries in all", found, len(entries))
		}
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// printableText is what a browser's textarea can send: no control
// characters but newlines and tabs.
func printableText(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0xfeff {
			return false
		}
	}
	return true
}
