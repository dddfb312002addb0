package redact

import "testing"

// FuzzLookalikeDigits: reading look-alike letters as digits changes only
// those letters, byte for byte, so the text stays valid wherever it was,
// and reading it again changes nothing.
func FuzzLookalikeDigits(f *testing.F) {
	for _, s := range []string{"O12O3O4568O9", "sdt 09l2345678", "09 l 2345678", "I 0912345678", "cccd O12 O3O 456 8O9 bị khóa", "ÖO12O3O4568O9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := lookalikeDigits(s)
		if len(out) != len(s) {
			t.Fatalf("lookalikeDigits(%q) = %q, another length", s, out)
		}
		for i := 0; i < len(s); i++ {
			if out[i] == s[i] {
				continue
			}
			if d, ok := lookalike(s[i]); !ok || out[i] != d {
				t.Fatalf("lookalikeDigits(%q) = %q changed byte %d", s, out, i)
			}
		}
		if again := lookalikeDigits(out); again != out {
			t.Fatalf("lookalikeDigits(%q) = %q, then %q", s, out, again)
		}
	})
}
