package authhttp_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/apitest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	srv := httptest.NewServer(api.Wrap(t, authhttp.NewHandler(authn)))
	t.Cleanup(srv.Close)
	return srv
}

// call sends a request and decodes the JSON answer into a map.
func call(t *testing.T, srv *httptest.Server, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	r := testkit.Do(t, nil, testkit.Request{Method: method, URL: srv.URL + path, Token: token, Body: body})
	return r.Status, r.Map(t), r.Header
}

func TestRegisterLoginMeLogout(t *testing.T) {
	srv := newServer(t)
	code, body, _ := call(t, srv, "POST", "/register", "", `{"username":"mirim","password":"password123","email":"m@example.com"}`)
	require.EqualValues(t, 201, code, "register: %d %v", code, body)
	require.NotEmpty(t, body["token"], "register: %d %v", code, body)
	user := body["user"].(map[string]any)
	require.Equal(t, "mirim", user["username"], "register user: %v", user)
	require.Equal(t, "m@example.com", user["email"], "register user: %v", user)
	require.Equal(t, false, user["superuser"], "register user: %v", user)
	require.NotNil(t, user["id"], "register user: %v", user)
	_, ok := user["password_hash"]
	require.False(t, ok, "password hash in the response")

	code, body, _ = call(t, srv, "POST", "/login", "", `{"username":"mirim","password":"password123"}`)
	require.EqualValues(t, 200, code, "login: %d %v", code, body)
	require.NotEmpty(t, body["token"], "login: %d %v", code, body)
	tok := body["token"].(string)

	code, body, _ = call(t, srv, "GET", "/me", tok, "")
	require.EqualValues(t, 200, code, "me: %d %v", code, body)
	require.Equal(t, "mirim", body["user"].(map[string]any)["username"], "me: %d %v", code, body)

	code, body, _ = call(t, srv, "POST", "/logout", tok, "")
	require.EqualValues(t, 200, code, "logout: %d %v", code, body)
	require.Equal(t, "logged out", body["detail"], "logout: %d %v", code, body)
	code, body, _ = call(t, srv, "GET", "/me", tok, "")
	require.EqualValues(t, 401, code, "me after logout: %d %v", code, body)
	require.Contains(t, body["error"].(string), "revoked", "me after logout: %d %v", code, body)
	code, _, _ = call(t, srv, "POST", "/logout", tok, "")
	require.EqualValues(t, 401, code, "logout twice: %d", code)
}

func TestErrors(t *testing.T) {
	srv := newServer(t)
	call(t, srv, "POST", "/register", "", `{"username":"kim","password":"password123"}`)
	cases := []struct {
		name, method, path, token, body string
		status                          int
		contains                        string
	}{
		{"duplicate username", "POST", "/register", "", `{"username":"KIM","password":"password123"}`, 409, "username"},
		{"short password", "POST", "/register", "", `{"username":"lee","password":"short"}`, 400, "password"},
		{"malformed JSON", "POST", "/register", "", `{"username":`, 400, "malformed JSON"},
		{"wrong type", "POST", "/register", "", `{"username":12,"password":"password123"}`, 400, "username"},
		{"invalid UTF-8 username", "POST", "/register", "", "{\"username\":\"\xff\xfe\",\"password\":\"password123\"}", 400, "username"},
		{"empty body", "POST", "/login", "", ``, 400, "empty"},
		{"huge body", "POST", "/register", "", `{"username":"` + strings.Repeat("a", 2<<20) + `"}`, 400, "larger than"},
		{"wrong password", "POST", "/login", "", `{"username":"kim","password":"wrong-password"}`, 401, "wrong username or password"},
		{"unknown user", "POST", "/login", "", `{"username":"nobody","password":"password123"}`, 401, "wrong username or password"},
		{"me without token", "GET", "/me", "", "", 401, "not provided"},
		{"me with forged token", "GET", "/me", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "", 401, "invalid"},
		{"logout without token", "POST", "/logout", "", "", 401, "not provided"},
	}
	for _, c := range cases {
		code, body, _ := call(t, srv, c.method, c.path, c.token, c.body)
		msg, _ := body["error"].(string)
		assert.Equal(t, c.status, code, "%s: status; body %v", c.name, body)
		assert.Contains(t, msg, c.contains, "%s: error", c.name)
	}
	// None of the refused registrations was stored.
	code, _, _ := call(t, srv, "POST", "/login", "", `{"username":"lee","password":"short"}`)
	require.EqualValues(t, 401, code, "a refused registration was stored: login %d", code)
}

func TestLoginThrottled(t *testing.T) {
	srv := newServer(t)
	call(t, srv, "POST", "/register", "", `{"username":"park","password":"password123"}`)
	for range 5 {
		call(t, srv, "POST", "/login", "", `{"username":"park","password":"wrong-password"}`)
	}
	code, body, h := call(t, srv, "POST", "/login", "", `{"username":"park","password":"password123"}`)
	require.EqualValues(t, 429, code, "throttled: %d %v", code, body)
	require.Equal(t, "rate_limited", body["code"], "throttled: %d %v", code, body)
	s, err := strconv.Atoi(h.Get("Retry-After"))
	require.NoError(t, err, "Retry-After")
	require.GreaterOrEqual(t, s, 1, "Retry-After")
}

// Unknown paths and methods answer in the adapter's JSON error body.
func TestUnknownRoutes(t *testing.T) {
	srv := newServer(t)
	code, body, h := call(t, srv, "POST", "/me", "", "")
	require.Equal(t, http.StatusMethodNotAllowed, code, "POST /me = %d %v Allow %q", code, body, h.Get("Allow"))
	require.Equal(t, "method POST not allowed", body["error"], "POST /me = %d %v Allow %q", code, body, h.Get("Allow"))
	require.Equal(t, "GET, HEAD", h.Get("Allow"), "POST /me = %d %v Allow %q", code, body, h.Get("Allow"))
	code, body, _ = call(t, srv, "GET", "/nowhere", "", "")
	require.Equal(t, http.StatusNotFound, code, "GET /nowhere = %d %v", code, body)
	require.Equal(t, "no such route", body["error"], "GET /nowhere = %d %v", code, body)
	require.Equal(t, "not_found", body["code"], "GET /nowhere = %d %v", code, body)
}

// The document is served with its servers set to the mount point.
func TestOpenAPIDocument(t *testing.T) {
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/accounts/", http.StripPrefix("/accounts", api.Wrap(t, authhttp.NewHandler(authn))))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	r := testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/accounts/openapi.json"}).Want(t, 200)
	doc := r.Map(t)
	servers, _ := doc["servers"].([]any)
	require.Len(t, servers, 1, "servers %v, want the mount point /accounts", doc["servers"])
	require.Equal(t, "/accounts", servers[0].(map[string]any)["url"], "servers %v, want the mount point /accounts", doc["servers"])
	_, ok := doc["paths"].(map[string]any)["/login"]
	require.True(t, ok, "no /login in the document")
}

// api checks every exchange of this package's tests against the document.
var api = apitest.MustLoad(authhttp.OpenAPI())

func TestMain(m *testing.M) { os.Exit(apitest.Main(m, api)) }
