// Package pgtest gives tests a fresh, empty PostgreSQL schema of the
// database named by HANOK_TEST_POSTGRES, for storage/postgres and for any
// test that runs hanok on PostgreSQL.
//
// Without HANOK_TEST_POSTGRES the tests that ask for a database skip,
// saying which variable to set; with HANOK_REQUIRE_POSTGRES set too (as
// CI sets it), they fail instead.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN is the variable holding the DSN of the database tests may use;
// EnvRequire, when set, makes a test without EnvDSN fail rather than skip.
const (
	EnvDSN     = "HANOK_TEST_POSTGRES"
	EnvRequire = "HANOK_REQUIRE_POSTGRES"
)

// BaseDSN returns the DSN in EnvDSN, or skips (or, with EnvRequire set,
// fails) the test when it is not set.
func BaseDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn == "" {
		if os.Getenv(EnvRequire) != "" {
			tb.Fatalf("%s is set but %s is not: set it to a PostgreSQL DSN (postgres://user:password@127.0.0.1:5432/db)", EnvRequire, EnvDSN)
		}
		tb.Skipf("PostgreSQL tests skipped: set %s to a PostgreSQL DSN (postgres://user:password@127.0.0.1:5432/db) to run them", EnvDSN)
	}
	return dsn
}

// DSN creates a new empty schema in the database of EnvDSN and returns a
// DSN whose connections use it (search_path), so that every test gets a
// database of its own; the schema is dropped when the test ends. Tests
// without EnvDSN skip as BaseDSN says.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := BaseDSN(tb)
	var b [8]byte
	_, _ = rand.Read(b[:])
	schema := "hanok_test_" + hex.EncodeToString(b[:])
	exec(tb, base, `CREATE SCHEMA `+schema)
	tb.Cleanup(func() { exec(tb, base, `DROP SCHEMA `+schema+` CASCADE`) })
	return WithSearchPath(base, schema)
}

// WithSearchPath returns dsn with its search_path set to schema.
func WithSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}

func exec(tb testing.TB, dsn, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", EnvDSN, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("pgtest: %s: %v", sql, err)
	}
}

// ContainsPassword reports whether out holds the password of dsn, for tests that
// check a DSN's password stays out of logs. A DSN without a password is
// never contained.
func ContainsPassword(out, dsn string) bool {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return false
	}
	pw, ok := u.User.Password()
	return ok && pw != "" && strings.Contains(out, pw)
}
