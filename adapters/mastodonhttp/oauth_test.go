package mastodonhttp_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
)

func TestCreateApp(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, "POST", "/api/v1/apps", "", map[string]any{
		"client_name": "toot", "redirect_uris": auth.OOBRedirect, "scopes": "read write follow", "website": "https://toot.example",
	}).Want(t, http.StatusOK)
	m := r.Map(t)
	assert.Equal(t, "toot", m["name"])
	assert.Equal(t, "https://toot.example", m["website"])
	assert.Equal(t, auth.OOBRedirect, m["redirect_uri"])
	assert.Equal(t, []any{"read", "write", "follow"}, m["scopes"])
	assert.NotEmpty(t, m["client_id"])
	assert.NotEmpty(t, m["client_secret"])
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))

	// A form, as other clients send it; scopes default to read.
	r = e.form(t, "POST", "/api/v1/apps", "", url.Values{"client_name": {"web"}, "redirect_uris": {"https://a.example/cb"}}).Want(t, http.StatusOK)
	assert.Equal(t, []any{"read"}, r.Map(t)["scopes"])
	assert.Nil(t, r.Map(t)["website"])

	for name, body := range map[string]map[string]any{
		"no name":      {"redirect_uris": auth.OOBRedirect},
		"no redirect":  {"client_name": "x"},
		"bad redirect": {"client_name": "x", "redirect_uris": "not a uri"},
		"bad scope":    {"client_name": "x", "redirect_uris": auth.OOBRedirect, "scopes": "read admin"},
		"object name":  {"client_name": map[string]any{}, "redirect_uris": auth.OOBRedirect},
	} {
		r := e.do(t, "POST", "/api/v1/apps", "", body).Want(t, http.StatusUnprocessableEntity)
		assert.NotEmpty(t, r.Map(t)["error"], name)
	}
	e.do(t, "POST", "/api/v1/apps", "", "{not json").Want(t, http.StatusUnprocessableEntity)
}

func TestCreateAppIsThrottled(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"client_name": "x", "redirect_uris": auth.OOBRedirect}
	// auth's default: 10 registrations in a burst per address, refused
	// input costing nothing.
	for range 5 {
		e.do(t, "POST", "/api/v1/apps", "", map[string]any{"client_name": "x"}).Want(t, http.StatusUnprocessableEntity)
	}
	for range 10 {
		e.do(t, "POST", "/api/v1/apps", "", body).Want(t, http.StatusOK)
	}
	r := e.do(t, "POST", "/api/v1/apps", "", body).Want(t, http.StatusTooManyRequests)
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	assert.NotEmpty(t, r.Map(t)["error"])
}

func TestPasswordGrant(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	a := e.app(t, "read write follow")

	// By username and by email.
	tok := e.login(t, a, "alice", "read")
	r := e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusOK)
	assert.Equal(t, "alice", r.Map(t)["username"])
	r = e.do(t, "POST", "/oauth/token", "", map[string]any{
		"grant_type": "password", "client_id": a.id, "client_secret": a.secret, "username": "alice@example.com", "password": "password alice",
	}).Want(t, http.StatusOK)
	m := r.Map(t)
	assert.Equal(t, "Bearer", m["token_type"])
	assert.Equal(t, "read write follow", m["scope"], "no scope asks for the app's")
	assert.NotZero(t, m["created_at"])
	assert.Equal(t, "no-store", r.Header.Get("Cache-Control"))

	// Refusals in OAuth's words.
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong password", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"nope nope"}}, 400, "invalid_grant"},
		{"no such user", url.Values{"grant_type": {"password"}, "username": {"nobody"}, "password": {"password nobody"}}, 400, "invalid_grant"},
		{"wrong secret", url.Values{"grant_type": {"password"}, "client_secret": {"x"}, "username": {"alice"}, "password": {"password alice"}}, 401, "invalid_client"},
		{"unknown client", url.Values{"grant_type": {"password"}, "client_id": {"x"}, "username": {"alice"}, "password": {"password alice"}}, 401, "invalid_client"},
		{"scope beyond the app's", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"password alice"}, "scope": {"read push"}}, 400, "invalid_scope"},
		{"unknown grant", url.Values{"grant_type": {"implicit"}}, 400, "unsupported_grant_type"},
		{"no grant", url.Values{}, 400, "invalid_request"},
	} {
		f := url.Values{"client_id": {a.id}, "client_secret": {a.secret}}
		for k, v := range c.form {
			f[k] = v
		}
		r := e.form(t, "POST", "/oauth/token", "", f)
		require.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Body)
		m := r.Map(t)
		assert.Equal(t, c.code, m["error"], c.name)
		assert.NotEmpty(t, m["error_description"], c.name)
	}
}

