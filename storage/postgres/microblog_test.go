package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
)

// The microblog population of storage/sqlite's benchmark: user 1 reads,
// users 2 to 10,001 post in turn, and user 1 follows the first 1,000 of
// them.
const (
	benchAuthors  = 10_000
	benchFollowed = 1_000
)

// openMicroblog opens a new schema holding the population and total
// tweets, written straight into the tables as the store would have left
// them (each tweet in its author's home and, for the followed authors, in
// user 1's), then ANALYZEd.
func openMicroblog(tb testing.TB, total int) *DB {
	tb.Helper()
	ctx := context.Background()
	db := openTestDB(tb)
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		query string
		args  []any
	}{
		{`INSERT INTO users (id, username, username_key, password_hash, created)
			SELECT i, 'user' || i, 'user' || i, '\x00', now() FROM generate_series(1, $1::bigint) i`, []any{benchAuthors + 1}},
		{`INSERT INTO microblog_profiles (user_id, name, bio, created) SELECT id, username, '', $1 FROM users`, []any{created}},
		{`INSERT INTO microblog_follows (follower_id, followee_id, created) SELECT 1, id, $1 FROM users WHERE id BETWEEN 2 AND $2`,
			[]any{created, benchFollowed + 1}},
		{`INSERT INTO microblog_tweets (author_id, content, created, updated)
			SELECT 2 + i % $2, 'tweet number ' || i, $3::timestamptz + i * interval '1 microsecond', $3::timestamptz + i * interval '1 microsecond' FROM generate_series(0, $1::bigint - 1) i ORDER BY i`,
			[]any{total, benchAuthors, created}},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT author_id, id, author_id FROM microblog_tweets`, nil},
		{`INSERT INTO microblog_home (owner_id, tweet_id, author_id) SELECT 1, id, author_id FROM microblog_tweets WHERE author_id BETWEEN 2 AND $1`,
			[]any{benchFollowed + 1}},
		{`ANALYZE microblog_tweets, microblog_home, microblog_follows, microblog_profiles, users`, nil},
	}
	start := time.Now()
	for _, s := range steps {
		_, err := db.pool.Exec(ctx, s.query, s.args...)
		require.NoError(tb, err, s.query)
	}
	tb.Logf("%d tweets written in %v", total, time.Since(start).Round(time.Millisecond))
	return db
}

// middleOfHome is the id halfway down user 1's home timeline.
func middleOfHome(tb testing.TB, db *DB) int64 {
	tb.Helper()
	var middle int64
	err := db.pool.QueryRow(context.Background(), `SELECT tweet_id FROM microblog_home WHERE owner_id = 1 ORDER BY tweet_id
		OFFSET (SELECT count(*) / 2 FROM microblog_home WHERE owner_id = 1) LIMIT 1`).Scan(&middle)
	require.NoError(tb, err)
	return middle
}

// planNode is a node of EXPLAIN (ANALYZE, FORMAT JSON).
type planNode struct {
	NodeType     string  `json:"Node Type"`
	RelationName string  `json:"Relation Name"`
	ActualRows   float64 `json:"Actual Rows"`
	ActualLoops  float64 `json:"Actual Loops"`
	// RowsRemovedByFilter are the rows a scan read and its filter
	// dropped, per loop.
	RowsRemovedByFilter float64    `json:"Rows Removed by Filter"`
	Plans               []planNode `json:"Plans"`
}

// TestMicroblogHomeReadsOnlyItsPage runs a page of 21 of a home timeline
// (the first, and one from the middle) with EXPLAIN ANALYZE in a database
// of 10,000 authors and 100,000 tweets: no table is scanned, and
// the tweets read are the page's (the one more that tells there is more
// included), not the tweets of the 9,000 authors not followed.
func TestMicroblogHomeReadsOnlyItsPage(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes 100,000 tweets")
	}
	db := openMicroblog(t, 100_000)
	for _, maxID := range []int64{0, middleOfHome(t, db)} {
		const limit = microblog.DefaultLimit + 1
		query, args, err := tweetsQuery(microblog.TweetQuery{Timeline: microblog.Home, User: 1, Viewer: 1, Range: microblog.Range{MaxID: maxID, Limit: limit}})
		require.NoError(t, err)
		var out []byte
		require.NoError(t, db.pool.QueryRow(context.Background(), `EXPLAIN (ANALYZE, FORMAT JSON) `+query, args...).Scan(&out))
		var plans []struct{ Plan planNode }
		require.NoError(t, json.Unmarshal(out, &plans))
		read := map[string]float64{}
		var walk func(n planNode)
		walk = func(n planNode) {
			// (An empty table, as microblog_likes is here, is scanned
			// rather than looked up.)
			assert.False(t, n.NodeType == "Seq Scan" && n.ActualRows*n.ActualLoops > 0, "max_id %d: a sequential scan of %s", maxID, n.RelationName)
			if n.RelationName != "" {
				read[n.RelationName] += n.ActualRows * n.ActualLoops
			}
			for _, c := range n.Plans {
				walk(c)
			}
		}
		walk(plans[0].Plan)
		// microblog_tweets is read for the page's rows and, for replies,
		// their parents' existence: at most the page, here no replies.
		assert.LessOrEqual(t, read["microblog_tweets"], float64(limit), "max_id %d: rows of microblog_tweets read\n%s", maxID, out)
		assert.LessOrEqual(t, read["microblog_home"], float64(limit), "max_id %d: rows of microblog_home read\n%s", maxID, out)
	}
}

// BenchmarkMicroblogHomeTimeline is storage/sqlite's
// BenchmarkMicroblogHomeTimeline on PostgreSQL: a page of 20 of the home
// timeline (Service.HomeTimeline) of a user who follows 1,000 of 10,000
// authors, with 10,000 and with 1,000,000 tweets in all; the first page
// and one from the middle (by max_id).
//
//	go test -run '^$' -bench MicroblogHomeTimeline -benchtime 1s -count 5 -benchmem ./storage/postgres
func BenchmarkMicroblogHomeTimeline(b *testing.B) {
	for _, total := range []int{10_000, 1_000_000} {
		b.Run(fmt.Sprintf("tweets=%d", total), func(b *testing.B) {
			db := openMicroblog(b, total)
			svc := microblog.New(db.Microblog(), nil, microblog.Config{})
			reader := hanok.Actor{ID: 1, Username: "user1"}
			middle := middleOfHome(b, db)
			for _, c := range []struct {
				name string
				cur  microblog.Cursor
			}{{"first", microblog.Cursor{}}, {"middle", microblog.Cursor{MaxID: middle}}} {
				b.Run("page="+c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						page, err := svc.HomeTimeline(context.Background(), reader, c.cur)
						require.NoError(b, err, "page of %d, %v", len(page.Items), err)
						require.Len(b, page.Items, microblog.DefaultLimit, "page of %d, %v", len(page.Items), err)
					}
				})
			}
		})
	}
}

// Posts racing a follow of their author, from other connections: every
// post is in the follower's home, whether its fan-out or the follow's
// copy of the author's tweets ran first.
func TestMicroblogPostsRacingFollow(t *testing.T) {
	t.Parallel()
	db := openTestDB(t)
	s := db.Microblog()
	ctx := context.Background()
	var ids [2]hanok.UserID
	for i, name := range []string{"author", "reader"} {
		require.NoError(t, db.pool.QueryRow(ctx, `INSERT INTO users (username, username_key, password_hash, created) VALUES ($1, $1, '\x00', now()) RETURNING id`, name).Scan(&ids[i]))
		require.NoError(t, s.CreateProfile(ctx, &microblog.Profile{User: ids[i], Name: name, Created: time.Now()}))
	}
	author, reader := ids[0], ids[1]
	for round := range 20 {
		const posts = 8
		done := make(chan error, posts+1)
		for i := range posts {
			go func() {
				done <- s.CreateTweet(ctx, &microblog.Tweet{Author: author, Content: fmt.Sprint("post ", round, i), Created: time.Now(), Updated: time.Now()})
			}()
		}
		go func() { done <- s.Follow(ctx, reader, author, time.Now()) }()
		for range posts + 1 {
			require.NoError(t, <-done)
		}
		var authored, home int
		require.NoError(t, db.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM microblog_tweets WHERE author_id = $1),
			(SELECT count(*) FROM microblog_home WHERE owner_id = $2 AND author_id = $1)`, author, reader).Scan(&authored, &home))
		require.Equal(t, authored, home, "round %d: the author's tweets in the follower's home", round)
		require.NoError(t, s.Unfollow(ctx, reader, author))
	}
}

