package sqlite_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/storetest"
)

// The auth conformance suite, each test over a new database file.

func authHarness(tb testing.TB) storetest.Harness[auth.Store] {
	db := openTestDB(tb)
	raw, err := sql.Open("sqlite", db.Path())
	require.NoError(tb, err)
	tb.Cleanup(func() { raw.Close() })
	return storetest.Harness[auth.Store]{Store: legacyAuth{db.Auth(), raw}, Users: authtest.Users(db.Auth())}
}

// legacyAuth is the auth store with authtest.LegacyStore's unchecked
// insert, as a database written before the rules of names may hold a user.
type legacyAuth struct {
	*sqlite.AuthStore
	raw *sql.DB
}

func (s legacyAuth) InsertUnchecked(ctx context.Context, u *auth.User) error {
	res, err := s.raw.ExecContext(ctx, `INSERT INTO users (username, username_key, email, email_key, password_hash, superuser, created) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Username, auth.FoldKey(u.Username), u.Email, auth.FoldKey(u.Email), u.PasswordHash, u.Superuser, u.Created.UnixNano())
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	u.ID = hanok.UserID(id)
	return err
}

func TestAuthStore(t *testing.T) { authtest.RunStoreTests(t, authHarness) }

func BenchmarkLogin(b *testing.B) { authtest.BenchmarkLogin(b, authHarness) }

func BenchmarkAuthenticate(b *testing.B) { authtest.BenchmarkAuthenticate(b, authHarness) }

// Two *DB handles on one file: two processes' worth.
func TestAuthSharedFile(t *testing.T) {
	authtest.RunSharedDatabaseTests(t, func(tb testing.TB) (auth.Store, auth.Store) {
		a := openTestDB(tb)
		return a.Auth(), sqlite.OpenAgain(tb, a).Auth()
	})
}
