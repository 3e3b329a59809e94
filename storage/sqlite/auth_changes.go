package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"sync"
)

// walHeaderSize is the size of the first copy of the WAL-index header at
// the start of the "-shm" file (SQLite's file format, §4.5 "WAL-Index
// Format"). Every commit by any connection of any process rewrites it (its
// iChange counter, mxFrame and checksums change), so two equal readings
// mean that nothing was committed in between.
const walHeaderSize = 48

// changeGate lets AuthChanges answer without a query while no connection
// of any process has committed to the file since its last query: it reads
// the WAL-index header (48 bytes of the -shm file, mapped into memory
// where the system allows, else one pread), and only when the header
// differs from the one read before the last query does it ask the
// database for the count again.
//
// It holds the pair (header read before the query, count the query
// returned): if the header still reads the same, no commit happened since
// it was read, so the count, read after it, is still the count. Any pair
// stored by concurrent callers keeps this true. A header that cannot be
// read (no -shm file, a short read) means "ask the database".
//
// The -shm file is replaced only when every connection to the database
// closes, which cannot happen while this DB is open (its writer keeps its
// connection). Were it replaced anyway, the readings would stop changing
// and the token cache would be back to its time bound
// (auth.Config.TokenCacheTTL).
type changeGate struct {
	mu     sync.Mutex
	opened bool
	shm    *os.File
	// mem is the start of the -shm file mapped read-only (nil where it
	// could not be mapped: ReadAt is used instead).
	mem    []byte
	valid  bool
	header [walHeaderSize]byte
	count  int64
}

// read reads the header; ok is false when it cannot be used.
func (g *changeGate) read(path string) (h [walHeaderSize]byte, ok bool) {
	g.mu.Lock()
	if !g.opened {
		g.opened = true
		if f, err := os.Open(path + "-shm"); err == nil {
			g.shm = f
			g.mem = mapHeader(f)
		}
	}
	f, mem := g.shm, g.mem
	g.mu.Unlock()
	if mem != nil {
		return copyHeader(mem)
	}
	if f == nil {
		return h, false
	}
	n, err := f.ReadAt(h[:], 0)
	return h, err == nil && n == walHeaderSize
}

// copyHeader copies the header out of the mapped file. A fault (the file
// cut shorter than the mapping by a process that found itself the first
// on the database, which cannot happen while this DB holds its
// connections) is recovered from and reported as not ok, rather than
// ending the program.
func copyHeader(mem []byte) (h [walHeaderSize]byte, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	copy(h[:], mem[:walHeaderSize])
	return h, true
}

// close closes the -shm file.
func (g *changeGate) close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shm == nil {
		return nil
	}
	unmapHeader(g.mem)
	err := g.shm.Close()
	g.shm, g.mem = nil, nil
	return err
}

// AuthChanges implements auth.ChangeCounter: the count of the writes of
// any process to users and revoked_tokens, kept by the triggers of
// migration 0012. It runs at every authenticated request: while nothing
// was committed to the file since its last query (changeGate), it answers
// without one, else with one statement prepared once.
func (s *AuthStore) AuthChanges(ctx context.Context) (int64, error) {
	g := &s.db.authChanges
	h, ok := g.read(s.db.path)
	if ok {
		g.mu.Lock()
		same, n := g.valid && bytes.Equal(h[:], g.header[:]), g.count
		g.mu.Unlock()
		if same {
			return n, nil
		}
	}
	stmts, err := s.db.prepared(ctx, authChangesQuery)
	if err != nil {
		return 0, fmt.Errorf("sqlite: auth changes: %w", err)
	}
	var n int64
	if err := (poolQuerier{s.db.reader, stmts}).QueryRowContext(ctx, authChangesQuery).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: auth changes: %w", err)
	}
	if ok {
		g.mu.Lock()
		g.header, g.count, g.valid = h, n, true
		g.mu.Unlock()
	}
	return n, nil
}

const authChangesQuery = `SELECT counter FROM auth_changes WHERE id = 1`
