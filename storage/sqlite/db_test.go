package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hanok.db")
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	v1, err := db.SchemaVersion(ctx)
	require.NoError(t, err, "SchemaVersion")
	require.GreaterOrEqual(t, v1, 1, "SchemaVersion")
	u := &auth.User{Username: "keep", Email: "keep@example.com", PasswordHash: []byte("h"), Created: time.Now()}
	require.NoError(t, db.Auth().CreateUser(ctx, u))
	secret, err := db.Auth().Secret(ctx, "jwt", []byte("s1"))
	require.NoError(t, err)
	require.NoError(t, db.Close())

	db, err = sqlite.Open(ctx, path)
	require.NoError(t, err, "reopen")
	defer db.Close()
	v2, _ := db.SchemaVersion(ctx)
	require.Equal(t, v1, v2, "schema version changed on reopen: %d -> %d", v1, v2)
	got, err := db.Auth().UserByUsername(ctx, "keep")
	require.NoError(t, err, "after reopen: %+v, %v", got, err)
	require.Equal(t, u.ID, got.ID, "after reopen: %+v, %v", got, err)
	require.Equal(t, "keep@example.com", got.Email, "after reopen: %+v, %v", got, err)
	again, _ := db.Auth().Secret(ctx, "jwt", []byte("s2"))
	require.Equal(t, string(secret), string(again), "secret changed across reopen: %q -> %q", secret, again)
}

// migratedRaw creates the database file at path with the newest schema,
// closes it, and returns that schema's version and a plain connection to
// the file, for tests that rewrite it by hand.
func migratedRaw(t *testing.T, path string) (int, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	newest, err := db.SchemaVersion(ctx)
	require.NoError(t, err)
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	return newest, raw
}

// TestMigratesOldFileForward opens a file that holds only the first
// migration, as an older release would have left it, and checks that Open
// brings it to the newest version without losing its rows.
func TestMigratesOldFileForward(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	newest, raw := migratedRaw(t, path)

	// Rebuild the file as version 1: the auth tables and one user.
	// The tables of later migrations go, and the triggers they put on
	// the auth tables.
	rows, err := raw.Query(`SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name NOT IN ('users', 'revoked_tokens', 'secrets', 'sqlite_sequence') ORDER BY type DESC`)
	require.NoError(t, err)
	var drop []string
	for rows.Next() {
		var typ, n string
		require.NoError(t, rows.Scan(&typ, &n))
		drop = append(drop, "DROP "+typ+" "+n)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	stmts := append([]string{"PRAGMA foreign_keys = OFF"}, drop...)
	stmts = append(stmts,
		"PRAGMA user_version = 1",
		`INSERT INTO users (username, username_key, password_hash, created) VALUES ('old', 'old', x'00', 0)`)
	for _, s := range stmts {
		_, err := raw.Exec(s)
		require.NoError(t, err, "%s: %v", s, err)
	}
	raw.Close()

	db, err := sqlite.Open(ctx, path)
	require.NoError(t, err, "open old file")
	defer db.Close()
	v, _ := db.SchemaVersion(ctx)
	require.Equal(t, newest, v, "version after migrating = %d, want %d", v, newest)
	_, err = db.Auth().UserByUsername(ctx, "old")
	require.NoError(t, err, "row from version 1 lost: %v", err)
}

// TestOpenOddFileNames opens files whose names hold the characters of a
// URI's query, fragment and escapes: each must open (and reopen) the file
// of exactly that name, not a truncated or decoded one.
func TestOpenOddFileNames(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"has#hash.db", "q?mode=memory.db", "pct%41.db", "sp ace&x=1.db", "한글.db"} {
		dir := t.TempDir()
		path := filepath.Join(dir, name)
		for round := range 2 {
			db, err := sqlite.Open(ctx, path)
			require.NoError(t, err, "%s", name)
			if round == 0 {
				err = db.Auth().CreateUser(ctx, &auth.User{Username: "u", PasswordHash: []byte("h"), Created: time.Now()})
			} else {
				_, err = db.Auth().UserByUsername(ctx, "u")
			}
			db.Close()
			require.NoError(t, err, "%s round %d", name, round)
		}
		_, err := os.Stat(path)
		assert.NoError(t, err, "%s: the file of that name was not created: %v", name, err)
	}
}

// TestOpenRefusesNewerSchema opens a file whose schema version is past the
// newest migration this program knows: Open must refuse it.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "future.db")
	newest, raw := migratedRaw(t, path)
	_, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", newest+1))
	require.NoError(t, err)
	raw.Close()
	db, err := sqlite.Open(ctx, path)
	if err == nil {
		db.Close()
	}
	require.ErrorContains(t, err, "schema version", "Open(file of schema %d)", newest+1)
}

func TestOpenRefusesNonFilePaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		_, err := sqlite.Open(context.Background(), p)
		assert.Error(t, err, "Open(%q) succeeded; want an error", p)
	}
}

// TestConcurrentRegistration registers 50 users from 50 goroutines through
// the auth service; with one writer connection and immediate transactions
// none may fail with "database is locked".
func TestConcurrentRegistration(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	svc, err := auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Register(ctx, auth.RegisterInput{Username: fmt.Sprintf("racer%d", i), Password: "password123"})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			require.NotContains(t, err.Error(), "locked", "goroutine %d: %v", i, err)
			require.NotContains(t, err.Error(), "busy", "goroutine %d: %v", i, err)
			require.NoError(t, err, "goroutine %d (code %s)", i, hanok.CodeOf(err))
		}
	}
	for i := range n {
		_, err := db.Auth().UserByUsername(ctx, fmt.Sprintf("racer%d", i))
		require.NoError(t, err, "racer%d missing: %v", i, err)
	}
}
