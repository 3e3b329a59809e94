package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// Servers starting at once on a new database migrate it once: the others
// wait on the advisory lock and find nothing left to do.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
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
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var rows, newest int
	if err := dbs[0].Pool().QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&rows, &newest); err != nil {
		t.Fatal(err)
	}
	v, err := dbs[1].SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want, err := postgres.MigrationVersions()
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(want) || v != newest || newest != want[len(want)-1] {
		t.Fatalf("schema_migrations: %d rows, newest %d, SchemaVersion %d: want each of %v recorded once", rows, newest, v, want)
	}
}

// A database migrated by a newer program is refused, and left as it is.
func TestNewerSchemaRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := db.SchemaVersion(ctx)
	if _, err := db.Pool().Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, 'from the future')`, v+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = postgres.Open(ctx, dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this program's") {
		t.Fatalf("opening a newer schema: %v, want a refusal", err)
	}
}

// Reopening a migrated database keeps its data and applies nothing.
func TestReopenKeepsData(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	first, err := db.Auth().Secret(ctx, "k", []byte("one"))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	again, err := db.Auth().Secret(ctx, "k", []byte("two"))
	if err != nil || string(again) != string(first) {
		t.Fatalf("secret after reopening: %q %v, want %q", again, err, first)
	}
}

func TestBadDSNHidesPassword(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://u:hunter2@127.0.0.1:5432/db?sslmode=bogus")
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad DSN: %v, want an error without the password", err)
	}
	if got := postgres.Redacted("postgres://u:hunter2@127.0.0.1/db"); strings.Contains(got, "hunter2") {
		t.Fatalf("Redacted = %q", got)
	}
	if postgres.IsDSN("hanok.db") || !postgres.IsDSN("postgresql://127.0.0.1/db") {
		t.Fatal("IsDSN")
	}
}

// A migration numbered below the newest applied one but not recorded (a
// domain another program was built without) is applied on the next open.
func TestSkippedMigrationApplied(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, `DROP TABLE auth_throttle; DELETE FROM schema_migrations WHERE version = 4`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Pool().QueryRow(ctx, `SELECT count(*) FROM auth_throttle`).Scan(&n); err != nil {
		t.Fatalf("the skipped migration was not applied: %v", err)
	}
}
