package content_test

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"testing/fstest"

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
