package system_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
)

// newFullSystem serves every service on a memory database.
func newFullSystem(t *testing.T) *httptest.Server {
	t.Helper()
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	auc, err := auction.New(db.Auction(), db.Media(), auction.Config{})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	mail, err := mailing.New(db.Mailing(), mailing.Config{})
	require.NoError(t, err)
	mirror, err := trials.New(db.Trials(), trials.Config{})
	require.NoError(t, err)
	posts := microblog.New(db.Microblog(), authn, microblog.Config{})
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Auction: auc, Calendar: cal, Microblog: posts, Trials: mirror, Mailing: mail}, system.Config{}))
	t.Cleanup(srv.Close)
	return srv
}

// Every response carries X-Content-Type-Options: nosniff, whoever answers
// it (a service, the system's own routes, an unknown path), and every
// JSON body says it is application/json: with both, a browser never runs
// a body as HTML or script.
func TestEveryResponseIsNoSniff(t *testing.T) {
	srv := newFullSystem(t)
	for _, c := range []struct {
		method, path string
		status       int
		contentType  string // its media type; "" for application/json
	}{
		{"GET", "/healthz", 200, ""},
		{"GET", "/readyz", 200, ""},
		{"GET", "/metrics", 200, "text/plain"},
		{"GET", "/docs/", 200, "text/html"},
		{"GET", "/docs/swagger-ui.css", 200, "text/css"},
		{"GET", "/docs/swagger-initializer.js", 200, "text/javascript"},
		{"GET", "/docs/nothing.html", 404, ""},
		{"GET", "/", 404, ""},
		{"GET", "/nowhere", 404, ""},
		{"GET", "/healthz/x", 404, ""},
		{"POST", "/healthz", 405, ""},
		{"DELETE", "/readyz", 405, ""},
		{"GET", "/auth/openapi.json", 200, ""},
		{"GET", "/auth/nowhere", 404, ""},
		{"GET", "/auction/openapi.json", 200, ""},
		{"GET", "/auction/nowhere", 404, ""},
		{"GET", "/calendar/openapi.json", 200, ""},
		{"GET", "/calendar/nowhere", 404, ""},
		{"GET", "/microblog/openapi.json", 200, ""},
		{"GET", "/microblog/tweet/", 200, ""},
		{"GET", "/microblog/nowhere", 404, ""},
		{"GET", "/trials/openapi.json", 200, ""},
		{"GET", "/trials/nowhere", 404, ""},
		{"GET", "/mailing/openapi.json", 200, ""},
		{"GET", "/mailing/nowhere", 404, ""},
	} {
		r := testkit.Do(t, nil, testkit.Request{Method: c.method, URL: srv.URL + c.path})
		what := c.method + " " + c.path
		assert.Equal(t, c.status, r.Status, "%s: %s", what, r.Body)
		assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"), what)
		want := c.contentType
		if want == "" {
			want = "application/json"
			assert.True(t, len(r.Body) > 0 && (r.Body[0] == '{' || r.Body[0] == '['), "%s: not a JSON body: %s", what, r.Body)
		}
		assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), want), "%s: Content-Type %q, want %s", what, r.Header.Get("Content-Type"), want)
	}
}

// An unknown path or method at the root answers in JSON, as the services
// do: 404, or 405 with Allow.
func TestUnknownRootPathsAnswerJSON(t *testing.T) {
	srv := newFullSystem(t)
	for _, path := range []string{"/", "/nowhere", "/healthz/x", "/readyz/", "/docs/nothing.html"} {
		r := testkit.Do(t, nil, testkit.Request{URL: srv.URL + path}).Want(t, http.StatusNotFound)
		assert.Equal(t, map[string]any{"error": "no such route", "code": "not_found"}, r.Map(t), path)
	}
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/healthz", Body: `{}`}).Want(t, http.StatusMethodNotAllowed)
	assert.Equal(t, "GET, HEAD", r.Header.Get("Allow"))
	assert.Equal(t, map[string]any{"error": "method POST not allowed", "code": "invalid"}, r.Map(t))
}

// A tweet holding a script comes back as it was posted (the service keeps
// text, it does not escape it for one output), in a JSON body whose type
// is application/json and which a browser may not sniff: inert.
func TestStoredScriptIsInert(t *testing.T) {
	srv := newFullSystem(t)
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/microblog/signup/",
		Body: map[string]string{"user_id": "mallory", "user_name": "<b>M</b>", "user_password": "password123"}}).Want(t, http.StatusCreated)
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/microblog/login/",
		Body: map[string]string{"user_id": "mallory", "user_password": "password123"}}).Want(t, http.StatusOK)
	token, _ := r.Map(t)["token"].(string)
	const script = `<script>alert(document.cookie)</script>`
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/microblog/tweet/", Token: token, Body: map[string]string{"user_content": script}}).Want(t, http.StatusCreated)
	r = testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/microblog/tweet/"}).Want(t, http.StatusOK)
	assert.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", r.Header.Get("X-Content-Type-Options"))
	data, _ := r.Map(t)["data"].([]any)
	require.Len(t, data, 1)
	assert.Equal(t, script, data[0].(map[string]any)["user_content"])
}