func TestPasswordGrantIsThrottled(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	a := e.app(t, "read")
	f := url.Values{"grant_type": {"password"}, "client_id": {a.id}, "client_secret": {a.secret}, "username": {"alice"}, "password": {"wrong password"}}
	// newEnv allows 3 failed logins in a burst.
	for range 3 {
		e.form(t, "POST", "/oauth/token", "", f).Want(t, http.StatusBadRequest)
	}
	f.Set("password", "password alice")
	r := e.form(t, "POST", "/oauth/token", "", f).Want(t, http.StatusTooManyRequests)
	assert.NotEmpty(t, r.Header.Get("Retry-After"))
	assert.Equal(t, "rate_limited", r.Map(t)["error"])
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	a := e.app(t, "read write")
	verifier, challenge := pkce("abc")
	q := url.Values{"client_id": {a.id}, "redirect_uri": {auth.OOBRedirect}, "response_type": {"code"}, "scope": {"read"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}

	// The page.
	r := e.do(t, "GET", "/oauth/authorize?"+q.Encode(), "", nil).Want(t, http.StatusOK)
	page := string(r.Body)
	assert.Contains(t, page, `<strong id="app">Test App</strong>`)
	assert.Contains(t, page, `<li>read</li>`)
	assert.NotContains(t, page, `<li>write</li>`)
	assert.Equal(t, "DENY", r.Header.Get("X-Frame-Options"))
	assert.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), "text/html"))

	// As toot asks for it, with a trailing slash (outside the document).
	r = e.rawDo(t, "GET", "/oauth/authorize/?"+q.Encode(), "", nil).Want(t, http.StatusOK)
	assert.Contains(t, string(r.Body), `<strong id="app">Test App</strong>`)

	// A wrong password shows the form again.
	f := url.Values{"username": {"alice"}, "password": {"wrong password"}, "decision": {"authorize"}}
	for k, v := range q {
		f[k] = v
	}
	r = e.form(t, "POST", "/oauth/authorize", "", f).Want(t, http.StatusUnauthorized)
	assert.Contains(t, string(r.Body), `id="error"`)
	assert.Contains(t, string(r.Body), `value="alice"`)

	code := func() string {
		f.Set("password", "password alice")
		r := e.form(t, "POST", "/oauth/authorize", "", f).Want(t, http.StatusOK)
		m := codeRE.FindStringSubmatch(string(r.Body))
		require.NotNil(t, m, "no code on the page: %s", r.Body)
		return m[1]
	}
	exchange := func(code, verifier string) testkit.Response {
		return e.form(t, "POST", "/oauth/token", "", url.Values{"grant_type": {"authorization_code"}, "client_id": {a.id},
			"code": {code}, "redirect_uri": {auth.OOBRedirect}, "code_verifier": {verifier}})
	}

	// A wrong verifier is refused (and the code is spent).
	c := code()
	wrong, _ := pkce("xyz")
	assert.Equal(t, "invalid_grant", exchange(c, wrong).Want(t, http.StatusBadRequest).Map(t)["error"])
	assert.Equal(t, "invalid_grant", exchange(c, verifier).Want(t, http.StatusBadRequest).Map(t)["error"])

	// The right one gets a token (no secret: PKCE's public client), once.
	c = code()
	r = exchange(c, verifier).Want(t, http.StatusOK)
	assert.Equal(t, "read", r.Map(t)["scope"])
	tok := r.Map(t)["access_token"].(string)
	assert.Equal(t, "alice", e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusOK).Map(t)["username"])
	e.do(t, "POST", "/api/v1/statuses", tok, map[string]any{"status": "hi"}).Want(t, http.StatusForbidden)
	exchange(c, verifier).Want(t, http.StatusBadRequest)
	// Without a verifier, a code asked for with a challenge is refused.
	exchange(code(), "").Want(t, http.StatusBadRequest)
}

