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
		vals := strings.Split(r.Header.Get(header), ",")
		for i := len(vals) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(vals[i]), "[]"))
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
