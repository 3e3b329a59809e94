package postgres

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// openTestDB opens a new schema (pgtest.DSN) with opts and closes the
// pool when the test ends, before the schema is dropped: the one way the
// tests of this package, internal and external, open a database of their
// own.
func openTestDB(tb testing.TB, opts ...Option) *DB {
	tb.Helper()
	db, err := Open(context.Background(), pgtest.DSN(tb), opts...)
	require.NoError(tb, err, "open a test database")
	tb.Cleanup(func() { db.Close() })
	return db
}

// OpenTestDB is openTestDB for the external tests (package postgres_test).
var OpenTestDB = openTestDB
