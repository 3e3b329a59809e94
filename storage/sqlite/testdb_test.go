package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// openTestDB opens a new database file under tb's temporary directory
// with opts and closes it when the test ends: the one way the tests of
// this package, internal and external, open a database of their own.
func openTestDB(tb testing.TB, opts ...Option) *DB {
	tb.Helper()
	db, err := Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"), opts...)
	require.NoError(tb, err, "open a test database")
	tb.Cleanup(func() { db.Close() })
	return db
}

// OpenTestDB is openTestDB for the external tests (package sqlite_test).
var OpenTestDB = openTestDB

// openAgain opens another DB on db's file, as another process beside it
// would, and closes it when the test ends.
func openAgain(tb testing.TB, db *DB) *DB {
	tb.Helper()
	other, err := Open(context.Background(), db.Path())
	require.NoError(tb, err, "open the test database again")
	tb.Cleanup(func() { other.Close() })
	return other
}

// OpenAgain is openAgain for the external tests.
var OpenAgain = openAgain