func TestAuthorizationCodeRedirect(t *testing.T) {
	e := newEnv(t)
	e.user(t, "bob")
	a := e.app(t, "read")
	q := url.Values{"client_id": {a.id}, "redirect_uri": {"https://app.example/cb"}, "response_type": {"code"}, "state": {"s1"}}
	// The page lets its form's answer go to the app (a browser applies
	// form-action to the redirect).
	r := e.do(t, "GET", "/oauth/authorize?"+q.Encode(), "", nil).Want(t, http.StatusOK)
	assert.Contains(t, r.Header.Get("Content-Security-Policy"), "form-action 'self' https://app.example;")

	f := url.Values{"username": {"bob@example.com"}, "password": {"password bob"}, "decision": {"authorize"}}
	for k, v := range q {
		f[k] = v
	}
	r = e.form(t, "POST", "/oauth/authorize", "", f).Want(t, http.StatusFound)
	loc, err := url.Parse(r.Header.Get("Location"))
	require.NoError(t, err)
	assert.Equal(t, "app.example", loc.Host)
	assert.Equal(t, "s1", loc.Query().Get("state"))
	code := loc.Query().Get("code")
	require.NotEmpty(t, code)

	// Without PKCE the secret is required, and the redirect must match.
	tf := url.Values{"grant_type": {"authorization_code"}, "client_id": {a.id}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}
	assert.Equal(t, "invalid_client", e.form(t, "POST", "/oauth/token", "", tf).Want(t, http.StatusUnauthorized).Map(t)["error"])

	r = e.form(t, "POST", "/oauth/authorize", "", f).Want(t, http.StatusFound)
	loc, _ = url.Parse(r.Header.Get("Location"))
	tf.Set("code", loc.Query().Get("code"))
	tf.Set("client_secret", a.secret)
	tf.Set("redirect_uri", "https://evil.example/cb")
	e.form(t, "POST", "/oauth/token", "", tf).Want(t, http.StatusBadRequest)

	r = e.form(t, "POST", "/oauth/authorize", "", f).Want(t, http.StatusFound)
	loc, _ = url.Parse(r.Header.Get("Location"))
	tf.Set("code", loc.Query().Get("code"))
	tf.Set("redirect_uri", "https://app.example/cb")
	e.form(t, "POST", "/oauth/token", "", tf).Want(t, http.StatusOK)

	// Denied: the app hears access_denied.
	f.Set("decision", "deny")
	r = e.form(t, "POST", "/oauth/authorize", "", f).Want(t, http.StatusFound)
	loc, _ = url.Parse(r.Header.Get("Location"))
	assert.Equal(t, "access_denied", loc.Query().Get("error"))
	assert.Empty(t, loc.Query().Get("code"))

	// Bad requests get an error page, never a redirect.
	for name, bad := range map[string]url.Values{
		"unknown client":      {"client_id": {"nope"}, "response_type": {"code"}},
		"unregistered target": {"client_id": {a.id}, "redirect_uri": {"https://evil.example/"}, "response_type": {"code"}},
		"token response":      {"client_id": {a.id}, "redirect_uri": {auth.OOBRedirect}, "response_type": {"token"}},
		"unknown method":      {"client_id": {a.id}, "redirect_uri": {auth.OOBRedirect}, "response_type": {"code"}, "code_challenge": {strings.Repeat("a", 43)}, "code_challenge_method": {"md5"}},
	} {
		r := e.do(t, "GET", "/oauth/authorize?"+bad.Encode(), "", nil)
		assert.Contains(t, []int{400, 401}, r.Status, name)
		assert.Empty(t, r.Header.Get("Location"), name)
		assert.Contains(t, string(r.Body), `id="error"`, name)
	}
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	a := e.app(t, "read write")
	r := e.do(t, "POST", "/oauth/token", "", map[string]any{
		"grant_type": "client_credentials", "client_id": a.id, "client_secret": a.secret, "scope": "read",
	}).Want(t, http.StatusOK)
	tok := r.Map(t)["access_token"].(string)
	r = e.do(t, "GET", "/api/v1/apps/verify_credentials", tok, nil).Want(t, http.StatusOK)
	assert.Equal(t, "Test App", r.Map(t)["name"])
	assert.NotContains(t, r.Map(t), "client_secret")
	// The app's token reads what anyone may, and acts for nobody.
	e.do(t, "GET", "/api/v1/timelines/public", tok, nil).Want(t, http.StatusOK)
	r = e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusUnprocessableEntity)
	assert.Equal(t, "This method requires an authenticated user", r.Map(t)["error"])
	// Nor is it a user's token elsewhere.
	e.do(t, "GET", "/microblog/timeline/", tok, nil).Want(t, http.StatusUnauthorized)

	// HTTP Basic client authentication works too; a wrong secret not.
	req := testkit.Request{Method: "POST", URL: e.srv.URL + "/oauth/token", Body: "grant_type=client_credentials",
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}}
	hr, _ := http.NewRequest("POST", "/", nil)
	hr.SetBasicAuth(a.id, a.secret)
	req.Header.Set("Authorization", hr.Header.Get("Authorization"))
	testkit.Do(t, nil, req).Want(t, http.StatusOK)
	hr.SetBasicAuth(a.id, "wrong")
	req.Header.Set("Authorization", hr.Header.Get("Authorization"))
	req.Body = "grant_type=client_credentials"
	testkit.Do(t, nil, req).Want(t, http.StatusUnauthorized)

	e.do(t, "GET", "/api/v1/apps/verify_credentials", "", nil).Want(t, http.StatusUnauthorized)
	_, own := e.signinPlain(t, "carol")
	e.do(t, "GET", "/api/v1/apps/verify_credentials", own, nil).Want(t, http.StatusNotFound)
}

