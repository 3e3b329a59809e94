package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
	"github.com/hanok-dev/hanok/storetest"
)

// The auth conformance suite, each test over a new schema.

func authHarness(tb testing.TB) storetest.Harness[auth.Store] {
	db := openTestDB(tb)
	return storetest.Harness[auth.Store]{Store: legacyAuth{db.Auth(), db.Pool()}, Users: authtest.Users(db.Auth())}
}

// legacyAuth is the auth store with authtest.LegacyStore's unchecked
// insert, as a database written before the rules of names may hold a user.
type legacyAuth struct {
	*postgres.AuthStore
	pool *pgxpool.Pool
}

func (s legacyAuth) InsertUnchecked(ctx context.Context, u *auth.User) error {
	return s.pool.QueryRow(ctx, `INSERT INTO users (username, username_key, email, email_key, password_hash, superuser, created) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		u.Username, auth.FoldKey(u.Username), u.Email, auth.FoldKey(u.Email), u.PasswordHash, u.Superuser, u.Created).Scan(&u.ID)
}

func TestAuthStore(t *testing.T) {
	t.Parallel()
	authtest.RunStoreTests(t, authHarness)
}

func BenchmarkLogin(b *testing.B) { authtest.BenchmarkLogin(b, authHarness) }

func BenchmarkAuthenticate(b *testing.B) { authtest.BenchmarkAuthenticate(b, authHarness) }

// Two pools on one schema: two servers' worth.
func TestAuthSharedDatabase(t *testing.T) {
	t.Parallel()
	authtest.RunSharedDatabaseTests(t, func(tb testing.TB) (auth.Store, auth.Store) {
		dsn := pgtest.DSN(tb)
		var dbs [2]*postgres.DB
		for i := range dbs {
			db, err := postgres.Open(context.Background(), dsn)
			require.NoError(tb, err)
			tb.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		return dbs[0].Auth(), dbs[1].Auth()
	})
}
