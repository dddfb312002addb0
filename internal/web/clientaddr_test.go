package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}
	for _, tc := range []struct {
		name, remote, xff string
		header            string
		want              string
	}{
		{"peer", "203.0.113.7:5000", "", "", "203.0.113.7"},
		{"ipv6 peer: its /64", "[2001:db8:1:2:3:4:5:6]:443", "", "", "2001:db8:1:2::/64"},
		{"header ignored when not configured", "127.0.0.1:1", "198.51.100.9", "", "127.0.0.1"},
		{"through a trusted proxy", "127.0.0.1:1", "198.51.100.9", "X-Forwarded-For", "198.51.100.9"},
		{"a client's own X-Forwarded-For entries are skipped", "127.0.0.1:1", "1.2.3.4, 198.51.100.9, 10.1.1.1", "X-Forwarded-For", "198.51.100.9"},
		{"header from an untrusted peer is ignored", "203.0.113.7:5000", "198.51.100.9", "X-Forwarded-For", "203.0.113.7"},
		{"garbage in the header: the proxy", "127.0.0.1:1", "not-an-ip", "X-Forwarded-For", "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/chat", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := clientAddr(r, tc.header, proxies); got != tc.want {
				t.Errorf("clientAddr = %q, want %q", got, tc.want)
			}
		})
	}
}

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
