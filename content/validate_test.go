package content_test

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/vneid-guide/vneidbot/content"
)

// overlay returns testdata/valid with the files of testdata/broken/<kind> laid over it.
func overlay(t testing.TB, kind string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	for _, dir := range []string{"testdata/valid", "testdata/broken/" + kind} {
		if kind == "" && dir != "testdata/valid" {
			continue
		}
		root := os.DirFS(dir)
		err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(root, p)
			m[p] = &fstest.MapFile{Data: data}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestValidBaseLoads(t *testing.T) {
	c, problems := content.Load(overlay(t, ""), content.Options{})
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	if got := c.Summary(); got != "1 flows, 2 steps, 1 faq entries, locales: vi,en" {
		t.Fatalf("summary = %q", got)
	}
}

// TestValidation loads one broken folder per kind of mistake and checks that
// the problem is reported at the right file and line.
func TestValidation(t *testing.T) {
	tests := []struct {
		kind string
		want string // a substring of one reported problem, "file:line: message"
	}{
		{"duplicate_faq_id", `faq/more.yaml:1: duplicate faq id "one" (first in faq/demo.yaml:1)`},
		{"missing_step", `flows/demo.yaml:10: flow demo step first choice next: goes to step "lats", which does not exist in flow demo`},
		{"unreachable_step", `flows/demo.yaml:10: flow demo step orphan: unreachable from the start step "first"`},
		{"dead_end", `flows/demo.yaml:7: flow demo step first: no way forward`},
		{"missing_vi", `faq/demo.yaml:1: faq one: answer: missing vi text`},
		{"missing_en", `faq/demo.yaml:1: faq one: title: missing en text`},
		{"long_label", `flows/demo.yaml:10: flow demo step first choice next: label (vi): 77 characters, over the limit of 64`},
		{"long_payload", `over Telegram's 64: shorten the ids`},
		{"long_text", `faq/demo.yaml:1: faq one: answer (vi): 2250 characters, over the limit of 2000`},
		{"lookalike_link", `flows/demo.yaml:7: flow demo step first: text: link to "vneid.gov.vn.app-download.com" is not allowed`},
		{"denied_phrase", `faq/demo.yaml:1: faq one: answer: says "Công an huyện", which is outdated guidance`},
		{"unknown_field", `faq/demo.yaml:4: unknown field "answr"`},
		{"yaml_syntax", `faq/demo.yaml:1: did not find expected ',' or '}'`},
		{"missing_source", `faq/demo.yaml:1: faq one: source is missing`},
		{"bad_id", `flows/demo.yaml:1: flow Demo-Flow: id "Demo-Flow" must be 1-40 characters of a-z, 0-9 and _`},
		// sources, "more" and "next" (issue 15)
		{"unknown_source", `faq/demo.yaml:1: faq one: source cites [S99], which sources.yaml does not list`},
		{"private_citation", `faq/demo.yaml:1: faq one: source cites "vneid-facts", which readers of this content cannot open`},
		{"source_missing_publisher", `sources.yaml:7: source S2: publisher is missing`},
		{"duplicate_source", `sources.yaml:7: duplicate source id "S1" (first at line 1)`},
		{"bad_source_id", `sources.yaml:1: source s-1: id must look like S12`},
		{"long_next", `faq/demo.yaml:1: faq one: next (vi): 322 characters, over the limit of 300`},
		{"next_missing_en", `faq/demo.yaml:1: faq one: next: missing en text (the vi text has it)`},
		{"more_missing_en", `faq/demo.yaml:1: faq one: more: missing en text (the vi text has it)`},
		{"more_lookalike_link", `faq/demo.yaml:1: faq one: more: link to "vneid.gov.vn.app-download.com" is not allowed`},
		// written without a scheme, as messengers still make it a link (probe finding 3)
		{"bare_domain_link", `faq/demo.yaml:1: faq one: answer: link to "vneid-gov.vn.ru" is not allowed`},
		{"more_denied_phrase", `faq/demo.yaml:1: faq one: more: says "Công an huyện", which is outdated guidance`},
		{"long_more", `faq/demo.yaml:1: faq one: more (vi): 2080 characters, over the limit of 2000`},
		// typed commands live in the content (issue 12)
		{"unknown_command", `vocab.yaml: commands: "dance" is not a command the bot knows`},
		{"bad_ages", `vocab.yaml:6: situation "kid": ages must be [from, to], from 0 and from ≤ to, not [13 0]`},
		{"unknown_warning", `vocab.yaml:6: situation "asked" warns with message "no_such_warning", which messages.yaml does not have`},
		{"unmarked_marked", `vocab.yaml: marked: "hong" has no Vietnamese mark, so it would rewrite every unmarked "hong" too`},
		{"shared_command_word", `vocab.yaml: commands: "0" is a word of both "back" and "menu"`},
		{"more_without_button", `faq/demo.yaml:1: faq one: has ` + "`more`" + `, but message "faq_more_button" (the button that shows it) is missing`},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			c, problems := content.Load(overlay(t, tt.kind), content.Options{})
			if c != nil {
				t.Fatal("broken content loaded")
			}
			var all []string
			for _, p := range problems.Errors() {
				all = append(all, p.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Fatalf("want a problem containing\n  %s\ngot:\n  %s", tt.want, strings.Join(all, "\n  "))
			}
		})
	}
}

// loadWithVocab loads the valid test content with vocab as its vocab.yaml,
// failing the test when it does not load.
func loadWithVocab(t *testing.T, vocab string) (*content.Catalog, content.Problems) {
	t.Helper()
	fsys := overlay(t, "").(fstest.MapFS)
	fsys["vocab.yaml"] = &fstest.MapFile{Data: []byte(vocab)}
	c, problems := content.Load(fsys, content.Options{})
	if c == nil {
		t.Fatal(problems.Err())
	}
	return c, problems
}

// TestContentWithoutCommandsKeepsThem: content published before the
// command words moved into vocab.yaml has no commands section; it gets the
// built-in words, with a warning, instead of losing "menu" and "quay lại".
func TestContentWithoutCommandsKeepsThem(t *testing.T) {
	c, problems := loadWithVocab(t, "abbreviations:\n  ko: khong\n")
	if got := c.Vocab.Commands["back"]; !slices.Contains(got, "quay lại") {
		t.Fatalf("back words = %q; want the built-in ones", got)
	}
	if got := c.Vocab.Commands["menu"]; !slices.Contains(got, "menu") {
		t.Fatalf("menu words = %q; want the built-in ones", got)
	}
	if !strings.Contains(fmt.Sprint(problems.Warnings()), "no commands section") {
		t.Fatalf("warnings = %v; want one about the missing commands section", problems.Warnings())
	}
}

// TestContentWithoutANewCommandGetsIt: content published before a
// command was added keeps loading, with that command's built-in words and
// a warning.
func TestContentWithoutANewCommandGetsIt(t *testing.T) {
	c, problems := loadWithVocab(t, "abbreviations:\n  ko: khong\ncommands:\n  menu: [menu]\n")
	if got := c.Vocab.Commands["none"]; !slices.Contains(got, "không phải") {
		t.Fatalf("none words = %q; want the built-in ones", got)
	}
	if got := c.Vocab.Commands["menu"]; !slices.Equal(got, []string{"menu"}) {
		t.Fatalf("menu words = %q; want the content's own", got)
	}
	if !strings.Contains(fmt.Sprint(problems.Warnings()), `commands: no "none"`) {
		t.Fatalf("warnings = %v; want one about the missing command", problems.Warnings())
	}
}

// TestContentWithoutANewMessageGetsIt: content published before a message
// was added shows its built-in text, not its key, with a warning.
func TestContentWithoutANewMessageGetsIt(t *testing.T) {
	c, problems := content.Load(overlay(t, ""), content.Options{})
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	if got := c.Msg("vi", "sensitive_id_warning"); got == "sensitive_id_warning" || !strings.Contains(got, "số định danh") {
		t.Fatalf("a message the content lacks = %q; want the built-in text", got)
	}
	if !strings.Contains(fmt.Sprint(problems.Warnings()), "sensitive_id_warning") {
		t.Fatalf("warnings = %v; want one naming the missing messages", problems.Warnings())
	}
}

func TestStaleIsAWarning(t *testing.T) {
	c, problems := content.Load(overlay(t, ""), content.Options{Today: "2027-12-01"})
	if c == nil {
		t.Fatalf("stale content must still load: %v", problems.Err())
	}
	w := problems.Warnings()
	if len(w) == 0 || !strings.Contains(w[0].String(), "warning: ") || !strings.Contains(w[0].String(), "please re-check it") {
		t.Fatalf("warnings = %v, want a stale warning", w)
	}
}

// TestMarkedAbbreviationClash: an abbreviation written with marks that
// folds like another word of the content ("vô" like "vỡ") is dropped with a
// warning, and the content still loads.
func TestMarkedAbbreviationClash(t *testing.T) {
	c, problems := content.Load(overlay(t, "marked_abbreviation"), content.Options{})
	if c == nil {
		t.Fatalf("content must still load: %v", problems.Err())
	}
	if _, ok := c.Vocab.Abbreviations["vô"]; ok {
		t.Error(`"vô" kept: every "vỡ" would read "vào"`)
	}
	if c.Vocab.Abbreviations["ko"] == "" {
		t.Error(`"ko" dropped, but nothing clashes with it`)
	}
	if !strings.Contains(fmt.Sprint(problems.Warnings()), `abbreviation "vô" is not used: it would read every "vỡ" of the content as "vào" too`) {
		t.Errorf("warnings = %v", problems.Warnings())
	}
}

func TestPayloadRoundTrip(t *testing.T) {
	for _, s := range []string{"c:install:choose_os:android", "f:install", "q:otp_not_received", "menu", "l:en", "y:fees"} {
		p, ok := content.ParsePayload(s)
		if !ok {
			t.Errorf("ParsePayload(%q) failed", s)
			continue
		}
		var again string
		switch p.Kind {
		case "c":
			again = content.ChoicePayload(p.Flow, p.Step, p.Choice)
		case "menu", "back", "stuck", "resume", "help":
			again = p.Kind
		default:
			again = content.ArgPayload(p.Kind, p.Arg)
		}
		if again != s {
			t.Errorf("round trip of %q gave %q", s, again)
		}
	}
	for _, s := range []string{"", "c:a:b", "x:y", "menu:extra", "f:../../etc", "q:Ồ", strings.Repeat("a", 65)} {
		if _, ok := content.ParsePayload(s); ok {
			t.Errorf("ParsePayload(%q) accepted malformed input", s)
		}
	}
}

func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"c:install:choose_os:android", "f:install", "menu", "c:::", "#menu"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := content.ParsePayload(s)
		if ok && p.Kind == "c" && content.ChoicePayload(p.Flow, p.Step, p.Choice) != s {
			t.Fatalf("accepted %q but it does not round-trip", s)
		}
	})
}

