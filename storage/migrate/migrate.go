// Package migrate is the one migration runner of the SQL stores
// (storage/sqlite and storage/postgres): it reads a backend's numbered
// migration files, says which ones a database lacks, and applies them
// through the backend's own transaction, lock and bookkeeping.
//
// # How the numbers relate across backends
//
// Each backend has its own files (storage/sqlite/migrations,
// storage/postgres/migrations), written in its own dialect; a file is
// named NNNN_what.sql, and NNNN is its version. The numbers are reserved
// per service, so that work on two services in parallel never takes the
// same one: from 0008 on, trials 0008, mailing 0009, microblog 0010,
// calendar 0011, auth 0012, auction 0013, the system (the server and the
// stores' common tables) 0014; later numbers are handed out the same way,
// one service at a time. A reserved number means the same service on both
// backends, but a backend without anything to change for it has no file
// of that number: numbers increase, they need not be contiguous.
//
// The numbers below 0008 predate the reservation and differ: 0001 auth,
// 0002 auction, 0003 calendar and 0005 microblog are the same on both,
// but 0004 is calendar_nanoseconds on SQLite (the calendar's times moved
// from unix seconds to nanoseconds; PostgreSQL has used timestamptz from
// the start) and auth_throttle on PostgreSQL (the login budgets several
// servers share; SQLite serves one process and keeps them in memory), and
// the trials and the mailing list are 0006 and 0007 on SQLite but 0007
// and 0006 on PostgreSQL. A version therefore says how far one backend's
// schema is, never which change another backend has.
//
// # What each backend records
//
// SQLite records the newest version applied (PRAGMA user_version): every
// migration numbered at or below it counts as applied. PostgreSQL records
// each version applied (the schema_migrations table) and applies any
// missing one, even below the newest. Both refuse a database whose newest
// version is above every migration the program has: a newer program
// migrated it, and this one would not keep its tables consistent.
package migrate

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Migration is one numbered migration file.
type Migration struct {
	// Version is the file's number, Name its name.
	Version int
	Name    string
	// SQL is the file's text.
	SQL string
}

// Load reads the migrations in dir of fsys, sorted by version. Every file
// name must start with a positive number and "_", and no two may have
// the same number.
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must start with a positive number and '_'", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migration %q: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	if err := CheckNumbers(ms); err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("migrations: none in %s", dir)
	}
	return ms, nil
}

// CheckNumbers returns an error if two of ms (sorted by version) have the
// same number. Numbers may have gaps (see the package doc).
func CheckNumbers(ms []Migration) error {
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return fmt.Errorf("migrations %q and %q have the same number", ms[i-1].Name, ms[i].Name)
		}
	}
	return nil
}

// UpTo returns the versions of ms at or below v, and v: what a database
// that records only its newest version (SQLite's user_version) has
// applied.
func UpTo(ms []Migration, v int) []int {
	var out []int
	for _, m := range ms {
		if m.Version <= v {
			out = append(out, m.Version)
		}
	}
	if v > 0 && !slices.Contains(out, v) {
		out = append(out, v)
	}
	return out
}

// Pending returns the migrations of ms (sorted) not in applied, in order.
// A database with a version newer than every one of ms is refused.
func Pending(ms []Migration, applied []int) ([]Migration, error) {
	newest := ms[len(ms)-1].Version
	if v := slices.Max(append(slices.Clone(applied), 0)); v > newest {
		return nil, fmt.Errorf("schema version %d is newer than this program's %d", v, newest)
	}
	var out []Migration
	for _, m := range ms {
		if !slices.Contains(applied, m.Version) {
			out = append(out, m)
		}
	}
	return out, nil
}

// Tx is a backend's write transaction, holding its migration lock.
type Tx interface {
	// Applied returns the versions the database has, read in the
	// transaction.
	Applied(ctx context.Context) ([]int, error)
	// Apply runs m and records it as applied.
	Apply(ctx context.Context, m Migration) error
}

// Backend is what Run needs of a database.
type Backend interface {
	// Applied returns the versions the database has, read without
	// writing anything or taking a write lock.
	Applied(ctx context.Context) ([]int, error)
	// Write runs fn in one write transaction under the backend's
	// migration lock, committing it if fn returns nil.
	Write(ctx context.Context, fn func(Tx) error) error
}

// Run brings the database of b up to the newest of ms (from Load). It
// reads the applied versions first without writing: a database that has
// every migration is never written to, so that a file or role that may
// only read still opens. Otherwise it applies what is pending in one
// write transaction, reading the applied versions again under the lock,
// since another process may have migrated in between.
func Run(ctx context.Context, b Backend, ms []Migration) error {
	applied, err := b.Applied(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	pending, err := Pending(ms, applied)
	if err != nil || len(pending) == 0 {
		return err
	}
	return b.Write(ctx, func(tx Tx) error {
		applied, err := tx.Applied(ctx)
		if err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
		pending, err := Pending(ms, applied)
		if err != nil {
			return err
		}
		for _, m := range pending {
			if err := tx.Apply(ctx, m); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
		}
		return nil
	})
}
