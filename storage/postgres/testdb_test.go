package postgres

import (
	"context"
	"flag"
	"os"
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

// parallelTests is how many tests run at once unless -test.parallel says
// otherwise: each has a schema of its own and spends its time waiting on
// PostgreSQL (a new schema's migrations take about two seconds), not on
// the CPU, so more of them than GOMAXPROCS run well together (measured on
// 2 cores: 65 s at 2, 22 s at 8, slower again at 16).
const parallelTests = "8"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", parallelTests); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}
