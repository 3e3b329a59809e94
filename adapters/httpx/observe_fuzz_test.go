package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

var saneID = regexp.MustCompile(`^[A-Za-z0-9._:+/=-]{1,128}$`)

// FuzzRequestID: whatever X-Request-ID a client sends, the id the request
// gets is the one sent if it is sane, else a new one, and always sane: it
// may go into logs and headers as it is.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"", "abc", "6f1c1a4e-2b0f-4c8e-9d1e-000000000000", "a b", "x\ny", "é", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8"} {
		f.Add(s)
	}
	var got *httpx.RequestInfo
	h := httpx.RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = httpx.RequestInfoFrom(r.Context()) }))
	f.Fuzz(func(t *testing.T, in string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header["X-Request-Id"] = []string{in}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		id := w.Header().Get("X-Request-ID")
		require.NotNil(t, got, "in %q: id %q (info %+v)", in, id, got)
		require.Equal(t, id, got.ID, "in %q: id %q (info %+v)", in, id, got)
		require.True(t, saneID.MatchString(id), "in %q: id %q (info %+v)", in, id, got)
		require.Equal(t, (id == in), saneID.MatchString(in), "in %q: sane input not kept, or insane one kept: %q", in, id)
	})
}
