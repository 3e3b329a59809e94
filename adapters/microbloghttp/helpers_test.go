package microbloghttp_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

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
var api = apitest.MustLoad(microbloghttp.OpenAPI())

func TestMain(m *testing.M) { os.Exit(apitest.Main(m, api)) }

// prefix is where the tests mount the adapter, as examples/server does.
const prefix = "/microblog"

type env struct {
	srv   *httptest.Server
	svc   *microblog.Service
	clock *testkit.Clock
}

func newEnv(t testing.TB) *env {
	t.Helper()
	db := memory.New()
	// Sub-second, below the microsecond too: the service keeps microseconds.
	clock := testkit.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC))
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost, Now: clock.Now, LoginAttempts: 3})
	require.NoError(t, err)
	svc := microblog.New(db.Microblog(), authn, microblog.Config{Now: clock.Now})
	mux := http.NewServeMux()
	mux.Handle(prefix+"/", http.StripPrefix(prefix, api.Wrap(t, microbloghttp.NewHandler(svc, authn))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &env{srv: srv, svc: svc, clock: clock}
}

// url is the address of path under the mount prefix.
func (e *env) url(path string) string { return e.srv.URL + prefix + path }

// signup makes a user whose password is "password <handle>" and returns
// its token.
func (e *env) signup(t testing.TB, handle string) string {
	t.Helper()
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/signup/"), Body: map[string]string{
		"user_id": handle, "user_name": "Name " + handle, "user_password": "password " + handle, "user_profile": "about " + handle,
	}}).Want(t, http.StatusCreated)
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": handle, "user_password": "password " + handle}}).Want(t, http.StatusOK)
	return r.Map(t)["token"].(string)
}

// tweet posts content and returns its content_id.
func (e *env) tweet(t testing.TB, token, content string) string {
	t.Helper()
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: token, Body: map[string]any{"user_content": content}}).Want(t, http.StatusCreated)
	return r.Map(t)["content_id"].(string)
}

// wantBody fails unless the body's message is message and, for each
// other key of want, the body has that value (compared as printed).
func wantBody(t testing.TB, r testkit.Response, want map[string]any) map[string]any {
	t.Helper()
	got := r.Map(t)
	for k, v := range want {
		require.Equal(t, fmt.Sprint(v), fmt.Sprint(got[k]), "body[%q]; body: %s", k, r.Body)
	}
	return got
}

// wantDetail fails unless the body's detail (or message) contains part.
func wantDetail(t testing.TB, r testkit.Response, part string) {
	t.Helper()
	m := r.Map(t)
	require.Contains(t, fmt.Sprint(m["detail"], " ", m["message"]), part, "body: %s", r.Body)
}

// items returns the body's data as a list of objects.
func items(t testing.TB, r testkit.Response) []map[string]any {
	t.Helper()
	data, ok := r.Map(t)["data"].([]any)
	require.True(t, ok, "data is not an array: %s", r.Body)
	out := make([]map[string]any, len(data))
	for i, d := range data {
		out[i] = d.(map[string]any)
	}
	return out
}

// idsOf returns the content_ids of a list of tweets as decoded from JSON.
func idsOf(list any) []string {
	out := []string{}
	for _, it := range list.([]any) {
		out = append(out, it.(map[string]any)["content_id"].(string))
	}
	return out
}

func contentIDs(t testing.TB, r testkit.Response) []string {
	t.Helper()
	var out []string
	for _, it := range items(t, r) {
		out = append(out, it["content_id"].(string))
	}
	return out
}

var linkRE = regexp.MustCompile(`<([^>]*)>;\s*rel="([a-z]+)"`)

// links returns the targets of the response's Link header by rel, as
// paths under the mount prefix.
func links(t testing.TB, r testkit.Response) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range linkRE.FindAllStringSubmatch(r.Header.Get("Link"), -1) {
		u, err := url.Parse(m[1])
		require.NoError(t, err, "Link target %q", m[1])
		path, ok := strings.CutPrefix(u.Path, prefix)
		require.True(t, ok, "Link target %q lacks the mount prefix", m[1])
		out[m[2]] = path + "?" + u.RawQuery
	}
	return out
}
