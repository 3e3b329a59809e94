package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	sqlite3 "modernc.org/sqlite"
)

// queryCounter is a database/sql connector over the modernc.org/sqlite
// driver that counts the queries its connections run, so that tests can
// check how many statements a read issues without a hook in the store.
type queryCounter struct {
	dsn     string
	driver  sqlite3.Driver
	queries atomic.Int64
}

func (c *queryCounter) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return countingConn{conn.(innerConn), c}, nil
}

func (c *queryCounter) Driver() driver.Driver { return &c.driver }

// innerConn is what database/sql uses of a modernc.org/sqlite connection.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.QueryerContext
	driver.ExecerContext
	driver.ConnPrepareContext
}

type countingConn struct {
	innerConn
	c *queryCounter
}

func (cc countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cc.c.queries.Add(1)
	return cc.innerConn.QueryContext(ctx, query, args)
}

func (cc countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := cc.innerConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return countingStmt{st.(innerStmt), cc.c}, nil
}

// innerStmt is what database/sql uses of a modernc.org/sqlite statement.
type innerStmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

// countingStmt counts the runs of a prepared statement as queries.
type countingStmt struct {
	innerStmt
	c *queryCounter
}

func (cs countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	cs.c.queries.Add(1)
	return cs.innerStmt.QueryContext(ctx, args)
}

// countReads replaces db's read pool with one that counts its queries, and
// returns the counter.
func countReads(t *testing.T, db *DB) *atomic.Int64 {
	t.Helper()
	qc := &queryCounter{dsn: dsn(db.path, false)}
	reader := sql.OpenDB(qc)
	old := db.reader
	db.reader = reader
	// Statements prepared on the old pool cannot run on the new one.
	db.stmts = stmtCache{}
	t.Cleanup(func() { reader.Close() })
	require.NoError(t, old.Close())
	return &qc.queries
}

// TestQueryCounter checks the counter itself: one query, one count; a
// transaction's BEGIN and COMMIT are not queries.
func TestQueryCounter(t *testing.T) {
	db := openTestDB(t)
	n := countReads(t, db)
	ctx := context.Background()
	err := db.read(ctx, func(tx *sql.Tx) error {
		var v int
		return tx.QueryRowContext(ctx, "SELECT 1").Scan(&v)
	})
	require.NoError(t, err)
	got := n.Load()
	require.EqualValues(t, 1, got, "one query in a read transaction counted %d", got)
}
