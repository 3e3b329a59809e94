package system_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
)

func TestHandlerMountsAuthAndHealthz(t *testing.T) {
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn}, system.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) {
		t.Fatalf("healthz: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Post(srv.URL+"/auth/register", "application/json", strings.NewReader(`{"username":"a","password":"password123"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("register under /auth: %d", resp.StatusCode)
	}
	// The prefix is stripped: the adapter's own path without it is unknown.
	resp, _ = http.Post(srv.URL+"/register", "application/json", strings.NewReader(`{}`))
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("/register without prefix: %d", resp.StatusCode)
	}
	if !strings.Contains(logs.String(), "path=/auth/register") || !strings.Contains(logs.String(), "status=201") {
		t.Fatalf("request not logged: %s", logs.String())
	}
}

func TestHandlerMountsMicroblog(t *testing.T) {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	mb := microblog.New(db.Microblog(), authn, microblog.Config{})
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Microblog: mb}, system.Config{}))
	defer srv.Close()
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/microblog/signup/",
		Body: map[string]string{"user_id": "mirim", "user_name": "Mirim", "user_password": "password123"}}).Want(t, http.StatusCreated)
	if m := r.Map(t); m["message"] != "Sign Up Success" {
		t.Fatalf("signup under /microblog: %s", r.Body)
	}
	r = testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/microblog/nowhere"}).Want(t, http.StatusNotFound)
	if m := r.Map(t); m["message"] == nil {
		t.Fatalf("unknown microblog path not in the adapter's shape: %s", r.Body)
	}
}
