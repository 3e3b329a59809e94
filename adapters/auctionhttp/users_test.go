package auctionhttp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegistration(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/users/registration/", "", `{"username":"이미림","password1":"secret-pass","password2":"secret-pass","email":""}`)
	require.Equal(t, http.StatusCreated, code, "register: %v", body)
	m := obj(t, body)
	tok, _ := m["token"].(string)
	require.NotEmpty(t, tok, "token")
	user := obj(t, m["user"])
	assert.Len(t, user, 5, "user fields")
	assert.Equal(t, "이미림", user["username"])
	assert.Equal(t, "", user["email"])
	assert.Equal(t, "", user["first_name"])
	assert.Equal(t, "", user["last_name"])
	assert.Greater(t, user["pk"], float64(0))
	code, body, _ = e.call(t, "GET", "/cars/search/", tok, "")
	require.Equal(t, http.StatusOK, code, "the new token: %v", body)

	// A form body works as well as JSON.
	form := url.Values{"username": {"mirim2"}, "password1": {"secret-pass"}, "password2": {"secret-pass"}, "email": {"m2@example.com"}}
	code, raw, _ := e.do(t, "POST", "/users/registration/", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	require.Equal(t, http.StatusCreated, code, "form registration: %s", raw)
	assert.Contains(t, string(raw), `"email":"m2@example.com"`)

	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":"other","password1":"secret-pass","password2":"secret-pasS"}`)
	fieldError(t, code, body, "password2", "didn't match")
	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":"이미림","password1":"secret-pass","password2":"secret-pass"}`)
	fieldError(t, code, body, "username", "taken")
	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":"new","password1":"short","password2":"short"}`)
	fieldError(t, code, body, "password1", "at least")
	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":"new2","password1":"secret-pass","password2":"secret-pass","email":"m2@example.com"}`)
	fieldError(t, code, body, "email", "registered")
	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":12}`)
	fieldError(t, code, body, "username", "must be a string")
	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":`)
	detail(t, code, body, http.StatusBadRequest, "malformed JSON")
	code, body, _ = e.call(t, "POST", "/users/registration/", "", `{"username":"`+strings.Repeat("x", 70<<10)+`"}`)
	detail(t, code, body, http.StatusBadRequest, "larger than")
	// None of the refused registrations created a user.
	for _, name := range []string{"other", "new", "new2"} {
		code, body, _ := e.call(t, "POST", "/users/login/", "", `{"username":"`+name+`","password":"secret-pass"}`)
		assert.Equal(t, http.StatusBadRequest, code, "refused registration of %s created a user: %v", name, body)
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"alice-password"}`)
	require.Equal(t, http.StatusOK, code, "login: %v", body)
	m := obj(t, body)
	user := obj(t, m["user"])
	assert.NotEmpty(t, m["token"])
	assert.Equal(t, "alice", user["username"])
	assert.Equal(t, float64(e.aliceID), user["pk"])
	// Wrong credentials are the seed's form error, whoever asks.
	const failed = `{"non_field_errors":["Unable to log in with provided credentials."]}`
	code, body, _ = e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"wrong-password"}`)
	assert.Equal(t, http.StatusBadRequest, code, "wrong password")
	assert.JSONEq(t, failed, asJSON(t, body), "wrong password")
	code, body, _ = e.call(t, "POST", "/users/login/", "", `{"username":"nobody","password":"wrong-password"}`)
	assert.Equal(t, http.StatusBadRequest, code, "unknown user")
	assert.JSONEq(t, failed, asJSON(t, body), "unknown user")
	// The default throttle allows 5 failures, then refuses even the right
	// password with 429 and Retry-After.
	for range 3 {
		e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"wrong-password"}`)
	}
	code, body, h := e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"alice-password"}`)
	detail(t, code, body, http.StatusTooManyRequests, "too many")
	assert.NotEmpty(t, h.Get("Retry-After"), "429 without Retry-After")
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/users/logout/", e.alice, "")
	require.Equal(t, http.StatusOK, code, "logout")
	assert.JSONEq(t, `{"detail":"로그아웃되었습니다."}`, asJSON(t, body))
	code, body, _ = e.call(t, "GET", "/cars/", e.alice, "")
	detail(t, code, body, http.StatusUnauthorized, "revoked")
	code, body, _ = e.call(t, "POST", "/users/logout/", "", "")
	detail(t, code, body, http.StatusUnauthorized, "not provided")
}