// FuzzLoad feeds arbitrary bytes as a FAQ file: loading must report
// problems, never panic.
func FuzzLoad(f *testing.F) {
	base := overlay(f, "").(fstest.MapFS)
	f.Add(base["faq/demo.yaml"].Data)
	f.Add([]byte("- id: [\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := fstest.MapFS{}
		for k, v := range base {
			m[k] = v
		}
		m["faq/demo.yaml"] = &fstest.MapFile{Data: data}
		c, problems := content.Load(m, content.Options{})
		if c == nil && len(problems.Errors()) == 0 {
			t.Fatal("content rejected without a problem")
		}
	})
}

// withFiles returns the valid base with files replaced or added.
func withFiles(t testing.TB, files map[string]string) fstest.MapFS {
	t.Helper()
	m := overlay(t, "").(fstest.MapFS)
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

const demoSources = `- id: S1
  title: "Hướng dẫn kích hoạt"
  publisher: "Công an tỉnh"
  address: "example.gov.vn/huong-dan"
  date: "2024-07"
  supports: "The activation steps."
- id: S2
  title: "Cảnh báo lừa đảo"
  publisher: "Báo"
  address: "example.vn/canh-bao"
  date: "n.d."
  supports: "How the scam works."
`

func demoEntry(answer, extra, source string) string {
	return `- id: one
  title: {vi: "Câu một", en: "Question one"}
  questions: {vi: ["câu hỏi một"], en: ["question one"]}
  answer: {vi: "` + answer + `", en: "Answer one"}
` + extra + `  source: "` + source + `"
  checked: 2026-11-01
`
}

func TestMoreNextAndSourcesLoad(t *testing.T) {
	fsys := withFiles(t, map[string]string{
		"sources.yaml": demoSources,
		"faq/demo.yaml": demoEntry("Trả lời một",
			"  more: {vi: \"Căn cứ: quy định mới.\", en: \"Legal basis: the new rule.\"}\n  next: {vi: \"Bạn đến Công an xã.\", en: \"Go to the commune police.\"}\n",
			"[S2] (scam), [S1][S2]; no source on fees"),
	})
	c, problems := content.Load(fsys, content.Options{})
	if err := problems.Err(); err != nil {
		t.Fatal(err)
	}
	e := c.Entry("one")
	if e.More["en"] != "Legal basis: the new rule." || e.Next["vi"] != "Bạn đến Công an xã." {
		t.Fatalf("more/next not loaded: %+v %+v", e.More, e.Next)
	}
	var ids []string
	for _, s := range c.SourcesOf(e) {
		ids = append(ids, s.ID+" "+s.Publisher)
	}
	if strings.Join(ids, "|") != "S2 Báo|S1 Công an tỉnh" {
		t.Fatalf("SourcesOf = %q, want S2 then S1, each once", ids)
	}
	if s := c.Source("S1"); s == nil || s.Address != "example.gov.vn/huong-dan" || s.Line != 1 {
		t.Fatalf("Source(S1) = %+v", s)
	}
	if c.Source("S3") != nil {
		t.Fatal("Source(S3) should be nil")
	}
}

func TestCitedIDs(t *testing.T) {
	for note, want := range map[string]string{
		"[S2][S4][S5] (activation), [S41] (7 days); [S4]": "S2 S4 S5 S41",
		"S3's place of registration outdated; [S30]":      "S30",
		"test":                         "",
		"[s4] [S] [S4a] [ S4 ] [S004]": "S004",
	} {
		if got := strings.Join(content.CitedIDs(note), " "); got != want {
			t.Errorf("CitedIDs(%q) = %q, want %q", note, got, want)
		}
	}
}

// TestAnswerWarnings: a long answer and a decree number in the first message
// are warnings, not errors; AnswersOver names the long ones.
func TestAnswerWarnings(t *testing.T) {
	long := strings.Repeat("Trả lời dài. ", 50) // 650 runes
	fsys := withFiles(t, map[string]string{
		"faq/demo.yaml": demoEntry(long+"Theo Nghị định 69/2024 là vậy.", "", "test"),
	})
	c, problems := content.Load(fsys, content.Options{})
	if c == nil {
		t.Fatalf("warnings must not stop loading: %v", problems.Err())
	}
	w := fmt.Sprint(problems.Warnings())
	for _, want := range []string{
		"faq/demo.yaml:1: warning: faq one: answer (vi) is 680 characters, over 600",
		`faq one: answer: cites "Nghị định 69/2024" in the first message`,
	} {
		if !strings.Contains(w, want) {
			t.Errorf("warnings lack %q:\n%s", want, w)
		}
	}
	if got := c.AnswersOver(); len(got) != 1 || got[0] != "one" {
		t.Errorf("AnswersOver = %v", got)
	}
	short, _ := content.Load(withFiles(t, map[string]string{"faq/demo.yaml": demoEntry(strings.Repeat("a", 600), "", "test")}), content.Options{})
	if got := short.AnswersOver(); len(got) != 0 || len(short.FAQ) != 1 {
		t.Errorf("an answer of exactly 600 characters is counted as over: %v", got)
	}
}

func TestStale(t *testing.T) {
	fsys := withFiles(t, map[string]string{
		"sources.yaml":  demoSources,
		"faq/demo.yaml": strings.Replace(demoEntry("Trả lời một", "", "[S1][S2]"), "2026-11-01", "2026-01-15", 1),
	})
	c, problems := content.Load(fsys, content.Options{})
	if c == nil {
		t.Fatal(problems.Err())
	}
	day := func(s string) time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	got := c.Stale(day("2026-12-01"), 100)
	if len(got) != 1 {
		t.Fatalf("Stale(100 days) = %+v, want only the entry checked 320 days before", got)
	}
	want := content.StaleItem{Kind: "faq", ID: "one", Checked: "2026-01-15", Days: 320, File: "faq/demo.yaml", Line: 1, Sources: []string{"S1", "S2"}}
	if fmt.Sprint(got[0]) != fmt.Sprint(want) {
		t.Fatalf("Stale = %+v, want %+v", got[0], want)
	}
	got = c.Stale(day("2026-12-01"), 10)
	if len(got) != 2 || got[0].ID != "one" || got[1].Kind != "flow" || got[1].ID != "demo" || got[1].Days != 30 {
		t.Fatalf("Stale(10 days) = %+v, want the entry then the flow, oldest first", got)
	}
	if got := c.Stale(day("2026-12-01"), 320); len(got) != 0 {
		t.Fatalf("Stale(320 days) = %+v: an item exactly N days old is not stale yet", got)
	}
}

// TestLinksInAsShown: links with wide dots, bare IPv4 addresses and the
// endings scams favour are links (seventh probe V6); a version, a date and
// the word "ai" are not.
func TestLinksInAsShown(t *testing.T) {
	for in, want := range map[string]string{
		"tải ở evil．com nhé":            "https://evil.com",
		"vào evil。vn mà cài":            "https://evil.vn",
		"ｅｖｉｌ．ｔｏｐ":                      "https://evil.top",
		"mở 1.2.3.4/login để kích hoạt": "https://1.2.3.4/login",
		"trang vneid-update.ml":         "https://vneid-update.ml",
		"xem vneid.pw hoặc kichhoat.ai": "https://vneid.pw",
	} {
		if got := content.LinksIn(in); len(got) == 0 || got[0] != want {
			t.Errorf("LinksIn(%q) = %q, want %q first", in, got, want)
		}
	}
	for _, in := range []string{"ai giúp tôi với", "phiên bản 2.2.6 có gì mới", "ngày 01.07.2024", "đời máy 12.5 inch"} {
		if got := content.LinksIn(in); len(got) > 0 {
			t.Errorf("LinksIn(%q) = %q, want none", in, got)
		}
	}
}