// signinPlain registers name and returns the token of auth's own login.
func (e *env) signinPlain(t testing.TB, name string) (auth.UserID, string) {
	t.Helper()
	s, err := e.authn.Register(context.Background(), auth.RegisterInput{Username: name, Password: "password " + name})
	require.NoError(t, err)
	return s.User.ID, s.Token
}

func TestRevocation(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	a, other := e.app(t, "read write"), e.app(t, "read")
	tok := e.login(t, a, "alice", "read write")
	e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusOK)

	// Another app cannot revoke it: nothing happens (RFC 7009).
	e.form(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {other.id}, "client_secret": {other.secret}, "token": {tok}}).Want(t, http.StatusOK)
	e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusOK)
	// A wrong secret is refused; no token is invalid_request.
	e.form(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {a.id}, "client_secret": {"x"}, "token": {tok}}).Want(t, http.StatusUnauthorized)
	assert.Equal(t, "invalid_request", e.form(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {a.id}, "client_secret": {a.secret}}).Want(t, http.StatusBadRequest).Map(t)["error"])
	// Its own app can; the token is then refused here and by the seed's routes.
	e.form(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {a.id}, "client_secret": {a.secret}, "token": {tok}}).Want(t, http.StatusOK)
	r := e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusUnauthorized)
	assert.Equal(t, "The access token was revoked", r.Map(t)["error"])
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), "invalid_token")
	e.do(t, "GET", "/microblog/timeline/", tok, nil).Want(t, http.StatusUnauthorized)
	// Revoking again, or garbage, is no error.
	e.form(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {a.id}, "client_secret": {a.secret}, "token": {tok}}).Want(t, http.StatusOK)
	e.form(t, "POST", "/oauth/revoke", "", url.Values{"client_id": {a.id}, "client_secret": {a.secret}, "token": {"garbage"}}).Want(t, http.StatusOK)
}

func TestRevokedAppTokensAreRefused(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	a, other := e.app(t, "read write"), e.app(t, "read write")
	tok, kept := e.login(t, a, "alice", ""), e.login(t, other, "alice", "")
	e.do(t, "GET", "/microblog/timeline/", tok, nil).Want(t, http.StatusOK)
	require.NoError(t, e.oauth.RevokeApp(context.Background(), a.id))

	e.do(t, "GET", "/api/v1/accounts/verify_credentials", tok, nil).Want(t, http.StatusUnauthorized)
	e.do(t, "POST", "/api/v1/statuses", tok, map[string]any{"status": "x"}).Want(t, http.StatusUnauthorized)
	e.do(t, "GET", "/microblog/timeline/", tok, nil).Want(t, http.StatusUnauthorized)
	// The app gets no new token.
	f := url.Values{"grant_type": {"password"}, "client_id": {a.id}, "client_secret": {a.secret}, "username": {"alice"}, "password": {"password alice"}}
	e.form(t, "POST", "/oauth/token", "", f).Want(t, http.StatusUnauthorized)
	// Another app's token stays good.
	e.do(t, "GET", "/api/v1/accounts/verify_credentials", kept, nil).Want(t, http.StatusOK)
}

