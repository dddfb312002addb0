package web

import (
	"reflect"
	"testing"
	"unicode/utf8"
)

// FuzzParsePlainRequest: the fast reader accepts only bodies encoding/json
// accepts, and reads them the same.
func FuzzParsePlainRequest(f *testing.F) {
	for _, s := range []string{`{"user":"u1","id":"m1","text":"không nhận được OTP"}`, `{"user":"u1","button":"f:install"}`, `{"user":"u","start":""}`,
		`{"user":"u","text":"a\"b"}`, `{"user":"u","x":"y"}`, `{"user":"u","user":"v"}`, `{"user":"u"} `, `{}`, `{"user":"u","text":"<&>"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !utf8.Valid(b) {
			return // ParseRequest refuses these first
		}
		fast, ok := parsePlainRequest(b)
		if !ok {
			return
		}
		ref, err := decodeRequest(b)
		if err != nil {
			t.Fatalf("fast reader took %q, which encoding/json refuses: %v", b, err)
		}
		if !reflect.DeepEqual(fast, ref) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, ref)
		}
	})
}

// TestPageRequestsTakeTheFastReader: what the chat page sends is read
// without reflection.
func TestPageRequestsTakeTheFastReader(t *testing.T) {
	for _, s := range []string{`{"user":"u1","id":"m1","text":"không nhận được OTP"}`, `{"user":"u1","id":"m2","button":"f:install"}`, `{"user":"u1","start":"v_ab12cd"}`} {
		if _, ok := parsePlainRequest([]byte(s)); !ok {
			t.Errorf("%s: not read by the fast reader", s)
		}
	}
}
