// Package clientaddr tells the network a request comes from, for limits
// counted per client: the TCP peer, or behind a trusted reverse proxy the
// address the proxy names, and for IPv6 the /64 one household or phone holds.
package clientaddr

import (
	"net/http"
	"net/netip"
	"strings"
)

// Of is the network a request comes from: the IPv4 address, or the
// /64 of an IPv6 address (one household or phone holds a whole /64). Behind
// a reverse proxy in proxies, the address comes from header
// (TRUSTED_PROXY_HEADER); for X-Forwarded-For, from its last entry that is
// not one of the proxies.
func Of(r *http.Request, header string, proxies []netip.Prefix) string {
	addr := Addr(r, header, proxies)
	if !addr.IsValid() {
		return r.RemoteAddr
	}
	return Network(addr)
}

// Addr is the address a request comes from, as Of reads it, or the zero
// Addr when the peer's address cannot be read.
func Addr(r *http.Request, header string, proxies []netip.Prefix) netip.Addr {
	addr := peerAddr(r.RemoteAddr)
	if header != "" && addr.IsValid() && inPrefixes(addr, proxies) {
		// Every line of the header: a proxy may add its own line instead
		// of extending the client's (HAProxy's forwardfor does), and the
		// first line alone would be the client's own word.
		vals := strings.Split(strings.Join(r.Header.Values(header), ","), ",")
		for i := len(vals) - 1; i >= 0; i-- {
			v := strings.TrimSpace(vals[i])
			a, err := netip.ParseAddr(strings.Trim(v, "[]"))
			if err != nil {
				var ap netip.AddrPort // "203.0.113.7:5000", as some proxies write it
				ap, err = netip.ParseAddrPort(v)
				a = ap.Addr()
			}
			if err != nil {
				break
			}
			addr = a.Unmap()
			if !inPrefixes(addr, proxies) {
				break
			}
		}
	}
	return addr
}

// Network is the network addr stands for in per-client limits: an IPv4
// address itself, the /64 of an IPv6 address.
func Network(addr netip.Addr) string {
	if addr.Is4() {
		return addr.String()
	}
	p, _ := addr.Prefix(64)
	return p.String()
}

func peerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap()
	}
	a, _ := netip.ParseAddr(remote)
	return a.Unmap()
}

func inPrefixes(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
