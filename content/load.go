package content

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/vneid-guide/vneidbot/internal/vntext"
)

// Problem is one thing wrong with the content, located at File:Line.
type Problem struct {
	File    string
	Line    int
	Msg     string
	Warning bool // reported, but does not stop the content from loading
}

func (p Problem) String() string {
	prefix := ""
	if p.Warning {
		prefix = "warning: "
	}
	if p.Line == 0 { // about the file as a whole
		return fmt.Sprintf("%s: %s%s", p.File, prefix, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s%s", p.File, p.Line, prefix, p.Msg)
}

// Problems is the list of problems found while loading content.
type Problems []Problem

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Warnings returns the problems that are only warnings.
func (ps Problems) Warnings() Problems {
	var out Problems
	for _, p := range ps {
		if p.Warning {
			out = append(out, p)
		}
	}
	return out
}

// Err returns nil when no problem is an error, otherwise an error that lists them.
func (ps Problems) Err() error {
	errs := ps.Errors()
	if len(errs) == 0 {
		return nil
	}
	lines := make([]string, len(errs))
	for i, p := range errs {
		lines[i] = p.String()
	}
	return fmt.Errorf("content has %d problem(s):\n%s", len(errs), strings.Join(lines, "\n"))
}

// Options tune validation.
type Options struct {
	// Today is the date ("2006-01-02") against which stale entries are measured.
	// Empty disables the staleness warning.
	Today string
}

// Load reads and validates content from fsys (the embedded content or a folder).
// It returns a nil Catalog when any problem is an error.
func Load(fsys fs.FS, opts Options) (*Catalog, Problems) {
	l := &loader{fsys: fsys, msgLines: map[string]int{}}
	c := l.read()
	if len(l.problems.Errors()) > 0 {
		return nil, l.problems
	}
	c.index()
	v := &validator{c: c, msgLines: l.msgLines, today: opts.Today}
	v.run()
	all := append(l.problems, v.problems...)
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].File != all[j].File {
			return all[i].File < all[j].File
		}
		return all[i].Line < all[j].Line
	})
	if len(all.Errors()) > 0 {
		return nil, all
	}
	return c, all
}

type loader struct {
	fsys     fs.FS
	problems Problems
	msgLines map[string]int
}

func (l *loader) addf(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) read() *Catalog {
	c := &Catalog{Messages: map[string]Text{}}
	l.decodeFile("meta.yaml", &c.Meta)
	l.decodeFile("vocab.yaml", &c.Vocab)
	l.builtinCommands(c)
	l.readMessages(c)
	l.builtinMessages(c)
	if _, err := fs.Stat(l.fsys, "sources.yaml"); err == nil {
		l.decodeFile("sources.yaml", &c.Sources)
	}
	for _, name := range l.glob("flows") {
		var f Flow
		if l.decodeFile(name, &f) {
			f.File = name
			c.Flows = append(c.Flows, &f)
		}
	}
	for _, name := range l.glob("faq") {
		var entries []*Entry
		if l.decodeFile(name, &entries) {
			for _, e := range entries {
				if e == nil {
					continue
				}
				e.File = name
				c.FAQ = append(c.FAQ, e)
			}
		}
	}
	l.dropMarkedClashes(c)
	return c
}

