package authhttp_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// body is a JSON request body of a username and password.
func body(t *testing.T, username, password string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"username": username, "password": password})
	require.NoError(t, err)
	return string(b)
}

// TestLookAlikeNames: a name that PRECIS makes another (NFD, full width)
// is that name, so it cannot be registered beside it; a name that mixes
// scripts to look like another (Cyrillic а in "admin") is refused; the
// mixes people write (Korean with Latin) are not. None of the look-alikes
// signs in to the account it imitates.
func TestLookAlikeNames(t *testing.T) {
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost, RegisterAttempts: 100})
	require.NoError(t, err)
	srv := httptest.NewServer(api.Wrap(t, authhttp.NewHandler(authn)))
	t.Cleanup(srv.Close)
	register := func(username string) (int, map[string]any) {
		code, b, _ := call(t, srv, "POST", "/register", "", body(t, username, "password123"))
		return code, b
	}
	userOf := func(b map[string]any) map[string]any {
		u, ok := b["user"].(map[string]any)
		require.True(t, ok, "no user in %v", b)
		return u
	}

	code, b := register("josé")
	require.Equal(t, 201, code, "%v", b)
	joseID := userOf(b)["id"]
	code, b = register("admin")
	require.Equal(t, 201, code, "%v", b)
	adminID := userOf(b)["id"]

	for _, c := range []struct {
		name, username string
		status         int
		error          string
	}{
		{"NFD josé", "jose\u0301", 409, "username is already taken"},
		{"full-width admin", "ａdmin", 409, "username is already taken"},
		{"Cyrillic а in admin", "\u0430dmin", 400, "must not mix scripts"},
		{"Latin with Greek", "admin\u03b1", 400, "must not mix scripts"},
		{"Cyrillic with Greek", "\u0430\u03b1", 400, "must not mix scripts"},
		{"a space", "ad min", 400, "only letters, digits"},
		{"an emoji", "admin😀", 400, "only letters, digits"},
	} {
		code, b := register(c.username)
		msg, _ := b["error"].(string)
		assert.Equal(t, c.status, code, "%s: %v", c.name, b)
		assert.Contains(t, msg, c.error, c.name)
	}

	// The mixes UTS #39 allows, and one script alone.
	for _, name := range []string{"김minsu", "田中たろうtaro", "王ㄅㄆmei", "Ωμέγα_2", "иван@example.com"} {
		if name == "иван@example.com" {
			// An email as a username: its own email (the local part and
			// the domain are checked each on their own).
			code, b, _ := call(t, srv, "POST", "/register", "", `{"username":"`+name+`","email":"`+name+`","password":"password123"}`)
			assert.Equal(t, 201, code, "%s: %v", name, b)
			continue
		}
		code, b := register(name)
		if assert.Equal(t, 201, code, "%s: %v", name, b) {
			assert.Equal(t, name, userOf(b)["username"])
		}
	}

	// What is stored is the PRECIS form: full width made usual, NFC, the
	// case kept.
	code, b = register("ＫＩＭ２")
	require.Equal(t, 201, code, "%v", b)
	assert.Equal(t, "KIM2", userOf(b)["username"])
	code, b = register("Rene\u0301")
	require.Equal(t, 201, code, "%v", b)
	assert.Equal(t, "René", userOf(b)["username"])

	// The NFD and full-width spellings are the same name: they sign in to
	// it. The Cyrillic look-alike does not reach admin, even with admin's
	// password.
	for _, c := range []struct {
		username string
		id       any
	}{{"jose\u0301", joseID}, {"JOSÉ", joseID}, {"ａｄｍｉｎ", adminID}} {
		code, b, _ := call(t, srv, "POST", "/login", "", body(t, c.username, "password123"))
		if assert.Equal(t, 200, code, "login %q: %v", c.username, b) {
			assert.Equal(t, c.id, userOf(b)["id"], "login %q", c.username)
		}
	}
	code, b, _ = call(t, srv, "POST", "/login", "", body(t, "\u0430dmin", "password123"))
	assert.Equal(t, 401, code, "%v", b)
	assert.Equal(t, "wrong username or password", b["error"])
}
