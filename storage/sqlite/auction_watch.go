package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"sync"
)

// fileVersion identifies the committed state of a database file: two
// readings differ whenever a transaction was committed in between, by any
// connection of any process.
type fileVersion [walHeaderSize]byte

// fileWatch reads a database file's version. Its methods are safe for
// concurrent use.
type fileWatch interface {
	version(ctx context.Context) (fileVersion, error)
	close() error
}

// newFileWatch returns the cheapest watch of the file at path that works
// here: a read of the shared-memory WAL index (walIndexWatch), where the
// system can map it, else PRAGMA data_version (pragmaWatch).
func newFileWatch(ctx context.Context, path string) (fileWatch, error) {
	if w, err := newWALIndexWatch(path); err == nil {
		return w, nil
	}
	return newPragmaWatch(ctx, path)
}

// pragmaWatch reads PRAGMA data_version on a connection of its own, which
// SQLite changes whenever another connection (of this process or another)
// committed to the file since the connection's previous reading. It
// costs a read transaction's start, a few microseconds.
type pragmaWatch struct {
	db   *sql.DB
	stmt *sql.Stmt
}

func newPragmaWatch(ctx context.Context, path string) (*pragmaWatch, error) {
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("sqlite: watch %s: %w", path, err)
	}
	// One connection: data_version compares readings of one connection.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	stmt, err := db.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: watch %s: %w", path, err)
	}
	return &pragmaWatch{db: db, stmt: stmt}, nil
}

func (w *pragmaWatch) version(ctx context.Context) (fileVersion, error) {
	var v int64
	var out fileVersion
	if err := w.stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return out, fmt.Errorf("sqlite: data_version: %w", err)
	}
	binary.LittleEndian.PutUint64(out[:], uint64(v))
	return out, nil
}

func (w *pragmaWatch) close() error {
	w.stmt.Close()
	return w.db.Close()
}

// errClosedWatch is the version of a closed DB's file.
var errClosedWatch = fmt.Errorf("sqlite: the database is closed")

// dbWatch is a DB's one fileWatch of its file, opened at its first use
// and shared by every cache that must see other processes' commits (the
// auction's rows, auth's change count).
type dbWatch struct {
	mu     sync.Mutex
	watch  fileWatch
	closed bool
}

// version reads the version of db's file; ok is false when it cannot be
// read, which callers take as a change.
func (db *DB) version(ctx context.Context) (v fileVersion, ok bool) {
	w := &db.watch
	w.mu.Lock()
	if w.watch == nil && !w.closed {
		if fw, err := newFileWatch(ctx, db.path); err == nil {
			w.watch = fw
		}
	}
	fw := w.watch
	w.mu.Unlock()
	if fw == nil {
		return v, false
	}
	v, err := fw.version(ctx)
	return v, err == nil
}

// close releases the watch; later versions are not ok.
func (w *dbWatch) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	if w.watch == nil {
		return nil
	}
	err := w.watch.close()
	w.watch = nil
	return err
}
