package httpx

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type clientAddrKey struct{}

// ClientAddr returns the address of the client that sent r: the one
// TrustProxies found, when it is in use, else the host part of
// r.RemoteAddr.
func ClientAddr(r *http.Request) string {
	if a, ok := r.Context().Value(clientAddrKey{}).(string); ok {
		return a
	}
	return peerHost(r)
}

func peerHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ParseProxies parses a list of trusted proxy networks: CIDRs or single
// addresses, separated by commas or spaces ("10.0.0.0/8, 192.0.2.1").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: %w", f, err)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// TrustProxies returns middleware that finds the real client address of a
// request that came through one of the trusted proxies, for ClientAddr
// (and so for login throttling and the request log).
//
// X-Forwarded-For is believed only from a trusted peer, and only as far
// as it was written by trusted proxies: walking it from the right (the
// entry the nearest proxy added), the client is the first address that
// is not a trusted proxy. Entries to its left were written by the client
// itself and are ignored. A request from any other peer keeps its peer
// address whatever its headers say. With no trusted networks the
// middleware changes nothing.
func TrustProxies(trusted []netip.Prefix) func(http.Handler) http.Handler {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(next http.Handler) http.Handler {
		if len(trusted) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			peer, err := netip.ParseAddr(peerHost(r))
			if err != nil || !isTrusted(peer.Unmap()) {
				next.ServeHTTP(w, r)
				return
			}
			client := peer.Unmap()
			var hops []string
			for _, v := range r.Header.Values("X-Forwarded-For") {
				hops = append(hops, strings.Split(v, ",")...)
			}
			for i := len(hops) - 1; i >= 0; i-- {
				a, ok := parseHop(hops[i])
				if !ok {
					break
				}
				client = a
				if !isTrusted(a) {
					break
				}
			}
			ctx := context.WithValue(r.Context(), clientAddrKey{}, client.String())
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// parseHop parses one X-Forwarded-For entry: an address, possibly with a
// port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
