package web

import "testing"

// FuzzChatFromCookie: whatever a browser sends as the cookie, only a value
// the server issued (id.MAC under its key) names a conversation, and then
// exactly the id it was issued for.
func FuzzChatFromCookie(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	chat, value := issueID(key)
	for _, s := range []string{value, chat, chat + ".", "." + value, value + "x", "w", "", "w" + string(make([]byte, 22)) + ".AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := chatFromCookie(key, v)
		if got == "" {
			return
		}
		if v != got+"."+sign(key, got) || !plainID(got) {
			t.Fatalf("cookie %q accepted as chat %q", v, got)
		}
	})
}
