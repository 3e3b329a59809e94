package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// Migration 0010 turns the microblog's bigint nanoseconds into
// timestamptz: a database written before it reads back its times to the
// microsecond (rounded down), and 0, the old "no time", as the zero time.
func TestMicroblogTimesMigrateToTimestamptz(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	ms, err := migrations()
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL DEFAULT now())`)
	require.NoError(t, err)
	for _, m := range ms {
		if m.Version >= 10 {
			break
		}
		_, err := conn.Exec(ctx, m.SQL)
		require.NoError(t, err, m.Name)
		_, err = conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
		require.NoError(t, err)
	}
	created := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)
	for _, q := range []string{
		`INSERT INTO users (id, username, username_key, password_hash, created) VALUES (1, 'old', 'old', '\x00', now())`,
		`INSERT INTO microblog_profiles (user_id, name, bio, created) VALUES (1, 'Old', '', $1)`,
		`INSERT INTO microblog_tweets (id, author_id, content, created, updated) VALUES (1, 1, 'before 0010', $1, 0)`,
		`INSERT INTO microblog_follows (follower_id, followee_id, created) VALUES (1, 1, $1)`,
	} {
		var args []any
		if strings.Contains(q, "$1") {
			args = []any{created.UnixNano()}
		}
		_, err := conn.Exec(ctx, q, args...)
		require.NoError(t, err, q)
	}

	db, err := Open(ctx, dsn)
	require.NoError(t, err)
	defer db.Close()
	s := db.Microblog()
	want := created.Truncate(time.Microsecond)
	p, err := s.Profile(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, want, p.Created)
	tw, err := s.Tweet(ctx, 1, 0)
	require.NoError(t, err)
	assert.Equal(t, want, tw.Created)
	assert.True(t, tw.Updated.IsZero(), "0 reads back as no time, got %v", tw.Updated)
	fs, err := s.Follows(ctx, microblog.FollowQuery{User: 1, Range: microblog.Range{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, want, fs[0].Created)
}
