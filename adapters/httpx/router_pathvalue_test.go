package httpx_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/internal/testkit"
)

// A route's wildcards reach its handler through r.PathValue, also under
// http.StripPrefix.
func TestRouterSetsPathValues(t *testing.T) {
	rt := httpx.NewRouter(func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), 500)
	}, nil, "")
	rt.Public("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) error {
		_, err := io.WriteString(w, r.PathValue("id"))
		return err
	})
	mux := http.NewServeMux()
	mux.Handle("/p/", http.StripPrefix("/p", rt))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r := testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/p/things/42"}).Want(t, 200)
	require.Equal(t, "42", string(r.Body), "the path value")
}