// dropMarkedClashes drops, with a warning, an abbreviation written with
// marks ("vô") whose folded form is also a word the FAQ or the vocabulary
// writes with other marks ("vợ", "vỡ"): text is compared folded, so every
// "vợ" would be read as "vào". Content published with one still loads.
func (l *loader) dropMarkedClashes(c *Catalog) {
	marked := map[string][]string{} // folded key → the keys written with marks
	for k := range c.Vocab.Abbreviations {
		if f := vntext.Fold(k); f != strings.ToLower(k) && !strings.Contains(f, " ") {
			marked[f] = append(marked[f], k)
		}
	}
	if len(marked) == 0 {
		return
	}
	clash := map[string]string{} // key → a word of the content that folds like it
	see := func(text string) {
		for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) }) {
			f := vntext.Fold(w)
			_, isKey := c.Vocab.Abbreviations[w] // "hổng" beside "hông": both are keys
			if f == w || isKey {
				continue
			}
			for _, k := range marked[f] {
				clash[k] = w
			}
		}
	}
	for _, group := range c.Vocab.Synonyms {
		for _, w := range group {
			see(w)
		}
	}
	for _, st := range c.Vocab.Situations {
		for _, cue := range st.Cues {
			see(cue)
		}
	}
	for _, e := range c.FAQ {
		for _, t := range e.Title {
			see(t)
		}
		for _, qs := range e.Questions {
			for _, q := range qs {
				see(q)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(clash)) {
		l.problems = append(l.problems, Problem{File: "vocab.yaml", Warning: true,
			Msg: fmt.Sprintf("abbreviation %q is not used: it would read every %q of the content as %q too (text is compared without marks; a word meant only as typed with its marks belongs under marked)", k, clash[k], c.Vocab.Abbreviations[k])})
		delete(c.Vocab.Abbreviations, k)
	}
}

// builtinCommands gives content without a commands section (published
// before commands moved into the content) the built-in command words, so
// that "menu" and "quay lại" keep working, and says so; and content
// published before a command was added (none) that command's built-in
// words.
func (l *loader) builtinCommands(c *Catalog) {
	complete := c.Vocab.Commands != nil
	for name := range CommandNames {
		if _, ok := c.Vocab.Commands[name]; !ok {
			complete = false
		}
	}
	if complete {
		return // the usual case: no need to read the built-in vocabulary again
	}
	var builtin Vocab
	data, err := fs.ReadFile(Embedded, "vocab.yaml")
	if err == nil {
		err = yaml.Unmarshal(data, &builtin)
	}
	if err != nil || builtin.Commands == nil {
		return // the built-in content itself is checked by its own tests
	}
	if c.Vocab.Commands == nil {
		c.Vocab.Commands = builtin.Commands
		l.problems = append(l.problems, Problem{File: "vocab.yaml", Msg: "no commands section: the built-in command words are used (copy the commands section of the built-in vocab.yaml to change them)", Warning: true})
		return
	}
	for _, name := range slices.Sorted(maps.Keys(builtin.Commands)) {
		if _, ok := c.Vocab.Commands[name]; !ok {
			c.Vocab.Commands[name] = builtin.Commands[name]
			l.problems = append(l.problems, Problem{File: "vocab.yaml", Msg: fmt.Sprintf("commands: no %q: its built-in words are used (%s)", name, strings.Join(builtin.Commands[name], ", ")), Warning: true})
		}
	}
}

// builtinMessages gives content published before a message was added the
// built-in text of that message, and says so: the bot would otherwise show
// the message's key ("sensitive_id_warning") to citizens. The messages the
// checks require stay required: an operator who removes one is told.
func (l *loader) builtinMessages(c *Catalog) {
	builtin, err := embeddedMessages()
	if err != nil {
		return // the built-in content itself is checked by its own tests
	}
	var added []string
	for _, key := range slices.Sorted(maps.Keys(builtin)) {
		if _, ok := c.Messages[key]; !ok && !checkedMessages[key] {
			c.Messages[key] = builtin[key]
			added = append(added, key)
		}
	}
	if len(added) > 0 {
		l.problems = append(l.problems, Problem{File: "messages.yaml", Msg: fmt.Sprintf("%d messages missing, their built-in text is used: %s", len(added), strings.Join(added, ", ")), Warning: true})
	}
}

// embeddedMessages are the built-in messages, read once: every content
// load (start-up, each publish and preview) compares against them.
var embeddedMessages = sync.OnceValues(func() (map[string]Text, error) {
	data, err := fs.ReadFile(Embedded, "messages.yaml")
	if err != nil {
		return nil, err
	}
	var m map[string]Text
	return m, yaml.Unmarshal(data, &m)
})

// glob lists the .yaml files of a folder in name order.
func (l *loader) glob(dir string) []string {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil {
		l.addf(dir, 0, "cannot read folder: %v", err)
		return nil
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			names = append(names, path.Join(dir, e.Name()))
		}
	}
	return names
}

