package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// Servers starting at once on a new database migrate it once: the others
// wait on the advisory lock and find nothing left to do.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	const n = 4
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(ctx, dsn, postgres.WithMaxConns(2)) })
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "open %d", i)
		defer dbs[i].Close()
	}
	var rows, newest int
	require.NoError(t, dbs[0].Pool().QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &newest))
	v, err := dbs[1].SchemaVersion(ctx)
	require.NoError(t, err)
	want, err := postgres.MigrationVersions()
	require.NoError(t, err)
	require.Equal(t, len(want), rows, "schema_migrations: %d rows, newest %d, SchemaVersion %d: want each of %v recorded once", rows, newest, v, want)
	require.Equal(t, newest, v, "schema_migrations: %d rows, newest %d, SchemaVersion %d: want each of %v recorded once", rows, newest, v, want)
	require.Equal(t, want[len(want)-1], newest, "schema_migrations: %d rows, newest %d, SchemaVersion %d: want each of %v recorded once", rows, newest, v, want)
}

// A database migrated by a newer program is refused, and left as it is.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	v, _ := db.SchemaVersion(ctx)
	_, err = db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')`, v+1)
	require.NoError(t, err)
	db.Close()
	_, err = postgres.Open(ctx, dsn)
	require.Error(t, err, "opening a newer schema: %v, want a refusal", err)
	require.Contains(t, err.Error(), "newer than this program's", "opening a newer schema: %v, want a refusal", err)
}

// Reopening a migrated database keeps its data and applies nothing.
func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	first, err := db.Auth().Secret(ctx, "k", []byte("one"))
	db.Close()
	require.NoError(t, err)
	db, err = postgres.Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	again, err := db.Auth().Secret(ctx, "k", []byte("two"))
	require.NoError(t, err, "secret after reopening: %q %v, want %q", again, err, first)
	require.Equal(t, string(first), string(again), "secret after reopening: %q %v, want %q", again, err, first)
}

func TestBadDSNHidesPassword(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://u:hunter2@127.0.0.1:5432/db?sslmode=bogus")
	require.Error(t, err, "bad DSN: %v, want an error without the password", err)
	require.NotContains(t, err.Error(), "hunter2", "bad DSN: %v, want an error without the password", err)
	got := postgres.Redacted("postgres://u:hunter2@127.0.0.1/db")
	require.NotContains(t, got, "hunter2", "Redacted = %q", got)
	require.False(t, postgres.IsDSN("hanok.db"), "IsDSN")
	require.True(t, postgres.IsDSN("postgresql://127.0.0.1/db"), "IsDSN")
}

// A migration numbered below the newest applied one but not recorded (a
// domain another program was built without) is applied on the next open.
func TestSkippedMigrationApplied(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	_, err = db.Pool().Exec(ctx, `DROP TABLE auth_throttle; DELETE FROM schema_migrations WHERE version = 4`)
	require.NoError(t, err)
	db.Close()
	db, err = postgres.Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	var n int
	require.NoError(t, db.Pool().QueryRow(ctx, `SELECT count(*) FROM auth_throttle`).Scan(&n), "the skipped migration was not applied")
}
