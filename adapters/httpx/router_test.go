package httpx_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

var routerSecret = []byte("0123456789abcdef0123456789abcdef")

// newRouterServer serves a Router with a public route, a user route and
// a route whose handler fails, mounted under /mount/ like an adapter in
// the system handler. The renderer records the last error it was given.
func newRouterServer(t *testing.T, authn *auth.Service, logger *slog.Logger) (*httptest.Server, *error) {
	t.Helper()
	var last error
	rt := httpx.NewRouter(func(w http.ResponseWriter, r *http.Request, err error) {
		last = err
		httpx.WriteError(w, r, logger, err)
	}, authn, "X-Token")
	rt.Public("GET /public", func(w http.ResponseWriter, r *http.Request) error {
		io.WriteString(w, "public")
		return nil
	})
	rt.Public("POST /fail", func(w http.ResponseWriter, r *http.Request) error {
		return hanok.FieldError("name", "is required")
	})
	rt.Public("GET /dir/{$}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	rt.User("GET /me/{name}", func(w http.ResponseWriter, r *http.Request, a hanok.Actor) error {
		u, ok := httpx.ActorFrom(r.Context())
		assert.True(t, ok, "no user in the request context")
		assert.NotEmpty(t, httpx.TokenFrom(r.Context()), "no token in the request context")
		assert.Equal(t, a, u, "the context's user is the handler's")
		io.WriteString(w, a.Username+"/"+r.PathValue("name"))
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/mount/", http.StripPrefix("/mount", rt))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &last
}

func TestRouter(t *testing.T) {
	ctx := context.Background()
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: routerSecret, BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	s, err := authn.Register(ctx, auth.RegisterInput{Username: "u", Password: "password123"})
	require.NoError(t, err)
	srv, last := newRouterServer(t, authn, nil)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, header http.Header) testkit.Response {
		return testkit.Do(t, noRedirect, testkit.Request{URL: srv.URL + path, Header: header})
	}

	r := get("/mount/public", nil).Want(t, 200)
	require.Equal(t, "public", string(r.Body), "public: %q", r.Body)
	// The actor comes from the token, in the custom header or Authorization.
	for _, h := range []http.Header{{"X-Token": {s.Token}}, {"Authorization": {"Bearer " + s.Token}}} {
		r := get("/mount/me/x", h).Want(t, 200)
		require.Equal(t, "u/x", string(r.Body), "user route with %v: %q", h, r.Body)
	}
	*last = nil
	get("/mount/me/x", nil).Want(t, 401)
	require.Equal(t, httpx.ErrNoToken, *last, "no token rendered %v", *last)
	get("/mount/me/x", http.Header{"Authorization": {"Bearer nope"}}).Want(t, 401)
	require.NotEqual(t, httpx.ErrNoToken, *last, "bad token rendered %v", *last)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(*last), "bad token rendered %v", *last)
	// A handler's error goes through the renderer.
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/mount/fail"}).Want(t, 400)
	m := r.Map(t)
	require.Equal(t, "name: is required", m["error"], "handler error body: %s", r.Body)
	// Unknown paths and methods are rendered by the adapter, as JSON.
	r = get("/mount/nowhere", nil).Want(t, 404)
	m = r.Map(t)
	require.Equal(t, "no such route", m["error"], "unknown path: %s %v", r.Body, r.Header)
	require.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"), "unknown path: %s %v", r.Body, r.Header)
	r = testkit.Do(t, nil, testkit.Request{Method: "DELETE", URL: srv.URL + "/mount/public"}).Want(t, 405)
	m = r.Map(t)
	require.Equal(t, "method DELETE not allowed", m["error"], "wrong method: %s Allow %q", r.Body, r.Header.Get("Allow"))
	require.Equal(t, "GET, HEAD", r.Header.Get("Allow"), "wrong method: %s Allow %q", r.Body, r.Header.Get("Allow"))
	// The mux's redirect to the trailing-slash route keeps the mount prefix.
	r = get("/mount/dir", nil)
	require.EqualValues(t, 3, r.Status/100, "/mount/dir: status %d, want a redirect", r.Status)
	loc := r.Header.Get("Location")
	require.Equal(t, "/mount/dir/", loc, "redirect to %q, want /mount/dir/", loc)
}

type brokenStore struct{ auth.Store }

func (brokenStore) IsRevoked(context.Context, string) (bool, error) {
	return false, errAuthStoreDown
}

var errAuthStoreDown = &hanok.Error{Code: hanok.Internal, Message: "database is down"}

// TestRouterLogsInternalAuthErrors: a failure of the store while a token
// is checked answers 500 without details and is logged, not lost.
func TestRouterLogsInternalAuthErrors(t *testing.T) {
	ctx := context.Background()
	mem := memory.New().Auth()
	good, _ := auth.New(mem, auth.Config{Secret: routerSecret, BcryptCost: bcrypt.MinCost})
	s, err := good.Register(ctx, auth.RegisterInput{Username: "u", Password: "password123"})
	require.NoError(t, err)
	broken, _ := auth.New(brokenStore{mem}, auth.Config{Secret: routerSecret, BcryptCost: bcrypt.MinCost})
	var logs bytes.Buffer
	srv, _ := newRouterServer(t, broken, slog.New(slog.NewTextHandler(&logs, nil)))
	r := testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/mount/me/x", Token: s.Token}).Want(t, 500)
	require.NotContains(t, string(r.Body), "database is down", "store failure shown to the client: %s", r.Body)
	require.Contains(t, logs.String(), "database is down", "store failure not logged: %q", logs.String())
}
