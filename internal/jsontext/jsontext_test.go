package jsontext_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vneid-guide/vneidbot/internal/jsontext"
)

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "xin chào", "<>&\"\\", "\x00\x1f\u2028", "\xff\xfe", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := jsontext.AppendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	})
}
