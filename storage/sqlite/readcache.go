package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// maxCachedReads bounds a readCache whose max is 0: when it is full it is
// emptied and fills again from the database.
const maxCachedReads = 4096

// readCache holds the rows of one domain's recent reads, as read from the
// database, keyed by the read's whole query (the viewer included where a
// row depends on it). It works as the auction's cache does
// (auction_cache.go):
//
// Every write of the domain through this DB bumps the generation once it
// has committed, which empties the cache; a read that began before a bump
// is not cached.
//
// A write by another process on the same file, or by another DB of this
// one, is seen at the next read: every read first syncs, reading the
// file's version (the DB's one fileWatch) and, when it changed since the
// last sync, the counts named by query (the domain's write count, which
// every write of the domain adds to in its transaction, and any other
// count the cached rows depend on); when one changed, it bumps the
// generation. A read that starts after such a write has committed sees a
// new version and a new count, so it is answered from the database.
type readCache[K comparable, V any] struct {
	// query reads the counts the rows depend on, in one row of two
	// integers.
	query string
	// max bounds the number of cached reads (maxCachedReads if 0).
	max int

	mu      sync.Mutex
	gen     uint64
	rows    map[K]V
	seen    fileVersion
	counts  [2]int64
	watched bool
}

// sync bumps the generation if any connection of any process committed a
// write that query counts since the previous sync. A version or count
// that cannot be read is taken as a change.
func (c *readCache[K, V]) sync(ctx context.Context, db *DB) {
	v, ok := db.version(ctx)
	c.mu.Lock()
	unchanged := ok && c.watched && v == c.seen
	c.mu.Unlock()
	if unchanged {
		return
	}
	// Read after the version: the counts include every write the version
	// does.
	var counts [2]int64
	if ok {
		stmts, err := db.prepared(ctx, c.query)
		if err == nil {
			err = poolQuerier{db.reader, stmts}.QueryRowContext(ctx, c.query).Scan(&counts[0], &counts[1])
		}
		ok = err == nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok && c.watched && counts == c.counts {
		c.seen = v
		return
	}
	c.seen, c.counts, c.watched = v, counts, ok
	c.gen++
	c.rows = nil
}

// writeCounted runs fn in a write transaction that also adds one to the
// domain's write count, the one row of table (migrations 0019, 0020),
// which the read caches of other processes on the file watch; then,
// committed or not, it calls bump to empty this DB's cache of the
// domain, so that no read after it is answered with rows from before it.
func (db *DB) writeCounted(ctx context.Context, table string, bump func(), fn func(tx *sql.Tx) error) error {
	defer bump()
	return db.write(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET writes = writes + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("sqlite: count the write in %s: %w", table, err)
		}
		return nil
	})
}

// generation returns the current generation, to pass to a put.
func (c *readCache[K, V]) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// bump starts a new generation and forgets every row.
func (c *readCache[K, V]) bump() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.rows = nil
}

// get returns the cached rows of key; the caller copies them before
// handing them out.
func (c *readCache[K, V]) get(key K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.rows[key]
	return v, ok
}

// put caches the rows of key read at generation gen; they must not be
// changed afterwards.
func (c *readCache[K, V]) put(key K, gen uint64, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	limit := c.max
	if limit == 0 {
		limit = maxCachedReads
	}
	if c.rows == nil || len(c.rows) >= limit {
		c.rows = map[K]V{}
	}
	c.rows[key] = v
}
