package system_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// newSystem serves every service on loopback over memory stores.
func newSystem(t *testing.T) *httptest.Server {
	t.Helper()
	m := memory.New()
	authn, err := auth.New(m.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	cal, err := calendar.New(m.Calendar(), calendar.Config{})
	require.NoError(t, err)
	auc, err := auction.New(m.Auction(), m.Media(), auction.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Auction: auc, Calendar: cal}, system.Config{}))
	t.Cleanup(srv.Close)
	return srv
}

// TestEmailCannotBeTakenAsUsername replays the attack of issue 8.1: Erin
// registers as erin with her email; someone registers her email as a
// username. That registration must fail on every route, and Erin's email
// must keep signing in to Erin's account on every login path.
func TestEmailCannotBeTakenAsUsername(t *testing.T) {
	srv := newSystem(t)
	do := func(method, path string, body any) testkit.Response {
		return testkit.Do(t, nil, testkit.Request{Method: method, URL: srv.URL + path, Body: body})
	}
	erin := do("POST", "/auth/register", map[string]string{"username": "erin", "email": "erin@example.com", "password": "erin-password"}).Want(t, 201).Map(t)
	erinID := erin["user"].(map[string]any)["id"]

	// The attacker's registrations: her email as a username, with another
	// email, with none, in another case, and as the attacker's own email.
	for _, in := range []map[string]string{
		{"username": "erin@example.com", "email": "mallory@example.com", "password": "mallory-password"},
		{"username": "erin@example.com", "password": "mallory-password"},
		{"username": "ERIN@Example.com", "password": "mallory-password"},
		{"username": "erin@example.com", "email": "erin@example.com", "password": "mallory-password"},
		{"username": "Erin", "email": "mallory@example.com", "password": "mallory-password"},
	} {
		r := do("POST", "/auth/register", in)
		require.Contains(t, []int{400, 409}, r.Status, "/auth/register %v: status; body %s", in, r.Body)
	}
	r := do("POST", "/auction/users/registration/", map[string]string{"username": "erin@example.com", "password1": "mallory-password", "password2": "mallory-password", "email": "mallory@example.com"})
	require.EqualValues(t, 400, r.Status, "auction registration of her email as a username: %d %s", r.Status, r.Body)
	require.Contains(t, string(r.Body), "username", "auction registration of her email as a username: %d %s", r.Status, r.Body)
	// Nobody else can sign in to the calendar as her email: that is
	// a wrong password for Erin's account, not a new account.
	do("POST", "/calendar/api/v1/user/", map[string]string{"useremail": "erin@example.com", "password": "mallory-password"}).Want(t, 401)

	// Erin signs in with her email everywhere, to her own account.
	login := do("POST", "/auth/login", map[string]string{"username": "erin@example.com", "password": "erin-password"}).Want(t, 200).Map(t)
	id := login["user"].(map[string]any)["id"]
	require.Equal(t, erinID, id, "/auth/login by email signed in to user %v, want Erin (%v)", id, erinID)
	al := do("POST", "/auction/users/login/", map[string]string{"username": "ERIN@example.com", "password": "erin-password"}).Want(t, 200).Map(t)
	id = al["user"].(map[string]any)["pk"]
	require.Equal(t, erinID, id, "auction login by email signed in to user %v, want Erin (%v)", id, erinID)
	cal := do("POST", "/calendar/api/v1/user/", map[string]string{"useremail": "erin@example.com", "password": "erin-password"}).Want(t, 200).Map(t)
	tok := cal["data"].(map[string]any)["token"].(string)
	me := testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/auth/me", Token: tok}).Want(t, 200).Map(t)
	id = me["user"].(map[string]any)["id"]
	require.Equal(t, erinID, id, "calendar sign-in by email gave a token of user %v, want Erin (%v)", id, erinID)
	// A calendar account (username = email) cannot be shadowed either.
	do("POST", "/calendar/api/v1/user/", map[string]string{"useremail": "kim@example.com", "password": "kim-password"}).Want(t, 200)
	r = do("POST", "/auth/register", map[string]string{"username": "KIM@example.com", "password": "mallory-password"})
	require.Contains(t, []int{400, 409}, r.Status, "registering a calendar user's email as a username: status; body %s", r.Body)
	r = do("POST", "/auth/register", map[string]string{"username": "mallory", "email": "Kim@example.com", "password": "mallory-password"})
	require.EqualValues(t, 409, r.Status, "registering a calendar user's email as an email: %d %s", r.Status, r.Body)
}

// TestThrottleSeesClientsBehindTrustedProxy: behind a trusted proxy, the
// failures of one client do not throttle another client of the proxy.
func TestThrottleSeesClientsBehindTrustedProxy(t *testing.T) {
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	proxies, err := httpx.ParseProxies("127.0.0.1/32, ::1")
	require.NoError(t, err)
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn}, system.Config{TrustedProxies: proxies}))
	defer srv.Close()
	login := func(from, user, password string) testkit.Response {
		return testkit.Do(t, srv.Client(), testkit.Request{Method: "POST", URL: srv.URL + "/auth/login",
			Header: http.Header{"X-Forwarded-For": {from}},
			Body:   map[string]string{"username": user, "password": password}})
	}
	for _, u := range []string{"ahn", "bae"} {
		_, err := authn.Register(context.Background(), auth.RegisterInput{Username: u, Password: "password123"})
		require.NoError(t, err)
	}
	for i := range 5 {
		login("198.51.100.1", fmt.Sprintf("guess%d", i), "wrong-password").Want(t, 401)
	}
	login("198.51.100.1", "ahn", "password123").Want(t, 429)
	login("198.51.100.2", "bae", "password123").Want(t, 200)
}
