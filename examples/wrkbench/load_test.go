package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// countedTables are the tables whose row counts tell whether two loads
// hold the same data.
var countedTables = []string{"auction_cars", "calendar_events", "calendar_selections", "microblog_profiles", "microblog_follows",
	"microblog_tweets", "microblog_home", "trials", "mailing_subscribers"}

// TestLoadSameData loads small sizes into a SQLite file and into a
// PostgreSQL schema and finds the same rows in both: the services' part
// and both versions of the bulk SQL.
func TestLoadSameData(t *testing.T) {
	dsn := pgtest.DSN(t)
	t.Chdir("../..") // the trials records are read from the module's root
	ctx := context.Background()
	n := sizes{cars: 10, tweets: 200, events: 50, trials: 150, subscribers: 30}

	path := filepath.Join(t.TempDir(), "hanok.db")
	fxLite, err := load(ctx, sqliteBackend(path), n)
	require.NoError(t, err, "load into SQLite")
	fxPg, err := load(ctx, postgresBackend(dsn), n)
	require.NoError(t, err, "load into PostgreSQL")
	assert.Equal(t, fxLite.month, fxPg.month)
	assert.Equal(t, fxLite.date, fxPg.date)
	assert.Equal(t, fxLite.author, fxPg.author)
	assert.Equal(t, fxLite.thread, fxPg.thread, "the thread's root is the tweet after the bulk ones in both")

	lite, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	defer lite.Close()
	pg, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer pg.Close(ctx)
	for _, table := range countedTables {
		var a, b int
		require.NoError(t, lite.QueryRowContext(ctx, `SELECT count(*) FROM `+table).Scan(&a), table)
		require.NoError(t, pg.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&b), table)
		assert.Equal(t, a, b, "%s: %d rows on SQLite, %d on PostgreSQL", table, a, b)
		assert.NotZero(t, a, table)
	}
	var a, b int
	require.NoError(t, lite.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&a))
	require.NoError(t, pg.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&b))
	assert.Equal(t, a+1000, b, "PostgreSQL has the 1,000 other users the events' owners reference")
	var span int64
	require.NoError(t, pg.QueryRow(ctx, `SELECT max_seconds FROM calendar_span`).Scan(&span))
	assert.Equal(t, int64(3*60*60), span)
}
