package clientaddr

import (
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestOf(t *testing.T) {
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
		// a proxy that adds its own line (HAProxy's forwardfor): the
		// client's own first line is not believed
		{"a second line from the proxy", "127.0.0.1:1", "9.9.9.9\n198.51.100.9", "X-Forwarded-For", "198.51.100.9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/chat", nil)
			r.RemoteAddr = tc.remote
			for line := range strings.SplitSeq(tc.xff, "\n") {
				if line != "" {
					r.Header.Add("X-Forwarded-For", line)
				}
			}
			if got := Of(r, tc.header, proxies); got != tc.want {
				t.Errorf("Of = %q, want %q", got, tc.want)
			}
		})
	}
}
