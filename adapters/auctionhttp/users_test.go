package auctionhttp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestRegistration(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/users/registration/", "", `{"username":"이미림","password1":"secret-pass","password2":"secret-pass","email":""}`)
	if code != http.StatusCreated {
		t.Fatalf("register: %d %v", code, body)
	}
	m := obj(t, body)
	tok, _ := m["token"].(string)
	user := obj(t, m["user"])
	if tok == "" || user["username"] != "이미림" || user["email"] != "" || user["first_name"] != "" || user["last_name"] != "" || user["pk"].(float64) <= 0 || len(user) != 5 {
		t.Fatalf("register body: %v", m)
	}
	if code, body, _ := e.call(t, "GET", "/cars/search/", tok, ""); code != http.StatusOK {
		t.Fatalf("new token refused: %d %v", code, body)
	}

	// A form body works as well as JSON.
	form := url.Values{"username": {"mirim2"}, "password1": {"secret-pass"}, "password2": {"secret-pass"}, "email": {"m2@example.com"}}
	code, raw, _ := e.do(t, "POST", "/users/registration/", "", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if code != http.StatusCreated || !strings.Contains(string(raw), `"email":"m2@example.com"`) {
		t.Fatalf("form registration: %d %s", code, raw)
	}

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
		if code != http.StatusBadRequest {
			t.Fatalf("refused registration of %s created a user: %d %v", name, code, body)
		}
	}
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"alice-password"}`)
	if code != http.StatusOK {
		t.Fatalf("login: %d %v", code, body)
	}
	m := obj(t, body)
	user := obj(t, m["user"])
	if m["token"] == "" || user["username"] != "alice" || user["pk"].(float64) != float64(e.aliceID) {
		t.Fatalf("login body: %v", m)
	}
	code, body, _ = e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"wrong-password"}`)
	if code != http.StatusBadRequest || asJSON(t, body) != `{"non_field_errors":["Unable to log in with provided credentials."]}` {
		t.Fatalf("wrong password: %d %v", code, body)
	}
	code, body, _ = e.call(t, "POST", "/users/login/", "", `{"username":"nobody","password":"wrong-password"}`)
	if code != http.StatusBadRequest || obj(t, body)["non_field_errors"] == nil {
		t.Fatalf("unknown user: %d %v", code, body)
	}
	// The default throttle allows 5 failures, then refuses even the right
	// password with 429 and Retry-After.
	for range 3 {
		e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"wrong-password"}`)
	}
	code, body, h := e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"alice-password"}`)
	detail(t, code, body, http.StatusTooManyRequests, "too many")
	if h.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/users/logout/", e.alice, "")
	if code != http.StatusOK || asJSON(t, body) != `{"detail":"로그아웃되었습니다."}` {
		t.Fatalf("logout: %d %v", code, body)
	}
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
		if h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", r.method, r.path)
		}
		code, body, _ = e.call(t, r.method, r.path, "not-a-token", "")
		if code != http.StatusUnauthorized {
			t.Errorf("%s %s with a bad token: %d %v", r.method, r.path, code, body)
		}
	}
	// Bearer works as well as JWT.
	req, _ := http.NewRequest("GET", e.srv.URL+"/cars/search/", nil)
	req.Header.Set("Authorization", "Bearer "+e.alice)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Bearer token: %d", resp.StatusCode)
	}
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
	if code, body, _ := e.call(t, "POST", "/users/login/", "", `{"username":"alice","password":"alice-password"}`); code != http.StatusOK {
		t.Fatalf("login after malformed bodies: %d %v", code, body)
	}
	for _, name := range []string{"big", "bad"} {
		code, body, _ := e.call(t, "POST", "/users/login/", "", `{"username":"`+name+`","password":"secret-pass"}`)
		if code != http.StatusBadRequest {
			t.Fatalf("refused registration of %s created a user: %d %v", name, code, body)
		}
	}
}

// Unknown paths and methods answer in the seed's {"detail": ...} body.
func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	code, body, h := e.call(t, "DELETE", "/cars/", e.alice, "")
	detail(t, code, body, http.StatusMethodNotAllowed, "method DELETE not allowed")
	if h.Get("Allow") != "GET, HEAD" {
		t.Fatalf("Allow %q", h.Get("Allow"))
	}
	code, body, _ = e.call(t, "GET", "/nowhere/", e.alice, "")
	detail(t, code, body, http.StatusNotFound, "no such route")
}

// The adapter serves its OpenAPI document, with the mount point as server.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "GET", "/openapi.json", "", "")
	m := obj(t, body)
	if code != http.StatusOK || m["openapi"] != "3.0.3" || asJSON(t, m["servers"]) != `[{"url":"/"}]` {
		t.Fatalf("GET /openapi.json: %d openapi %v servers %v", code, m["openapi"], m["servers"])
	}
}
