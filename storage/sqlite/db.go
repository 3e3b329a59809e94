// Package sqlite implements every hanok domain's Store on one SQLite
// database through modernc.org/sqlite (pure Go, no cgo).
//
// A DB holds two pools on the same file: a writer limited to one
// connection whose transactions begin IMMEDIATE, so a write never fails
// with SQLITE_BUSY when it upgrades a read lock, and a read pool for
// queries. Pragmas are set in the DSN, so every pooled connection gets
// them. The schema is a list of numbered migrations embedded in the
// binary, run by package migrate (which says how the numbers relate to
// PostgreSQL's) and tracked with PRAGMA user_version. Every time column of every
// table is an INTEGER of unix nanoseconds, UTC.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	sqlite3 "modernc.org/sqlite"
	sqlite3lib "modernc.org/sqlite/lib"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// DB is an open hanok database. Its per-domain stores (Auth, ...) share
// its pools. It is safe for concurrent use.
type DB struct {
	path   string
	writer *sql.DB
	reader *sql.DB
	// auction caches the auction's list and detail rows (auction_cache.go).
	auction auctionCache
	// microblog caches the microblog's timeline pages and tweets
	// (microblog_cache.go).
	microblog microblogCache
	// calendar caches the calendar's event ranges and birthdays
	// (calendar_cache.go).
	calendar calendarCache
	// mailing caches the mailing list's subscriber list
	// (mailing_cache.go).
	mailing mailingCache
	// trials caches the trials' single reads, histories and pages
	// (trials_cache.go).
	trials trialsCache
	// stmts are the read pool's prepared statements, writeStmts the
	// writer's (stmt.go).
	stmts      stmtCache
	writeStmts stmtCache
	// raw are the writer connection's driver statements (writeRaw).
	raw rawStmts
	// unfolded counts the rows this process has added to mailing_sent
	// since it last folded them (mailing.go, foldSent).
	unfolded atomic.Int64
	// authChanges answers auth.ChangeCounter (auth_changes.go).
	authChanges changeGate
	// watch is the one fileWatch of the file (auction_watch.go).
	watch dbWatch
}

// Option configures Open.
type Option func(*options)

type options struct {
	readConns int
}

// WithReadConns sets the size of the read pool (default: max(4, NumCPU)).
func WithReadConns(n int) Option { return func(o *options) { o.readConns = n } }

// journalSizeLimit is the size, in bytes, to which SQLite truncates the WAL
// after a checkpoint, so that one burst of writes does not leave a file of
// that size behind for good.
const journalSizeLimit = 64 << 20

func dsn(path string, writer bool) string {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", fmt.Sprintf("journal_size_limit(%d)", journalSizeLimit)} {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + uriPath.Replace(path) + "?" + q.Encode()
}

// uriPath escapes the characters that a SQLite URI filename would read as
// the start of its query or fragment or as an escape, so that a path
// holding them opens the file of that name.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Open opens (creating if needed) the database file at path and migrates
// it to the newest schema. Data already in the file is kept. A new file is
// created readable and writable by its owner only (0600), since it holds
// the JWT signing key; SQLite gives its WAL and shared-memory files the
// mode of the database file.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{readConns: max(4, runtime.NumCPU())}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: want a plain file path", path)
	}
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := checkWritable(path); err != nil {
		return nil, err
	}
	writer, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	db := &DB{path: path, writer: writer}
	db.microblog.init()
	db.calendar.init()
	db.mailing.init()
	db.trials.init()
	if err := db.migrate(ctx); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(o.readConns)
	reader.SetMaxIdleConns(o.readConns)
	db.reader = reader
	return db, nil
}

// createPrivate creates an empty file at path with mode 0600 unless a file
// is already there, so that SQLite, which would create it 0644 (less the
// umask), opens a file only its owner can read.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// checkWritable returns an error naming the file, and what to do, when
// the database file or the WAL or shared-memory file beside it cannot be
// written, or cannot be created where it is missing: SQLite would open it
// read-only and fail at the first write ("attempt to write a readonly
// database") instead. A file whose mode lacks the owner's write bit
// counts as read-only even for root, who could write it anyway.
func checkWritable(path string) error {
	missing := false
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			missing = true
			continue
		}
		if err != nil {
			return fmt.Errorf("sqlite: %w", err)
		}
		if fi.Mode().Perm()&0o200 == 0 {
			return fmt.Errorf("sqlite: %s is read-only (mode %v): make it writable by the user running hanok (chmod u+w %s)", name, fi.Mode().Perm(), name)
		}
		f, err := os.OpenFile(name, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("sqlite: %s cannot be written (%w): make it writable by the user running hanok", name, err)
		}
		f.Close()
	}
	if missing {
		// SQLite creates the WAL and shared-memory files beside the
		// database: its directory must take new files.
		dir := filepath.Dir(path)
		f, err := os.CreateTemp(dir, ".hanok-write-check-*")
		if err != nil {
			return fmt.Errorf("sqlite: the directory %s of %s takes no new file (%w): SQLite keeps its -wal and -shm files there; make it writable by the user running hanok", dir, filepath.Base(path), err)
		}
		f.Close()
		os.Remove(f.Name())
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	return errors.Join(db.watch.close(), db.reader.Close(), db.writer.Close())
}

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// migrations are the embedded migration files, in order.
func migrations() ([]migrate.Migration, error) {
	ms, err := migrate.Load(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// SchemaVersion returns the number of the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// migrate applies the migrations newer than the file's user_version (see
// package migrate), all in one IMMEDIATE transaction, and only when one
// is pending: a file that is up to date is not written to. Two processes
// opening the same file at once serialize on the write lock and the
// second finds nothing to do.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if err := migrate.Run(ctx, migrator{db, ms}, ms); err != nil {
		return fmt.Errorf("sqlite: %s: %w", db.path, err)
	}
	return nil
}