// parse reads a YAML file into its document node.
func (l *loader) parse(name string) (*yaml.Node, bool) {
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		l.addf(name, 0, "cannot read: %v", err)
		return nil, false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.yamlError(name, err)
		return nil, false
	}
	if len(doc.Content) == 0 {
		l.addf(name, 1, "file is empty")
		return nil, false
	}
	return doc.Content[0], true
}

func (l *loader) decodeFile(name string, v any) bool {
	root, ok := l.parse(name)
	if !ok {
		return false
	}
	if err := checkKeys(root, reflect.TypeOf(v)); err != nil {
		l.yamlError(name, err)
		return false
	}
	if err := root.Decode(v); err != nil {
		l.yamlError(name, err)
		return false
	}
	setLines(root, reflect.ValueOf(v))
	return true
}

func (l *loader) readMessages(c *Catalog) {
	const name = "messages.yaml"
	root, ok := l.parse(name)
	if !ok {
		return
	}
	if root.Kind != yaml.MappingNode {
		l.addf(name, root.Line, "expected a mapping of message keys")
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if _, dup := c.Messages[k.Value]; dup {
			l.addf(name, k.Line, "duplicate message key %q", k.Value)
			continue
		}
		var t Text
		if err := v.Decode(&t); err != nil {
			l.yamlError(name, err)
			continue
		}
		c.Messages[k.Value] = t
		l.msgLines[k.Value] = k.Line
	}
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// yamlError turns a YAML error (which may hold several "line N: msg" parts) into problems.
func (l *loader) yamlError(name string, err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, m := range msgs {
		m = strings.TrimPrefix(m, "yaml: ")
		if sm := yamlLine.FindStringSubmatch(m); sm != nil {
			n, _ := strconv.Atoi(sm[1])
			l.addf(name, n, "%s", sm[2])
			continue
		}
		l.addf(name, 0, "%s", m)
	}
}

// checkKeys reports mapping keys that the target struct type does not know,
// so that a typo such as "chioces" is an error instead of silently ignored.
func checkKeys(n *yaml.Node, t reflect.Type) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		known := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
			if tag != "" && tag != "-" {
				known[tag] = f.Type
			}
		}
		var errs []string
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := known[k.Value]
			if !ok {
				errs = append(errs, fmt.Sprintf("line %d: unknown field %q", k.Line, k.Value))
				continue
			}
			if err := checkKeys(n.Content[i+1], ft); err != nil {
				errs = append(errs, err.(*yaml.TypeError).Errors...)
			}
		}
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		var errs []string
		for _, item := range n.Content {
			if err := checkKeys(item, t.Elem()); err != nil {
				errs = append(errs, err.(*yaml.TypeError).Errors...)
			}
		}
		if len(errs) > 0 {
			return &yaml.TypeError{Errors: errs}
		}
	}
	return nil
}

// setLines records in every struct decoded from n that has a Line field the
// line of its YAML node, so that problems can point at it. n is the node v
// was decoded from (checkKeys has made sure every key names a field).
func setLines(n *yaml.Node, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch {
	case v.Kind() == reflect.Struct && n.Kind == yaml.MappingNode:
		if f := v.FieldByName("Line"); f.IsValid() && f.Kind() == reflect.Int {
			f.SetInt(int64(n.Line))
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
			if tag == "" || tag == "-" {
				continue
			}
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == tag {
					setLines(n.Content[j+1], v.Field(i))
				}
			}
		}
	case v.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i := 0; i < v.Len() && i < len(n.Content); i++ {
			setLines(n.Content[i], v.Index(i))
		}
	}
}