func TestScopesPerRoute(t *testing.T) {
	e := newEnv(t)
	_, bob := e.signin(t, "bob")
	bobID := e.do(t, "GET", "/api/v1/accounts/verify_credentials", bob, nil).Want(t, http.StatusOK).Map(t)["id"].(string)
	status := e.post(t, bob, "bob's", "")
	e.user(t, "alice")
	a := e.app(t, "read write follow write:statuses read:statuses")
	read, write, follow := e.login(t, a, "alice", "read"), e.login(t, a, "alice", "write"), e.login(t, a, "alice", "follow")
	statuses := e.login(t, a, "alice", "write:statuses read:statuses")

	e.do(t, "POST", "/api/v1/statuses", read, map[string]any{"status": "x"}).Want(t, http.StatusForbidden)
	r := e.do(t, "POST", "/api/v1/statuses/"+status+"/favourite", read, nil).Want(t, http.StatusForbidden)
	assert.Equal(t, "This action is outside the authorized scopes", r.Map(t)["error"])
	e.do(t, "GET", "/api/v1/timelines/home", write, nil).Want(t, http.StatusForbidden)
	e.do(t, "GET", "/api/v1/timelines/home", read, nil).Want(t, http.StatusOK)
	e.do(t, "POST", "/api/v1/accounts/"+bobID+"/follow", read, nil).Want(t, http.StatusForbidden)
	e.do(t, "POST", "/api/v1/accounts/"+bobID+"/follow", follow, nil).Want(t, http.StatusOK)
	e.do(t, "GET", "/api/v1/accounts/relationships?id[]="+bobID, follow, nil).Want(t, http.StatusOK)
	e.do(t, "POST", "/api/v1/statuses/"+status+"/favourite", follow, nil).Want(t, http.StatusForbidden)
	e.do(t, "POST", "/api/v1/statuses/"+status+"/favourite", write, nil).Want(t, http.StatusOK)
	e.do(t, "POST", "/api/v1/statuses", statuses, map[string]any{"status": "x"}).Want(t, http.StatusOK)
	e.do(t, "GET", "/api/v1/timelines/home", statuses, nil).Want(t, http.StatusOK)
	e.do(t, "POST", "/api/v1/statuses/"+status+"/favourite", statuses, nil).Want(t, http.StatusForbidden)

	// No token, or a bad one.
	r = e.do(t, "GET", "/api/v1/timelines/home", "", nil).Want(t, http.StatusUnauthorized)
	assert.Equal(t, "The access token is invalid", r.Map(t)["error"])
	e.do(t, "GET", "/api/v1/timelines/home", "garbage", nil).Want(t, http.StatusUnauthorized)
	e.do(t, "GET", "/api/v1/timelines/public", "garbage", nil).Want(t, http.StatusUnauthorized)

	// A token of auth's own login has every scope.
	_, own := e.signinPlain(t, "carol")
	e.do(t, "POST", "/api/v1/statuses", own, map[string]any{"status": "mine"}).Want(t, http.StatusOK)
}

// An app that registered one redirect URI may leave it out of the
// authorization request (RFC 6749 §3.1.2.3): the page is shown for that
// URI. With two registered, it must be named.
func TestAuthorizeWithoutRedirectURI(t *testing.T) {
	e := newEnv(t)
	r := e.do(t, "POST", "/api/v1/apps", "", map[string]any{
		"client_name": "One URI", "redirect_uris": auth.OOBRedirect, "scopes": "read",
	}).Want(t, http.StatusOK)
	id := r.Map(t)["client_id"].(string)
	q := url.Values{"client_id": {id}, "response_type": {"code"}, "scope": {"read"}}
	page := e.do(t, "GET", "/oauth/authorize?"+q.Encode(), "", nil).Want(t, http.StatusOK)
	assert.Contains(t, string(page.Body), `<strong id="app">One URI</strong>`)

	two := e.app(t, "read")
	q.Set("client_id", two.id)
	e.rawDo(t, "GET", "/oauth/authorize?"+q.Encode(), "", nil).Want(t, http.StatusBadRequest)
}

// Relationships with no id[] are an empty list, as Mastodon answers.
func TestRelationshipsWithoutIDs(t *testing.T) {
	e := newEnv(t)
	e.user(t, "alice")
	a := e.app(t, "read")
	tok := e.login(t, a, "alice", "read")
	rels := list(t, e.do(t, "GET", "/api/v1/accounts/relationships", tok, nil).Want(t, http.StatusOK))
	assert.Empty(t, rels)
}
