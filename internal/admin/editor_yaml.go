package admin

import (
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing/fstest"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/content"
	"github.com/vneid-guide/vneidbot/internal/contentstore"
)

// tree is a content folder held in memory: path → the file's bytes. The
// editor applies drafts to the files of the published version, so a
// version made in the browser is files like any other: "content export"
// writes them out unchanged and "content check" reads them.
type tree map[string][]byte

// readTree reads the content files of fsys (what contentstore.Pack keeps).
func readTree(fsys fs.FS) (tree, error) {
	t := tree{}
	err := contentstore.Walk(fsys, func(name string, data []byte) error {
		t[name] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read content files: %w", err)
	}
	return t, nil
}

// clone copies the map (file contents are never modified in place).
func (t tree) clone() tree {
	c := make(tree, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

// fsys is the tree as a file system.
func (t tree) fsys() fs.FS {
	m := fstest.MapFS{}
	for k, v := range t {
		m[k] = &fstest.MapFile{Data: v, Mode: 0o644}
	}
	return m
}

// faqFiles lists the FAQ files, for a new entry's "file" choice.
func (t tree) faqFiles() []string {
	var out []string
	for k := range t {
		if strings.HasPrefix(k, "faq/") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// EntryFields are the fields of a FAQ entry that the editor changes. The
// others (flow, links) stay as they are in the files.
type EntryFields struct {
	Title     content.Text        `json:"title"`
	Questions map[string][]string `json:"questions"`
	Keywords  []string            `json:"keywords,omitempty"`
	Answer    content.Text        `json:"answer"`
	More      content.Text        `json:"more,omitempty"`
	Next      content.Text        `json:"next,omitempty"`
	Related   []string            `json:"related,omitempty"`
	Source    string              `json:"source"`
	Checked   string              `json:"checked"`
}

// StepFields are the texts of a flow step the editor changes: its title,
// its text and its buttons' labels (choices by id, links by position). The
// structure (choices, targets) stays in the files.
type StepFields struct {
	Title   content.Text            `json:"title,omitempty"`
	Text    content.Text            `json:"text"`
	Choices map[string]content.Text `json:"choices,omitempty"`
	Links   []content.Text          `json:"links,omitempty"`
}

func entryFields(e *content.Entry) EntryFields {
	return EntryFields{
		Title: e.Title, Questions: e.Questions, Keywords: e.Keywords, Answer: e.Answer,
		More: e.More, Next: e.Next, Related: e.Related, Source: e.Source, Checked: e.Checked,
	}
}

func stepFields(s *content.Step) StepFields {
	f := StepFields{Title: s.Title, Text: s.Text, Choices: map[string]content.Text{}}
	for _, c := range s.Choices {
		f.Choices[c.ID] = c.Label
	}
	for _, l := range s.Links {
		f.Links = append(f.Links, l.Label)
	}
	return f
}

// block is one sequence item in a file: its mapping node and the lines it
// spans (1-based, end exclusive), so that it can be replaced without
// touching the rest of the file.
type block struct {
	node       *yaml.Node
	start, end int
	indent     int // column of the item's "- " (0-based)
}

func parseFile(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not one YAML document")
	}
	return doc.Content[0], nil
}

// valueOf returns the value node of key in mapping m, or nil.
func valueOf(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// findItem finds the item of sequence seq whose "id" is id, with the lines
// it spans in a file of n lines.
func findItem(seq *yaml.Node, id string, lines []string) (block, bool) {
	if seq == nil || seq.Kind != yaml.SequenceNode {
		return block{}, false
	}
	for i, it := range seq.Content {
		if v := valueOf(it, "id"); v == nil || v.Value != id {
			continue
		}
		b := block{node: it, start: it.Line, end: len(lines) + 1, indent: max(it.Column-3, 0)}
		if i+1 < len(seq.Content) {
			b.end = seq.Content[i+1].Line
		} else {
			b.end = afterSequence(lines, it.Line, b.indent)
		}
		// Leave the blank lines and comments before the next item to it.
		for b.end-1 > b.start && isBlankOrComment(lines[b.end-2]) {
			b.end--
		}
		return b, true
	}
	return block{}, false
}

// afterSequence is the line after the last item of a sequence, which
// starts at line start with its "- " at column indent: the first line
// indented no deeper than the "- " (a key of the parent mapping), or the
// end of the file.
func afterSequence(lines []string, start, indent int) int {
	for i := start; i < len(lines); i++ { // lines[i] is line i+1
		l := lines[i]
		if isBlankOrComment(l) {
			continue
		}
		if len(l)-len(strings.TrimLeft(l, " ")) <= indent {
			return i + 1
		}
	}
	return len(lines) + 1
}

func isBlankOrComment(l string) bool {
	t := strings.TrimSpace(l)
	return t == "" || strings.HasPrefix(t, "#")
}

// encodeItem renders m as one sequence item ("- id: …") indented by indent
// spaces.
func encodeItem(m *yaml.Node, indent int) ([]string, error) {
	// The comments around the item stay in the file where they are; only
	// the ones inside it are written again.
	m.HeadComment, m.FootComment = "", ""
	if len(m.Content) > 0 {
		m.Content[0].HeadComment = ""
	}
	for n := m; n != nil && len(n.Content) > 0; n = n.Content[len(n.Content)-1] {
		n.Content[len(n.Content)-1].FootComment = ""
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{m}}); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	out := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
	pad := strings.Repeat(" ", indent)
	for i, l := range out {
		if l != "" {
			out[i] = pad + l
		}
	}
	return out, nil
}

// splice replaces lines [b.start, b.end) of data with repl.
func splice(data []byte, b block, repl []string) []byte {
	lines := strings.Split(string(data), "\n")
	out := append([]string{}, lines[:b.start-1]...)
	out = append(out, repl...)
	out = append(out, lines[b.end-1:]...)
	return []byte(strings.Join(out, "\n"))
}

// Node builders. Strings are tagged !!str so that the encoder quotes a
// value that would otherwise read as another type ("yes", "12").

func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(s, "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// dateNode writes a date plainly, as the files do (checked: 2026-11-29).
func dateNode(s string) *yaml.Node {
	if dateRE.MatchString(s) {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
	}
	return strNode(s)
}

func textNode(t content.Text, locales []string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for _, loc := range orderedKeys(t, locales) {
		if strings.TrimSpace(t[loc]) == "" {
			continue
		}
		m.Content = append(m.Content, strNode(loc), strNode(t[loc]))
	}
	return m
}

func listNode(items []string, flow bool) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode}
	if flow {
		n.Style = yaml.FlowStyle
	}
	for _, s := range items {
		n.Content = append(n.Content, strNode(s))
	}
	return n
}

// orderedKeys are the locales of t: the content's locales in order, then
// any other.
func orderedKeys[V any](t map[string]V, locales []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range locales {
		if _, ok := t[l]; ok {
			out = append(out, l)
			seen[l] = true
		}
	}
	var rest []string
	for l := range t {
		if !seen[l] {
			rest = append(rest, l)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// set puts key: val into mapping m, where it was, or else before the first
// of the keys in before that m has, or else at the end. A nil val removes
// the key.
func set(m *yaml.Node, key string, val *yaml.Node, before ...string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			if val == nil {
				m.Content = append(m.Content[:i], m.Content[i+2:]...)
				return
			}
			if old := m.Content[i+1]; old.Kind == val.Kind && val.Kind == yaml.SequenceNode {
				val.Style = old.Style // keep [a, b] where the file had it
			}
			m.Content[i+1] = val
			return
		}
	}
	if val == nil {
		return
	}
	at := len(m.Content)
	for _, b := range before {
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == b && i < at {
				at = i
			}
		}
	}
	kv := []*yaml.Node{strNode(key), val}
	kv[0].Tag = ""
	m.Content = append(m.Content[:at], append(kv, m.Content[at:]...)...)
}

// entryOrder is the order of an entry's keys in the files.
var entryOrder = []string{"id", "title", "questions", "keywords", "answer", "more", "next", "related", "flow", "links", "source", "checked"}

func after(key string, order []string) []string {
	for i, k := range order {
		if k == key {
			return order[i+1:]
		}
	}
	return nil
}

// applyEntryFields writes f into the entry mapping m.
func applyEntryFields(m *yaml.Node, f EntryFields, locales []string) {
	text := func(key string, t content.Text) {
		var v *yaml.Node
		if hasText(t) {
			v = textNode(t, locales)
		}
		set(m, key, v, after(key, entryOrder)...)
	}
	list := func(key string, items []string, flow bool) {
		var v *yaml.Node
		if len(items) > 0 {
			v = listNode(items, flow)
		}
		set(m, key, v, after(key, entryOrder)...)
	}
	text("title", f.Title)
	q := &yaml.Node{Kind: yaml.MappingNode}
	for _, loc := range orderedKeys(f.Questions, locales) {
		if len(f.Questions[loc]) > 0 {
			q.Content = append(q.Content, strNode(loc), listNode(f.Questions[loc], false))
		}
	}
	set(m, "questions", q, after("questions", entryOrder)...)
	list("keywords", f.Keywords, true)
	text("answer", f.Answer)
	text("more", f.More)
	text("next", f.Next)
	list("related", f.Related, true)
	var src *yaml.Node
	if f.Source != "" {
		src = strNode(f.Source)
	}
	set(m, "source", src, after("source", entryOrder)...)
	var chk *yaml.Node
	if f.Checked != "" {
		chk = dateNode(f.Checked)
	}
	set(m, "checked", chk, after("checked", entryOrder)...)
}

func hasText(t content.Text) bool {
	for _, s := range t {
		if strings.TrimSpace(s) != "" {
			return true
		}
	}
	return false
}

// applyStepFields writes f into the step mapping m: title, text and the
// labels of its choices and links. Nothing else changes.
func applyStepFields(m *yaml.Node, f StepFields, locales []string) {
	var title *yaml.Node
	if hasText(f.Title) {
		title = textNode(f.Title, locales)
	}
	set(m, "title", title, "text", "image", "choices", "links", "stuck", "end", "source", "checked")
	set(m, "text", textNode(f.Text, locales), "image", "choices", "links", "stuck", "end", "source", "checked")
	if ch := valueOf(m, "choices"); ch != nil && ch.Kind == yaml.SequenceNode {
		for _, c := range ch.Content {
			id := valueOf(c, "id")
			if id == nil {
				continue
			}
			if l, ok := f.Choices[id.Value]; ok && hasText(l) {
				set(c, "label", textNode(l, locales))
			}
		}
	}
	if ls := valueOf(m, "links"); ls != nil && ls.Kind == yaml.SequenceNode {
		for i, l := range ls.Content {
			if i < len(f.Links) && hasText(f.Links[i]) {
				set(l, "label", textNode(f.Links[i], locales))
			}
		}
	}
}

// errNoItem means a draft's entry or step is not in the files any more.
type errNoItem struct{ item string }

func (e errNoItem) Error() string { return e.item + " is not in the content files" }

// applyDraft writes one draft into the tree t (a copy is modified).
func applyDraft(t tree, d Draft, locales []string) (tree, error) {
	kind, id := splitItem(d.Item)
	file := d.File
	data, ok := t[file]
	if !ok && !(d.New && kind == "faq") {
		return nil, errNoItem{d.Item}
	}
	out := t.clone()
	switch kind {
	case "faq":
		if d.Entry == nil {
			return nil, fmt.Errorf("draft %s has no entry fields", d.Item)
		}
		prefix := "" // what stands before a new entry: nothing in a new file
		if ok {
			seq, err := parseFile(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", file, err)
			}
			b, found := findItem(seq, id, strings.Split(string(data), "\n"))
			switch {
			case found && d.New:
				return nil, fmt.Errorf("faq entry %q exists already", id)
			case found:
				applyEntryFields(b.node, *d.Entry, locales)
				item, err := encodeItem(b.node, b.indent)
				if err != nil {
					return nil, err
				}
				out[file] = splice(data, b, item)
				return out, nil
			case !d.New:
				return nil, errNoItem{d.Item}
			}
			prefix = strings.TrimRight(string(data), "\n") + "\n\n"
		}
		m := &yaml.Node{Kind: yaml.MappingNode}
		set(m, "id", strNode(id))
		m.Content[1].Tag = ""
		applyEntryFields(m, *d.Entry, locales)
		item, err := encodeItem(m, 0)
		if err != nil {
			return nil, err
		}
		out[file] = []byte(prefix + strings.Join(item, "\n") + "\n")
	case "step":
		if d.Step == nil {
			return nil, fmt.Errorf("draft %s has no step fields", d.Item)
		}
		_, step, _ := strings.Cut(id, "/")
		root, err := parseFile(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		lines := strings.Split(string(data), "\n")
		b, found := findItem(valueOf(root, "steps"), step, lines)
		if !found {
			return nil, errNoItem{d.Item}
		}
		applyStepFields(b.node, *d.Step, locales)
		item, err := encodeItem(b.node, b.indent)
		if err != nil {
			return nil, err
		}
		out[file] = splice(data, b, item)
	default:
		return nil, fmt.Errorf("unknown item %q", d.Item)
	}
	return out, nil
}

// itemYAML is the YAML of one entry or step in the tree, re-encoded so that
// only real changes show in a diff; "" when it is not there.
func itemYAML(t tree, file, item string) string {
	kind, id := splitItem(item)
	data, ok := t[file]
	if !ok {
		return ""
	}
	root, err := parseFile(data)
	if err != nil {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	seq := root
	if kind == "step" {
		_, id, _ = strings.Cut(id, "/")
		seq = valueOf(root, "steps")
	}
	b, ok := findItem(seq, id, lines)
	if !ok {
		return ""
	}
	out, err := encodeItem(b.node, 0)
	if err != nil {
		return ""
	}
	return strings.Join(out, "\n")
}

// splitItem splits "faq:<id>" or "step:<flow>/<step>".
func splitItem(item string) (kind, id string) {
	kind, id, _ = strings.Cut(item, ":")
	return kind, id
}
