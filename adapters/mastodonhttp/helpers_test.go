package mastodonhttp_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/mastodonhttp"
	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/apitest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
)

// api checks every exchange of the tests against the adapter's OpenAPI
// document; TestMain fails the binary if a documented operation was never
// exercised.
var api = apitest.MustLoad(mastodonhttp.OpenAPI())

func TestMain(m *testing.M) { os.Exit(apitest.Main(m, api)) }

type env struct {
	srv *httptest.Server
	// raw serves the adapter without the document's checks, for the
	// routes the document leaves out (those that only refuse).
	raw   *httptest.Server
	authn *auth.Service
	oauth *auth.OAuth
	svc   *microblog.Service
	clock *testkit.Clock
}

// newEnv serves the adapter at its paths and the seed's microblog adapter
// at /microblog/, over one memory database.
func newEnv(t testing.TB) *env {
	t.Helper()
	db := memory.New()
	clock := testkit.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost, Now: clock.Now, LoginAttempts: 3})
	require.NoError(t, err)
	svc := microblog.New(db.Microblog(), authn, microblog.Config{Now: clock.Now})
	oauth := auth.NewOAuth(authn, db.OAuth(), auth.OAuthConfig{})
	mux := http.NewServeMux()
	h := api.Wrap(t, mastodonhttp.NewHandler(svc, oauth))
	for _, p := range mastodonhttp.Paths {
		mux.Handle(p, h)
	}
	mux.Handle("/microblog/", http.StripPrefix("/microblog", microbloghttp.NewHandler(svc, authn)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	raw := httptest.NewServer(mastodonhttp.NewHandler(svc, oauth))
	t.Cleanup(raw.Close)
	return &env{srv: srv, raw: raw, authn: authn, oauth: oauth, svc: svc, clock: clock}
}

// do sends a request with a JSON body (or none).
func (e *env) do(t testing.TB, method, path, token string, body any) testkit.Response {
	t.Helper()
	return testkit.Do(t, e.noRedirect(), testkit.Request{Method: method, URL: e.srv.URL + path, Body: body, Token: token})
}

// rawDo sends a request to the adapter outside the document's checks.
func (e *env) rawDo(t testing.TB, method, path, token string, body any) testkit.Response {
	t.Helper()
	return testkit.Do(t, e.raw.Client(), testkit.Request{Method: method, URL: e.raw.URL + path, Body: body, Token: token})
}

// form sends a form body.
func (e *env) form(t testing.TB, method, path, token string, form url.Values) testkit.Response {
	t.Helper()
	return testkit.Do(t, e.noRedirect(), testkit.Request{Method: method, URL: e.srv.URL + path, Body: form.Encode(), Token: token,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
}

func (e *env) noRedirect() *http.Client {
	c := *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// user registers name (email name@example.com, password "password
// name") and returns its id.
func (e *env) user(t testing.TB, name string) auth.UserID {
	t.Helper()
	s, err := e.authn.Register(context.Background(), auth.RegisterInput{Username: name, Email: name + "@example.com", Password: "password " + name})
	require.NoError(t, err)
	return s.User.ID
}

type app struct{ id, secret string }

// app registers an app with the scopes and the out-of-band redirect and
// a web one.
func (e *env) app(t testing.TB, scopes string) app {
	t.Helper()
	r := e.do(t, "POST", "/api/v1/apps", "", map[string]any{
		"client_name": "Test App", "redirect_uris": auth.OOBRedirect + " https://app.example/cb", "scopes": scopes, "website": "https://app.example",
	}).Want(t, http.StatusOK)
	m := r.Map(t)
	return app{id: m["client_id"].(string), secret: m["client_secret"].(string)}
}

// login is the password grant of name for the app, with the scopes.
func (e *env) login(t testing.TB, a app, name, scope string) string {
	t.Helper()
	r := e.form(t, "POST", "/oauth/token", "", url.Values{
		"grant_type": {"password"}, "client_id": {a.id}, "client_secret": {a.secret},
		"username": {name}, "password": {"password " + name}, "scope": {scope},
	}).Want(t, http.StatusOK)
	return r.Map(t)["access_token"].(string)
}

// signin registers name and returns a token with every scope.
func (e *env) signin(t testing.TB, name string) (auth.UserID, string) {
	t.Helper()
	id := e.user(t, name)
	return id, e.login(t, e.app(t, "read write follow"), name, "read write follow")
}

// post posts a status and returns its id.
func (e *env) post(t testing.TB, token, text, replyTo string) string {
	t.Helper()
	body := map[string]any{"status": text}
	if replyTo != "" {
		body["in_reply_to_id"] = replyTo
	}
	r := e.do(t, "POST", "/api/v1/statuses", token, body).Want(t, http.StatusOK)
	return r.Map(t)["id"].(string)
}

// list decodes a JSON array of objects.
func list(t testing.TB, r testkit.Response) []map[string]any {
	t.Helper()
	return testkit.JSON[[]map[string]any](t, r)
}

func ids(t testing.TB, r testkit.Response) []string {
	t.Helper()
	out := []string{}
	for _, s := range list(t, r) {
		out = append(out, s["id"].(string))
	}
	return out
}

var linkRE = regexp.MustCompile(`<([^>]*)>;\s*rel="([a-z]+)"`)

// links returns the Link header's targets by rel, as paths with queries.
func links(t testing.TB, r testkit.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(r.Header.Get("Link"), -1) {
		u, err := url.Parse(m[1])
		require.NoError(t, err)
		out[m[2]] = u.Path + "?" + u.RawQuery
	}
	return out
}

// pkce returns a code verifier and its S256 challenge.
func pkce(seed string) (verifier, challenge string) {
	verifier = strings.Repeat(seed, 50/len(seed)+1)[:50]
	d := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(d[:])
}

var codeRE = regexp.MustCompile(`<code id="code">([^<]+)</code>`)

// testJSONList decodes a JSON array.
func testJSONList(t testing.TB, r testkit.Response) []any {
	t.Helper()
	return testkit.JSON[[]any](t, r)
}

// testkitDo sends a body of a content type.
func testkitDo(t testing.TB, e *env, method, path, token, body, contentType string) testkit.Response {
	t.Helper()
	return testkit.Do(t, e.noRedirect(), testkit.Request{Method: method, URL: e.srv.URL + path, Body: body, Token: token,
		Header: http.Header{"Content-Type": {contentType}}})
}