func TestTokenRequired(t *testing.T) {
	e := newEnv(t)
	routes := []struct{ method, path string }{
		{"POST", "/users/logout/"}, {"GET", "/cars/search/"}, {"POST", "/cars/new/"}, {"PUT", "/cars/1/approval/"},
		{"GET", "/cars/"}, {"GET", "/cars/1"}, {"GET", "/cars/1/"}, {"POST", "/cars/test/"},
		{"POST", "/cars/1/bids/"}, {"GET", "/cars/1/bids/"}, {"POST", "/cars/1/accept/"},
	}
	for _, r := range routes {
		code, body, h := e.call(t, r.method, r.path, "", "")
		detail(t, code, body, http.StatusUnauthorized, "not provided")
		assert.NotEmpty(t, h.Get("WWW-Authenticate"), "%s %s: 401 without WWW-Authenticate", r.method, r.path)
		code, body, _ = e.call(t, r.method, r.path, "not-a-token", "")
		assert.Equal(t, http.StatusUnauthorized, code, "%s %s with a bad token: %v", r.method, r.path, body)
	}
	// Bearer works as well as JWT.
	req, _ := http.NewRequest("GET", e.srv.URL+"/cars/search/", nil)
	req.Header.Set("Authorization", "Bearer "+e.alice)
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "Bearer token")
	// An expired token is refused.
	e.clock.Add(tokenLifetime + time.Second)
	code, body, _ := e.call(t, "GET", "/cars/search/", e.alice, "")
	detail(t, code, body, http.StatusUnauthorized, "")
}

// TestMalformedFormBodies: a url-encoded body that is too large or badly
// escaped is refused as such, not read as a form with missing fields, and
// a malformed login is not a failed login.
func TestMalformedFormBodies(t *testing.T) {
	e := newEnv(t)
	const urlencoded = "application/x-www-form-urlencoded"
	big := url.Values{"username": {"big"}, "password1": {"secret-pass"}, "password2": {"secret-pass"}, "pad": {strings.Repeat("x", 70<<10)}}
	code, body, _ := e.callRaw(t, "POST", "/users/registration/", "", urlencoded, strings.NewReader(big.Encode()))
	detail(t, code, body, http.StatusBadRequest, "larger than")
	code, body, _ = e.callRaw(t, "POST", "/users/registration/", "", urlencoded, strings.NewReader("username=bad&password1=secret-pass&password2=%zz"))
	detail(t, code, body, http.StatusBadRequest, "malformed form body")
	// Six malformed logins in a row do not spend alice's throttle budget.
	for range 6 {
		code, body, _ = e.callRaw(t, "POST", "/users/login/", "", urlencoded, strings.NewReader("username=alice&password=%zz"))
		detail(t, code, body, http.StatusBadRequest, "malformed form body")
	}
	code, body, _ = e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"alice-password"}`)
	require.Equal(t, http.StatusOK, code, "login after malformed bodies: %v", body)
	for _, name := range []string{"big", "bad"} {
		code, body, _ := e.call(t, "POST", "/users/login/", "", `{"username":"`+name+`","password":"secret-pass"}`)
		assert.Equal(t, http.StatusBadRequest, code, "refused registration of %s created a user: %v", name, body)
	}
}

// Unknown paths and methods answer in the seed's {"detail": ...} body.
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	code, body, h := e.call(t, "DELETE", "/cars/", e.alice, "")
	detail(t, code, body, http.StatusMethodNotAllowed, "method DELETE not allowed")
	assert.Equal(t, "GET, HEAD", h.Get("Allow"))
	code, body, _ = e.call(t, "GET", "/nowhere/", e.alice, "")
	detail(t, code, body, http.StatusNotFound, "no such route")
}

// The adapter serves its OpenAPI document, with the mount point as server.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "GET", "/openapi.json", "", "")
	m := obj(t, body)
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "3.0.3", m["openapi"])
	assert.JSONEq(t, `[{"url":"/"}]`, asJSON(t, m["servers"]))
}
