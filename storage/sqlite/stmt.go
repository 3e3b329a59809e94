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

// prepared returns the read pool's statements of queries, preparing those
// it has not yet; a query left out (the cache is full) runs unprepared.
// It must be called before the read transaction begins: preparing takes
// a connection of the pool, which a caller holding one of its own could
// wait for forever.
func (db *DB) prepared(ctx context.Context, queries ...string) (map[string]*sql.Stmt, error) {
	c := &db.stmts
	out := make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		c.mu.Lock()
		st, ok := c.m[q]
		full := len(c.m) >= maxStmts
		c.mu.Unlock()
		if ok {
			out[q] = st
			continue
		}
		if full {
			continue
		}
		st, err := db.reader.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if old, dup := c.m[q]; dup {
			_ = st.Close()
			st = old
		} else if len(c.m) < maxStmts {
			if c.m == nil {
				c.m = map[string]*sql.Stmt{}
			}
			c.m[q] = st
		} else {
			_ = st.Close()
			st = nil
		}
		c.mu.Unlock()
		if st != nil {
			out[q] = st
		}
	}
	return out, nil
}

// readTx is a querier over a read transaction that runs the queries it
// has statements for through them (on the transaction's connection,
// where database/sql prepares each once), and any other on the
// transaction.
type readTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// QueryContext runs query.
func (r readTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := r.stmts[query]; ok {
		return r.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return r.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query for one row.
func (r readTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := r.stmts[query]; ok {
		return r.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return r.tx.QueryRowContext(ctx, query, args...)
}

// poolQuerier is a querier over the read pool that runs the queries it
// has statements for through them, and any other on the pool. Each query
// is one statement, and so reads one snapshot.
type poolQuerier struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

// QueryContext runs query.
func (p poolQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := p.stmts[query]; ok {
		return st.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query for one row.
func (p poolQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st, ok := p.stmts[query]; ok {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}
