package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
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

// rawStmts are the writer connection's driver statements, prepared once,
// for the writes that run most (writeRaw).
type rawStmts struct {
	mu   sync.Mutex
	conn any // the driver connection they belong to
	m    map[string]driver.Stmt
}

// rawBegin and rawCommit open and close writeRaw's transactions.
const (
	rawBegin    = "BEGIN IMMEDIATE"
	rawCommit   = "COMMIT"
	rawRollback = "ROLLBACK"
)

// writeRaw is write for the writes that run most, such as the mailing
// outbox's finishes: fn runs on the writer connection between BEGIN
// IMMEDIATE and COMMIT, with driver statements prepared once for its
// queries and for those, and none of database/sql's bookkeeping of a
// transaction and its statements (which costs as much as the writes
// themselves there). Every query fn runs must be in queries.
func (db *DB) writeRaw(ctx context.Context, queries []string, fn func(tx rawTx) error) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: writer connection: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		stmts, err := db.raw.of(ctx, dc, queries)
		if err != nil {
			return db.readOnly(fmt.Errorf("sqlite: prepare: %w", err))
		}
		tx := rawTx{ctx: ctx, stmts: stmts}
		if _, err := tx.exec(rawBegin); err != nil {
			return db.readOnly(fmt.Errorf("sqlite: begin: %w", err))
		}
		if err := fn(tx); err != nil {
			_, _ = tx.exec(rawRollback)
			return db.readOnly(err)
		}
		if _, err := tx.exec(rawCommit); err != nil {
			// A failed COMMIT may leave the transaction open.
			_, _ = tx.exec(rawRollback)
			return db.readOnly(fmt.Errorf("sqlite: commit: %w", err))
		}
		return nil
	})
}

// of returns the statements of queries (and of rawBegin, rawCommit and
// rawRollback) on the driver connection dc, preparing those it has not
// yet; a new connection drops the old one's.
func (r *rawStmts) of(ctx context.Context, dc any, queries []string) (map[string]driver.Stmt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conn != dc {
		r.conn, r.m = dc, map[string]driver.Stmt{}
	}
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("driver connection %T cannot prepare", dc)
	}
	for _, q := range append([]string{rawBegin, rawCommit, rawRollback}, queries...) {
		if _, ok := r.m[q]; ok {
			continue
		}
		st, err := p.PrepareContext(ctx, q)
		if err != nil {
			return nil, err
		}
		r.m[q] = st
	}
	return r.m, nil
}

// rawTx runs writeRaw's queries.
type rawTx struct {
	ctx   context.Context
	stmts map[string]driver.Stmt
}

// args are the driver's values of args, converted as database/sql
// converts them (a named integer type to int64, say).
func (rawTx) args(args []any) ([]driver.NamedValue, error) {
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		v, err := driver.DefaultParameterConverter.ConvertValue(a)
		if err != nil {
			return nil, fmt.Errorf("sqlite: argument %d: %w", i+1, err)
		}
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv, nil
}

// exec runs query for its effect.
func (t rawTx) exec(query string, args ...any) (driver.Result, error) {
	st, ok := t.stmts[query].(driver.StmtExecContext)
	if !ok {
		return nil, fmt.Errorf("sqlite: no statement for %q", query)
	}
	nv, err := t.args(args)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(t.ctx, nv)
}

// exists reports whether query returns a row.
func (t rawTx) exists(query string, args ...any) (bool, error) {
	st, ok := t.stmts[query].(driver.StmtQueryContext)
	if !ok {
		return false, fmt.Errorf("sqlite: no statement for %q", query)
	}
	nv, err := t.args(args)
	if err != nil {
		return false, err
	}
	rows, err := st.QueryContext(t.ctx, nv)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	dest := make([]driver.Value, len(rows.Columns()))
	switch err := rows.Next(dest); {
	case err == nil:
		return true, nil
	case errors.Is(err, io.EOF):
		return false, nil
	default:
		return false, err
	}
}
