package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// FuzzForwardedFor: whatever a client writes in X-Forwarded-For, the
// client address found behind a trusted proxy is an IP address, and it
// is never one the header put left of an untrusted hop.
func FuzzForwardedFor(f *testing.F) {
	for _, s := range []string{"198.51.100.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", "[2001:db8::1]:80", "", ",,,", "nonsense", "::ffff:10.0.0.1"} {
		f.Add(s)
	}
	trusted, err := httpx.ParseProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		f.Fatal(err)
	}
	var got string
	h := httpx.TrustProxies(trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httpx.ClientAddr(r) }))
	f.Fuzz(func(t *testing.T, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "127.0.0.1:4711"
		r.Header.Set("X-Forwarded-For", xff)
		got = ""
		h.ServeHTTP(httptest.NewRecorder(), r)
		_, err := netip.ParseAddr(got)
		require.NoError(t, err, "X-Forwarded-For %q gave client address %q", xff, got)
		// Behind an untrusted hop, nothing to its left counts.
		r.Header.Set("X-Forwarded-For", xff+", 198.51.100.77")
		h.ServeHTTP(httptest.NewRecorder(), r)
		require.Equal(t, "198.51.100.77", got, "X-Forwarded-For %q + untrusted hop gave %q", xff, got)
	})
}
