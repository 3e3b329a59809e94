package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// maxStmts bounds the statements a pool of a DB keeps prepared; past it, a query
// is prepared for its one run, as database/sql does by default.
const maxStmts = 64

// stmtCache holds one pool's prepared statements by query text.
// database/sql prepares a *sql.Stmt on each connection the first time it
// runs there and keeps it, so a query in it is compiled once per
// connection instead of at every run. A DB has one for its read pool and
// one for its writer.
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
	return prepareIn(ctx, db.reader, &db.stmts, queries)
}

// writePrepared is write with fn's queries run through statements
// prepared once on the writer connection (prepared before the
// transaction begins, since the writer has that one connection), so that
// a write done many times, as the mailing outbox's claims and finishes
// are, is not compiled at every run. A query left out of queries runs
// unprepared.
func (db *DB) writePrepared(ctx context.Context, queries []string, fn func(tx stmtTx) error) error {
	stmts, err := prepareIn(ctx, db.writer, &db.writeStmts, queries)
	if err != nil {
		return db.readOnly(fmt.Errorf("sqlite: prepare: %w", err))
	}
	return db.write(ctx, func(tx *sql.Tx) error { return fn(stmtTx{tx, stmts}) })
}

// prepareIn returns pool's statements of queries from c, preparing those
// it has not yet.
func prepareIn(ctx context.Context, pool *sql.DB, c *stmtCache, queries []string) (map[string]*sql.Stmt, error) {
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
		st, err := pool.PrepareContext(ctx, q)
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

// stmtTx is a querier over a transaction (read or write) that runs the
// queries it has statements for through them (on the transaction's
// connection, where database/sql prepares each once), and any other on
// the transaction.
type stmtTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// ExecContext runs query for its effect.
func (r stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st, ok := r.stmts[query]; ok {
		return r.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return r.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query.
func (r stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st, ok := r.stmts[query]; ok {
		return r.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return r.tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query for one row.
func (r stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
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
