package system_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
)

func TestHandlerMountsAuthAndHealthz(t *testing.T) {
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	var logs bytes.Buffer
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn}, system.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	defer srv.Close()

	r := testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/healthz"}).Want(t, http.StatusOK)
	assert.Equal(t, map[string]any{"status": "ok"}, r.Map(t))
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/auth/register", Body: `{"username":"a","password":"password123"}`}).Want(t, http.StatusCreated)
	// The prefix is stripped: the adapter's own path without it is unknown.
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/register", Body: `{}`}).Want(t, http.StatusNotFound)
	assert.Contains(t, logs.String(), "path=/auth/register", "request logged")
	assert.Contains(t, logs.String(), "status=201", "request logged")
}

func TestHandlerMountsMicroblog(t *testing.T) {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	mb := microblog.New(db.Microblog(), authn, microblog.Config{})
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Microblog: mb}, system.Config{}))
	defer srv.Close()
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: srv.URL + "/microblog/signup/",
		Body: map[string]string{"user_id": "mirim", "user_name": "Mirim", "user_password": "password123"}}).Want(t, http.StatusCreated)
	assert.Equal(t, "Sign Up Success", r.Map(t)["message"], "signup under /microblog")
	r = testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/microblog/nowhere"}).Want(t, http.StatusNotFound)
	assert.Equal(t, "no such route", r.Map(t)["message"], "an unknown microblog path in the adapter's shape")
}
