package flows

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"testing"
)

// randomSession fills a Session with values that exercise both readers:
// plain words, Vietnamese, and characters that json.Marshal escapes.
func randomSession(r *rand.Rand) Session {
	plain := []string{"", "install", "otp_not_received", "f:install", "Phường Bến Nghé", "v_ab12cd"}
	escaped := []string{"xã \"Hòa\" <An>", "a&b", "tab\there", "\u2028"} // json.Marshal escapes these
	w := func() string {
		if r.IntN(100) == 0 {
			return escaped[r.IntN(len(escaped))]
		}
		return plain[r.IntN(len(plain))]
	}
	ws := func() []string {
		if r.IntN(3) == 0 {
			return nil
		}
		out := make([]string, r.IntN(4))
		for i := range out {
			out[i] = w()
		}
		return out
	}
	return Session{
		Locale: w(), Flow: w(), Step: w(), Back: ws(), Options: ws(), Ref: w(), LastFAQ: w(), Vote: w(),
		Turns: r.IntN(1000), Started: r.Int64N(2e9), Updated: r.Int64N(2e9), RateWin: r.Int64N(2e9) - 1e9, RateN: r.IntN(50),
		Vol: r.IntN(2) == 0, Sit: ws(), Picked: r.IntN(2) == 0, Misses: r.IntN(5), Said: w(), Hand: w(), Area: w(),
		AskArea: r.IntN(2) == 0, Greet: r.IntN(2) == 0, Addr: w(), Key: w(), Pieces: r.IntN(20),
	}
}

// TestDecodeSessionReadsWhatMarshalWrites: every session json.Marshal
// writes reads back the same, by the fast parser or by encoding/json, and
// the fast parser takes the plain ones.
func TestDecodeSessionReadsWhatMarshalWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fast := 0
	for range 5000 {
		want := randomSession(r)
		b, err := json.Marshal(&want)
		if err != nil {
			t.Fatal(err)
		}
		var got Session
		if err := decodeSession(b, &got); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		var ref Session
		json.Unmarshal(b, &ref)
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("%s\nread as %+v\nencoding/json reads %+v", b, got, ref)
		}
		if (&sessionParser{b: b}).parse(&Session{}) {
			fast++
		}
	}
	if fast < 2500 || fast == 5000 {
		t.Fatalf("%d of 5000 sessions took the fast path: the test does not try both readers", fast)
	}
}

// FuzzDecodeSession: whatever is stored, the fast parser accepts only what
// encoding/json accepts, and reads it the same.
func FuzzDecodeSession(f *testing.F) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		s := randomSession(r)
		b, _ := json.Marshal(&s)
		f.Add(b)
	}
	for _, s := range []string{`{}`, `{"t":012}`, `{"t":-0}`, `{"b":[]}`, `{"v":false}`, `{"l":"a","l":"b"}`, `{"t":99999999999999999999}`, `{"x":1}`, `{"l":"\u00e9"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast Session
		if !(&sessionParser{b: b}).parse(&fast) {
			return
		}
		var ref Session
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatalf("fast parser took %q, which encoding/json refuses: %v", b, err)
		}
		if !reflect.DeepEqual(fast, ref) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, ref)
		}
	})
}

// BenchmarkDecodeSession reads a typical session by the fast parser and by
// encoding/json.
func BenchmarkDecodeSession(b *testing.B) {
	s := Session{Locale: "vi", Flow: "level2", Step: "documents", Back: []string{"menu/root", "level2/start"}, Options: []string{"c:level2:documents:ok", "c:level2:documents:help", "nav:back", "nav:menu"},
		LastFAQ: "otp_not_received", Turns: 7, Started: 1764800000, Updated: 1764800420, RateWin: 1764800400, RateN: 3, Sit: []string{"elderly"}}
	data, _ := json.Marshal(&s)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var got Session
			if err := decodeSession(data, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var got Session
			if err := json.Unmarshal(data, &got); err != nil {
				b.Fatal(err)
			}
		}
	})
}