// TestMicroblogTimelinesGenericPlans: the server's prepared statements
// get generic plans after five runs. Under a generic plan every timeline
// reads only its page's tweets (and each reply's parent), in a database
// of 10,000 tweets: the like and parent checks are lookups per row, not
// a hashed subquery over every tweet.
func TestMicroblogTimelinesGenericPlans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openMicroblog(t, 10_000)
	conn, err := db.pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	// Twenty replies to the newest tweet, then ANALYZE, as autovacuum
	// would have run by then.
	_, err = conn.Exec(ctx, `INSERT INTO microblog_tweets (author_id, content, in_reply_to, created, updated)
		SELECT author_id, 'a reply', id, created, updated FROM microblog_tweets, generate_series(1, 20) WHERE id = (SELECT max(id) FROM microblog_tweets)`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `ANALYZE microblog_tweets, microblog_home, microblog_likes, microblog_profiles, users`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `SET plan_cache_mode = force_generic_plan`)
	require.NoError(t, err)
	const limit = microblog.DefaultLimit + 1
	for i, q := range []microblog.TweetQuery{
		{Timeline: microblog.Public, Viewer: 1, Range: microblog.Range{Limit: limit}},
		{Timeline: microblog.Author, User: 2, Viewer: 1, Range: microblog.Range{Limit: limit}},
		{Timeline: microblog.Home, User: 1, Viewer: 1, Range: microblog.Range{Limit: limit}},
	} {
		query, args, err := tweetsQuery(q)
		require.NoError(t, err)
		name := fmt.Sprintf("timeline%d", i)
		_, err = conn.Exec(ctx, `PREPARE `+name+` AS `+query)
		require.NoError(t, err)
		var lits []string
		for _, a := range args {
			lits = append(lits, fmt.Sprint(a))
		}
		var out []byte
		require.NoError(t, conn.QueryRow(ctx, `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE `+name+`(`+strings.Join(lits, ", ")+`)`).Scan(&out))
		var plans []struct{ Plan planNode }
		require.NoError(t, json.Unmarshal(out, &plans))
		read := 0.0
		var walk func(n planNode)
		walk = func(n planNode) {
			if n.RelationName == "microblog_tweets" {
				read += n.ActualRows * n.ActualLoops
			}
			for _, c := range n.Plans {
				walk(c)
			}
		}
		walk(plans[0].Plan)
		assert.LessOrEqual(t, read, float64(2*limit), "%v: rows of microblog_tweets read under a generic plan\n%s", q.Timeline, out)
	}
}
