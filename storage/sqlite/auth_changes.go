package sqlite

import (
	"context"
	"fmt"
	"sync"
)

// changeGate lets AuthChanges answer without a query while no connection
// of any process has committed to the file since its last query: it reads
// the file's version (the DB's one fileWatch: the WAL-index header, a few
// loads from shared memory), and only when the version differs from the
// one read before the last query does it ask the database for the count
// again.
//
// It holds the pair (version read before the query, count the query
// returned): if the version still reads the same, no commit happened since
// it was read, so the count, read after it, is still the count. Any pair
// stored by concurrent callers keeps this true. A version that cannot be
// read means "ask the database".
type changeGate struct {
	mu      sync.Mutex
	valid   bool
	version fileVersion
	count   int64
}

// AuthChanges implements auth.ChangeCounter: the count of the writes of
// any process to users and revoked_tokens, kept by the triggers of
// migration 0012. It runs at every authenticated request: while nothing
// was committed to the file since its last query (changeGate), it answers
// without one, else with one statement prepared once.
func (s *AuthStore) AuthChanges(ctx context.Context) (int64, error) {
	g := &s.db.authChanges
	h, ok := s.db.version(ctx)
	if ok {
		g.mu.Lock()
		same, n := g.valid && h == g.version, g.count
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
		g.version, g.count, g.valid = h, n, true
		g.mu.Unlock()
	}
	return n, nil
}

const authChangesQuery = `SELECT counter FROM auth_changes WHERE id = 1`