// migrator is the migrate.Backend (and, in a transaction, the migrate.Tx)
// of a DB: the applied versions are those up to user_version.
type migrator struct {
	db *DB
	ms []migrate.Migration
}

func (m migrator) Applied(ctx context.Context) ([]int, error) {
	v, err := m.db.SchemaVersion(ctx)
	return migrate.UpTo(m.ms, v), err
}

func (m migrator) Write(ctx context.Context, fn func(migrate.Tx) error) error {
	return m.db.write(ctx, func(tx *sql.Tx) error { return fn(migratorTx{tx, m.ms}) })
}

type migratorTx struct {
	tx *sql.Tx
	ms []migrate.Migration
}

func (m migratorTx) Applied(ctx context.Context) ([]int, error) {
	var v int
	err := m.tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return migrate.UpTo(m.ms, v), err
}

func (m migratorTx) Apply(ctx context.Context, mig migrate.Migration) error {
	if _, err := m.tx.ExecContext(ctx, mig.SQL); err != nil {
		return err
	}
	_, err := m.tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", mig.Version))
	return err
}

// write runs fn in a write transaction (BEGIN IMMEDIATE on the single
// writer connection) and commits it if fn returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return db.readOnly(err)
	}
	if err := tx.Commit(); err != nil {
		return db.readOnly(fmt.Errorf("sqlite: commit: %w", err))
	}
	return nil
}

// readOnly adds to a write refused because the file cannot be written
// (which Open checks, but a file system may turn read-only later) the
// file's name and what to do.
func (db *DB) readOnly(err error) error {
	var e *sqlite3.Error
	if errors.As(err, &e) && e.Code()&0xff == sqlite3lib.SQLITE_READONLY {
		return fmt.Errorf("%w (%s cannot be written: make it and its directory writable by the user running hanok)", err, db.path)
	}
	return err
}

// read runs fn in a read transaction on the read pool, so that its queries
// see one snapshot.
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

// isUnique reports whether err is a UNIQUE (or PRIMARY KEY) constraint
// violation.
func isUnique(err error) bool {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		c := e.Code()
		return c == sqlite3lib.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3lib.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKey reports whether err is a FOREIGN KEY constraint violation.
func isForeignKey(err error) bool {
	var e *sqlite3.Error
	if errors.As(err, &e) {
		return e.Code() == sqlite3lib.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// requireUser returns auth.ErrUserNotFound (naming id in its wrapping)
// unless id is a row of users, for the stores whose rows refer to a user
// without a foreign key.
func requireUser(ctx context.Context, tx *sql.Tx, id hanok.UserID) error {
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE id = ?)`, id).Scan(&ok); err != nil {
		return fmt.Errorf("sqlite: look up user %d: %w", id, err)
	}
	if !ok {
		return fmt.Errorf("sqlite: user %d: %w", id, auth.ErrUserNotFound)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// The one time convention of the SQLite stores: every time column is an
// INTEGER of unix nanoseconds, UTC, and NULL is "no time" (the zero
// time.Time). nanos writes a time, fromNanos reads one back; no store
// converts times its own way.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos is the time nanos wrote: the zero time for NULL.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// collect scans every row of rows (as returned with err by a query) with
// scan, closing rows, into a slice that is empty, not nil, when there are
// none; the error of the query, of a scan or of the
// iteration is returned wrapped with what.
func collect[T any](what string, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return out, nil
}

// nullID is NULL for the zero id (none), else the id.
func nullID[T ~int64](id T) any {
	if id == 0 {
		return nil
	}
	return int64(id)
}

// missing is miss, the domain's declared error, for a query that found no
// row, else err: the one way a store turns "no rows" into what a client
// reads.
func missing(err, miss error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return miss
	}
	return err
}
