package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
	_ "modernc.org/sqlite"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hanok.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := db.SchemaVersion(ctx)
	if err != nil || v1 < 1 {
		t.Fatalf("SchemaVersion = %d, %v", v1, err)
	}
	u := &auth.User{Username: "keep", Email: "keep@example.com", PasswordHash: []byte("h"), Created: time.Now()}
	if err := db.Auth().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	secret, err := db.Auth().Secret(ctx, "jwt", []byte("s1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	v2, _ := db.SchemaVersion(ctx)
	if v2 != v1 {
		t.Fatalf("schema version changed on reopen: %d -> %d", v1, v2)
	}
	got, err := db.Auth().UserByUsername(ctx, "keep")
	if err != nil || got.ID != u.ID || got.Email != "keep@example.com" {
		t.Fatalf("after reopen: %+v, %v", got, err)
	}
	again, _ := db.Auth().Secret(ctx, "jwt", []byte("s2"))
	if string(again) != string(secret) {
		t.Fatalf("secret changed across reopen: %q -> %q", secret, again)
	}
}

// migratedRaw creates the database file at path with the newest schema,
// closes it, and returns that schema's version and a plain connection to
// the file, for tests that rewrite it by hand.
func migratedRaw(t *testing.T, path string) (int, *sql.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	newest, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
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
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	raw.Close()

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("open old file: %v", err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v != newest {
		t.Fatalf("version after migrating = %d, want %d", v, newest)
	}
	if _, err := db.Auth().UserByUsername(ctx, "old"); err != nil {
		t.Fatalf("row from version 1 lost: %v", err)
	}
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
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if round == 0 {
				err = db.Auth().CreateUser(ctx, &auth.User{Username: "u", PasswordHash: []byte("h"), Created: time.Now()})
			} else {
				_, err = db.Auth().UserByUsername(ctx, "u")
			}
			db.Close()
			if err != nil {
				t.Fatalf("%s round %d: %v", name, round, err)
			}
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: the file of that name was not created: %v", name, err)
		}
	}
}

// TestOpenRefusesNewerSchema opens a file whose schema version is past the
// newest migration this program knows: Open must refuse it.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "future.db")
	newest, raw := migratedRaw(t, path)
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", newest+1)); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err := sqlite.Open(ctx, path); err == nil || !strings.Contains(err.Error(), "schema version") {
		if err == nil {
			db.Close()
		}
		t.Fatalf("Open(file of schema %d) = %v, want an error naming the schema version", newest+1, err)
	}
}

func TestOpenRefusesNonFilePaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db?mode=memory"} {
		if _, err := sqlite.Open(context.Background(), p); err == nil {
			t.Errorf("Open(%q) succeeded; want an error", p)
		}
	}
}

// TestConcurrentRegistration registers 50 users from 50 goroutines through
// the auth service; with one writer connection and immediate transactions
// none may fail with "database is locked".
func TestConcurrentRegistration(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	svc, err := auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
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
			if strings.Contains(err.Error(), "locked") || strings.Contains(err.Error(), "busy") {
				t.Fatalf("goroutine %d: %v", i, err)
			}
			t.Fatalf("goroutine %d: unexpected error %v (code %s)", i, err, hanok.CodeOf(err))
		}
	}
	for i := range n {
		if _, err := db.Auth().UserByUsername(ctx, fmt.Sprintf("racer%d", i)); err != nil {
			t.Fatalf("racer%d missing: %v", i, err)
		}
	}
}
