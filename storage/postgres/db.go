// Package postgres implements the Stores of every hanok domain (auth,
// auction, calendar, microblog, mailing, trials) on PostgreSQL through
// github.com/jackc/pgx/v5 (pgxpool), for several servers on one database.
//
// What storage/sqlite gets from its single writer connection, this package
// gets from PostgreSQL's locks, so that it holds across processes: a rule
// that runs inside a store transaction (a bid, an auction's approval) first
// locks the row it decides about with SELECT ... FOR UPDATE; account
// names are written under a transaction-level advisory lock; migrations run
// under an advisory lock, so servers starting at once apply each one once.
//
// The schema is a list of numbered migrations embedded in the binary
// (migrations/NNNN_name.sql), run by package migrate and tracked in the
// table schema_migrations of the schema the connection's search_path
// selects. A database migrated by
// a newer program is refused. Time columns are timestamptz, NULL for no
// time (nullTime writes one), and times are returned in UTC to the
// microsecond (PostgreSQL's precision).
//
// Adding a domain is one file holding its store and accessor (db.X())
// and one migration, under the number reserved for its service (package
// migrate says how the numbers of the two backends relate), plus a line in the test file
// that runs the domain's conformance suite.
//
// Tests take a DSN from HANOK_TEST_POSTGRES and a fresh schema per test
// from package pgtest.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open hanok database on PostgreSQL. Its per-domain stores
// (Auth, Auction, Calendar, Microblog, Mailing) share its pool. It is
// safe for concurrent use, and any number of processes may open the same
// database.
type DB struct {
	pool *pgxpool.Pool
}

// Option configures Open.
type Option func(*pgxpool.Config)

// WithMaxConns sets the most connections the pool opens (pgxpool's
// default: max(4, NumCPU)).
func WithMaxConns(n int32) Option { return func(c *pgxpool.Config) { c.MaxConns = n } }

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value string, as libpq reads them; a search_path parameter selects
// the schema) and migrates it to the newest schema. Data already there is
// kept.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the DSN, password included.
		return nil, errors.New("postgres: open: the DSN is not a valid PostgreSQL connection string")
	}
	for _, opt := range opts {
		opt(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	db := &DB{pool: pool}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool returns the connection pool, for an embedder's own queries.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// migrations are the embedded migration files, in order.
func migrations() ([]migrate.Migration, error) {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

// migrationLock is the first key of the advisory lock migrations hold;
// the second is the hash of the schema they migrate.
const migrationLock = 0x68616e6f // "hano"

// SchemaVersion returns the number of the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// migrate applies the migrations not yet recorded in schema_migrations
// (see package migrate), in one transaction under an advisory lock on the
// schema, and only when one is pending. A server starting while another
// migrates waits for it, then finds nothing to do.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if err := migrate.Run(ctx, migrator{db}, ms); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}

// migrator is the migrate.Backend of a DB.
type migrator struct{ db *DB }

// Applied reads schema_migrations, if the table is there.
func (m migrator) Applied(ctx context.Context) ([]int, error) {
	var exists bool
	if err := m.db.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := m.db.pool.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

func (m migrator) Write(ctx context.Context, fn func(migrate.Tx) error) error {
	return m.db.write(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, int32(migrationLock)); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version integer PRIMARY KEY,
			name    text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		return fn(migratorTx{tx})
	})
}

type migratorTx struct{ tx pgx.Tx }

func (m migratorTx) Applied(ctx context.Context) ([]int, error) {
	rows, err := m.tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

func (m migratorTx) Apply(ctx context.Context, mig migrate.Migration) error {
	if _, err := m.tx.Exec(ctx, mig.SQL); err != nil {
		return err
	}
	_, err := m.tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, mig.Version, mig.Name)
	return err
}

// write runs fn in a read-committed transaction and commits it if fn
// returns nil. Rules that read before they write lock what they read
// (SELECT ... FOR UPDATE) inside fn.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.pool, fn)
}

// read runs fn in a read-only repeatable-read transaction, so that its
// queries see one snapshot.
func (db *DB) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// readBatch runs the queries queue adds to a batch in a read-only
// repeatable-read transaction, so that they see one snapshot, and gives
// their results, in order, to fn. BEGIN, the queries and COMMIT go to the
// server in one round trip.
func (db *DB) readBatch(ctx context.Context, queue func(b *pgx.Batch), fn func(br pgx.BatchResults) error) error {
	b := &pgx.Batch{}
	b.Queue(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`)
	queue(b)
	b.Queue(`COMMIT`)
	br := db.pool.SendBatch(ctx, b)
	if _, err := br.Exec(); err != nil {
		br.Close()
		return fmt.Errorf("postgres: begin read: %w", err)
	}
	if err := fn(br); err != nil {
		br.Close()
		return err
	}
	_, err := br.Exec()
	return errors.Join(err, br.Close())
}

// querier is what a query needs: a pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = (pgx.Tx)(nil)
)

// pgCode returns the SQLSTATE of err, or "".
func pgCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool { return pgCode(err) == "23503" }

// isUnique reports whether err is a unique violation.
func isUnique(err error) bool { return pgCode(err) == "23505" }

// requireUser returns auth.ErrUserNotFound (naming id in its wrapping)
// unless id is a row of users, for the stores whose rows refer to a user
// without a foreign key.
func requireUser(ctx context.Context, q querier, id hanok.UserID) error {
	var ok bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = $1)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("postgres: look up user %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("postgres: user %d: %w", id, auth.ErrUserNotFound)
	}
	return nil
}

// nullID is NULL for the zero id (none), else the id.
func nullID[T ~int64](id T) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

// nullTime is NULL for the zero time, else t.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// utc returns *t in UTC, or the zero time for NULL.
func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// IsDSN reports whether s is a PostgreSQL URL (postgres:// or
// postgresql://), as a program's -db flag tells PostgreSQL from a SQLite
// file path.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redacted returns s with the password of a PostgreSQL URL replaced by
// "xxxxx", for logs and errors; any other s is returned as it is.
func Redacted(s string) string {
	if !IsDSN(s) {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// missing is miss, the domain's declared error, for a query that found no
// row, else err: the one way a store turns "no rows" into what a client
// reads.
func missing(err, miss error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return miss
	}
	return err
}
