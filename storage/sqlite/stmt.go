package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the statements a DB keeps prepared; past it, a query
// is prepared for its one run, as database/sql does by default.
const maxStmts = 64

// stmtCache holds the read pool's prepared statements by query text.
// database/sql prepares a *sql.Stmt on each connection the first time it
// runs there and keeps it, so a query in it is compiled once per
// connection instead of at every run.
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// readStmt returns query as a statement of tx (a transaction of the read
// pool), prepared once per connection; ok is false when the cache is full,
// and the caller runs the query on tx directly.
func (db *DB) readStmt(ctx context.Context, tx *sql.Tx, query string) (st *sql.Stmt, ok bool, err error) {
	c := &db.stmts
	c.mu.Lock()
	st, ok = c.m[query]
	full := len(c.m) >= maxStmts
	c.mu.Unlock()
	if !ok {
		if full {
			return nil, false, nil
		}
		if st, err = db.reader.PrepareContext(ctx, query); err != nil {
			return nil, false, err
		}
		c.mu.Lock()
		if old, dup := c.m[query]; dup {
			_ = st.Close()
			st = old
		} else if len(c.m) < maxStmts {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[query] = st
		} else {
			c.mu.Unlock()
			_ = st.Close()
			return nil, false, nil
		}
		c.mu.Unlock()
	}
	return tx.StmtContext(ctx, st), true, nil
}

// readTx is a querier over a read transaction whose queries run through
// prepared statements.
type readTx struct {
	db *DB
	tx *sql.Tx
}

// QueryContext runs query through its prepared statement.
func (r readTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, ok, err := r.db.readStmt(ctx, r.tx, query)
	if err != nil {
		return nil, err
	}
	if !ok {
		return r.tx.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs query through its prepared statement. If the
// statement cannot be prepared, the query runs on the transaction, whose
// row reports the error.
func (r readTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, ok, err := r.db.readStmt(ctx, r.tx, query)
	if err != nil || !ok {
		return r.tx.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}
