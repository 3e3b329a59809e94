package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
)

// The microblog population of the benchmarks: user 1 reads, users 2 to
// 10,001 post in turn, and user 1 follows the first 1,000 of them.
const (
	benchAuthors  = 10_000
	benchFollowed = 1_000
)

// fillMicroblog writes the population and total tweets straight into the
// tables, as the store would have left them: each tweet in its author's
// home and, for the followed authors, in user 1's.
func fillMicroblog(b *testing.B, db *DB, total int) {
	b.Helper()
	ctx := context.Background()
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	steps := []struct {
		query string
		args  []any
	}{
		{`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO users (id, username, username_key, password_hash, created) SELECT i, 'user' || i, 'user' || i, x'00', ? FROM n`,
			[]any{benchAuthors + 1, created}},
		{`INSERT INTO microblog_profiles (user_id, name, bio, created) SELECT id, username, '', created FROM users`, nil},
		{`INSERT INTO microblog_follows (follower_id, followee_id, created) SELECT 1, id, ? FROM users WHERE id BETWEEN 2 AND ?`,
			[]any{created, benchFollowed + 1}},
		{`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
			INSERT INTO microblog_tweets (author_id, content, created, updated) SELECT 2 + i % ?, 'tweet number ' || i, ? + i, ? + i FROM n`,
			[]any{total, benchAuthors, created, created}},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT author_id, id, author_id FROM microblog_tweets`, nil},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT 1, id, author_id FROM microblog_tweets WHERE author_id BETWEEN 2 AND ?`,
			[]any{benchFollowed + 1}},
	}
	start := time.Now()
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, s := range steps {
			if _, err := tx.ExecContext(ctx, s.query, s.args...); err != nil {
				return fmt.Errorf("%s: %w", s.query, err)
			}
		}
		return nil
	})
	require.NoError(b, err)
	_, err = db.writer.ExecContext(ctx, `ANALYZE`)
	require.NoError(b, err)
	b.Logf("%d tweets written in %v", total, time.Since(start).Round(time.Millisecond))
}

// BenchmarkMicroblogHomeTimeline reads a page of 20 of the home timeline
// of a user who follows 1,000 of 10,000 authors, with 10,000 and with
// 1,000,000 tweets in all: the first page, and a page from the middle of
// the timeline (by max_id). Fanned out on write, a page is one range of
// microblog_home's primary key, so the two sizes should cost about the
// same.
//
//	go test -run '^$' -bench MicroblogHomeTimeline -benchtime 2s ./storage/sqlite
func BenchmarkMicroblogHomeTimeline(b *testing.B) {
	for _, total := range []int{10_000, 1_000_000} {
		db := openTestDB(b)
		fillMicroblog(b, db, total)
		svc := microblog.New(db.Microblog(), nil, microblog.Config{})
		reader := hanok.Actor{ID: 1, Username: "user1"}
		var middle int64
		require.NoError(b, db.reader.QueryRow(`SELECT tweet_id FROM microblog_home WHERE owner_id = 1 ORDER BY tweet_id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM microblog_home WHERE owner_id = 1)`).Scan(&middle))
		for _, c := range []struct {
			name string
			cur  microblog.Cursor
		}{{"first", microblog.Cursor{}}, {"middle", microblog.Cursor{MaxID: middle}}} {
			b.Run(fmt.Sprintf("tweets=%d/page=%s", total, c.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					page, err := svc.HomeTimeline(context.Background(), reader, c.cur)
					require.NoError(b, err, "page of %d, %v", len(page.Items), err)
					require.Len(b, page.Items, microblog.DefaultLimit, "page of %d, %v", len(page.Items), err)
				}
			})
		}
		db.Close()
	}
}
