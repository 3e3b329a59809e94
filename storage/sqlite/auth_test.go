package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// openTestDB opens a new database file under t's temporary directory and
// closes it when the test ends.
func openTestDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "test.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestAuthStore(t *testing.T) {
	authtest.RunStoreTests(t, func(t *testing.T) auth.Store { return openTestDB(t).Auth() })
}

func BenchmarkLogin(b *testing.B) {
	authtest.BenchmarkLogin(b, func(b *testing.B) auth.Store { return openTestDB(b).Auth() })
}

func BenchmarkAuthenticate(b *testing.B) {
	authtest.BenchmarkAuthenticate(b, func(b *testing.B) auth.Store { return openTestDB(b).Auth() })
}
