package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/internal/testkit"
)

func TestTrustProxies(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(httpx.ClientAddr(r))) })
	cases := []struct {
		name    string
		trusted string
		xff     []string
		want    string
	}{
		{"no proxies configured", "", []string{"198.51.100.1"}, "127.0.0.1"},
		{"untrusted peer", "10.0.0.0/8", []string{"198.51.100.1"}, "127.0.0.1"},
		{"trusted peer", "127.0.0.0/8", []string{"198.51.100.1"}, "198.51.100.1"},
		{"trusted peer, single address", "127.0.0.1", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client-written entries ignored", "127.0.0.1/32", []string{"6.6.6.6, 198.51.100.1"}, "198.51.100.1"},
		{"chain of trusted proxies", "127.0.0.1/32, 10.0.0.0/8", []string{"6.6.6.6, 198.51.100.1, 10.1.2.3"}, "198.51.100.1"},
		{"several headers", "127.0.0.1/32,10.0.0.0/8", []string{"6.6.6.6", "198.51.100.1", "10.1.2.3"}, "198.51.100.1"},
		{"entry with port", "127.0.0.1/32", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"garbage stops the walk", "127.0.0.1/32,10.0.0.0/8", []string{"198.51.100.1, nonsense, 10.1.2.3"}, "10.1.2.3"},
		{"no header", "127.0.0.1/32", nil, "127.0.0.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nets, err := httpx.ParseProxies(c.trusted)
			require.NoError(t, err)
			srv := httptest.NewServer(httpx.TrustProxies(nets)(echo))
			defer srv.Close()
			h := http.Header{}
			for _, v := range c.xff {
				h.Add("X-Forwarded-For", v)
			}
			r := testkit.Do(t, srv.Client(), testkit.Request{URL: srv.URL, Header: h}).Want(t, 200)
			require.Equal(t, c.want, string(r.Body), "client address %q, want %q", r.Body, c.want)
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", "10.0.0.1/8/1"} {
		_, err := httpx.ParseProxies(bad)
		assert.Error(t, err, "ParseProxies(%q) accepted", bad)
	}
}

func TestRenameField(t *testing.T) {
	err := httpx.RenameField(hanok.FieldError("email", "is required"), "email", "useremail")
	require.Equal(t, "is required", hanok.FieldsOf(err)["useremail"], "renamed: %v %v", err, hanok.FieldsOf(err))
	require.Empty(t, hanok.FieldsOf(err)["email"], "renamed: %v %v", err, hanok.FieldsOf(err))
	require.Contains(t, hanok.MessageOf(err), "useremail", "renamed: %v %v", err, hanok.FieldsOf(err))
	other := hanok.FieldError("password", "is required")
	got := httpx.RenameField(other, "email", "useremail")
	require.Equal(t, other, got, "an error without the field changed: %v", got)
}
