package postgres

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// twoServers opens two pools on one new schema, as two servers sharing a
// database would, and makes n users with profiles, named user1 to usern.
func twoServers(t testing.TB, n int) (a, b *DB, users []hanok.UserID) {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a, err := Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	b, err = Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	for i := range n {
		var id hanok.UserID
		name := fmt.Sprint("user", i+1)
		require.NoError(t, a.pool.QueryRow(ctx, `INSERT INTO users (username, username_key, password_hash, created) VALUES ($1, $1, '\x00', now()) RETURNING id`, name).Scan(&id))
		require.NoError(t, a.Microblog().CreateProfile(ctx, &microblog.Profile{User: id, Name: name, Created: time.Now()}))
		users = append(users, id)
	}
	return a, b, users
}

// poller walks the public timeline forward from a cursor, as a client
// polling for new tweets does: each page asks for the tweets above the
// newest id it has seen (min_id, the page's "prev" link), and it records
// every tweet it is given.
type poller struct {
	svc    *microblog.Service
	cursor int64
	seen   map[microblog.TweetID]int
}

func newPoller(db *DB) *poller {
	return &poller{svc: microblog.New(db.Microblog(), nil, microblog.Config{}), seen: map[microblog.TweetID]int{}}
}

// poll reads pages until one is empty and returns how many tweets it got.
func (p *poller) poll(t testing.TB) int {
	t.Helper()
	got := 0
	for {
		page, err := p.svc.PublicTimeline(context.Background(), 0, microblog.Cursor{MinID: p.cursor, Limit: microblog.MaxLimit})
		require.NoError(t, err)
		if len(page.Items) == 0 {
			return got
		}
		for _, tw := range page.Items {
			p.seen[tw.ID]++
		}
		got += len(page.Items)
		p.cursor = int64(page.Items[0].ID)
	}
}

// check fails unless the poller saw each of want exactly once.
func (p *poller) check(t testing.TB, want []microblog.TweetID) {
	t.Helper()
	var missed, twice []microblog.TweetID
	for _, id := range want {
		switch p.seen[id] {
		case 0:
			missed = append(missed, id)
		case 1:
		default:
			twice = append(twice, id)
		}
	}
	assert.Empty(t, missed, "tweets the poller never saw")
	assert.Empty(t, twice, "tweets the poller saw more than once")
	assert.Len(t, p.seen, len(want), "tweets seen")
}

// A post whose transaction is slow to commit (held here between its id
// and its commit by an advisory lock that a trigger takes) and a post on
// another server at the same time: a reader polling with since_id/min_id
// between the two commits must not step over the slow one. Ids are
// handed out in commit order, so the second post waits for the first.
func TestMicroblogSlowCommitIsNotSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, users := twoServers(t, 2)
	slow, fast := users[0], users[1]
	// The slow author's tweets wait, once inserted, for advisory lock
	// 4242 of this schema, which the test holds.
	_, err := a.pool.Exec(ctx, fmt.Sprintf(`
		CREATE FUNCTION hold_slow() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.author_id = %d THEN PERFORM pg_advisory_xact_lock_shared(4242, hashtext(current_schema())); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER hold_slow AFTER INSERT ON microblog_tweets FOR EACH ROW EXECUTE FUNCTION hold_slow();`, slow))
	require.NoError(t, err)
	hold, err := a.pool.Acquire(ctx)
	require.NoError(t, err)
	defer hold.Release()
	_, err = hold.Exec(ctx, `SELECT pg_advisory_lock(4242, hashtext(current_schema()))`)
	require.NoError(t, err)

	p := newPoller(b)
	post := func(db *DB, author hanok.UserID, ids chan<- microblog.TweetID) {
		tw := &microblog.Tweet{Author: author, Content: "post", Created: time.Now(), Updated: time.Now()}
		assert.NoError(t, db.Microblog().CreateTweet(ctx, tw))
		ids <- tw.ID
	}
	slowID, fastID := make(chan microblog.TweetID, 1), make(chan microblog.TweetID, 1)
	go post(a, slow, slowID)
	require.NoError(t, waitForLockWaiter(ctx, a, 4242), "the slow post never reached its trigger")
	go post(b, fast, fastID)
	// The second post waits for the first to commit (it is in line for
	// the lock that hands out ids); had it committed instead, the poll
	// below would see it and step over the slow one.
	var ids []microblog.TweetID
	waiting := make(chan error, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { waiting <- waitForLockWaiter(wctx, a, microblogTweetsLock) }()
	select {
	case id := <-fastID:
		ids = append(ids, id)
	case err := <-waiting:
		require.NoError(t, err)
	}
	p.poll(t)
	_, err = hold.Exec(ctx, `SELECT pg_advisory_unlock(4242, hashtext(current_schema()))`)
	require.NoError(t, err)
	ids = append(ids, <-slowID)
	if len(ids) < 2 {
		ids = append(ids, <-fastID)
	}
	p.poll(t)
	p.check(t, ids)
}

// waitForLockWaiter returns once a connection waits for the advisory lock
// (key, this schema), as pg_locks shows; it gives up after 30 s.
func waitForLockWaiter(ctx context.Context, db *DB, key int64) error {
	return waitUntil(ctx, db, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2
		AND classid = $1::bigint::oid AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid)`, key)
}

// waitForBlockedBy returns once a connection is blocked by the one that
// waits for the advisory lock (key, this schema); it gives up after 30 s.
func waitForBlockedBy(ctx context.Context, db *DB, key int64) error {
	return waitUntil(ctx, db, `SELECT EXISTS (SELECT 1 FROM pg_locks l, pg_stat_activity a WHERE l.locktype = 'advisory' AND NOT l.granted AND l.objsubid = 2
		AND l.classid = $1::bigint::oid AND l.objid = (hashtext(current_schema())::bigint & 4294967295)::oid
		AND l.pid = ANY (pg_blocking_pids(a.pid)))`, key)
}

// waitUntil runs query (a boolean) every few milliseconds until it is
// true, for at most 30 s.
func waitUntil(ctx context.Context, db *DB, query string, args ...any) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		var ok bool
		if err := db.pool.QueryRow(ctx, query, args...).Scan(&ok); err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waited 30 s in vain for %s: %w", query, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// The following list pages by follow id as timelines page by tweet id: a
// follow whose transaction is slow to commit (held by a trigger, as in
// TestMicroblogSlowCommitIsNotSkipped) and a second follow by the same
// user on another server must not commit out of order, or a reader
// polling the list with min_id steps over the first.
func TestMicroblogSlowFollowIsNotSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, users := twoServers(t, 3)
	follower, slowFollowee, fastFollowee := users[0], users[1], users[2]
	_, err := a.pool.Exec(ctx, fmt.Sprintf(`
		CREATE FUNCTION hold_slow() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.followee_id = %d THEN PERFORM pg_advisory_xact_lock_shared(4243, hashtext(current_schema())); END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER hold_slow AFTER INSERT ON microblog_follows FOR EACH ROW EXECUTE FUNCTION hold_slow();`, slowFollowee))
	require.NoError(t, err)
	hold, err := a.pool.Acquire(ctx)
	require.NoError(t, err)
	defer hold.Release()
	_, err = hold.Exec(ctx, `SELECT pg_advisory_lock(4243, hashtext(current_schema()))`)
	require.NoError(t, err)

	svc := microblog.New(b.Microblog(), nil, microblog.Config{})
	seen := map[int64]int{}
	var cursor int64
	poll := func() {
		for {
			page, err := svc.Following(ctx, "user1", microblog.Cursor{MinID: cursor, Limit: microblog.MaxLimit})
			require.NoError(t, err)
			if len(page.Items) == 0 {
				return
			}
			for _, f := range page.Items {
				seen[f.ID]++
			}
			cursor = page.Items[0].ID
		}
	}
	follow := func(db *DB, followee hanok.UserID, done chan<- error) {
		done <- db.Microblog().Follow(ctx, follower, followee, time.Now())
	}
	slowDone, fastDone := make(chan error, 1), make(chan error, 1)
	go follow(a, slowFollowee, slowDone)
	require.NoError(t, waitForLockWaiter(ctx, a, 4243), "the slow follow never reached its trigger")
	go follow(b, fastFollowee, fastDone)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	blocked := make(chan error, 1)
	go func() { blocked <- waitForBlockedBy(wctx, a, 4243) }()
	fastFirst := false
	select {
	case err := <-fastDone:
		require.NoError(t, err)
		fastFirst = true
	case err := <-blocked:
		require.NoError(t, err)
	}
	poll()
	_, err = hold.Exec(ctx, `SELECT pg_advisory_unlock(4243, hashtext(current_schema()))`)
	require.NoError(t, err)
	require.NoError(t, <-slowDone)
	if !fastFirst {
		require.NoError(t, <-fastDone)
	}
	poll()
	fs, err := b.Microblog().Follows(ctx, microblog.FollowQuery{User: follower, Range: microblog.Range{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, fs, 2)
	for _, f := range fs {
		assert.Equal(t, 1, seen[f.ID], "follow %d (of user %d) seen %d times", f.ID, f.Profile.User, seen[f.ID])
	}
}

// Two servers post concurrently (four writers each) while a reader on one
// of them polls the public timeline forward from the newest id it has
// seen: when the posts are done it has seen every tweet once.
func TestMicroblogPollingTwoServersMissesNone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, users := twoServers(t, 8)
	// Followers make each post's transaction longer (its fan-out), which
	// widens the window in which two posts commit out of order.
	for _, f := range users[1:] {
		require.NoError(t, a.Microblog().Follow(ctx, f, users[0], time.Now()))
	}
	const perWriter = 60
	var (
		mu     sync.Mutex
		posted []microblog.TweetID
		wg     sync.WaitGroup
	)
	for w, author := range users {
		db := a
		if w%2 == 1 {
			db = b
		}
		wg.Go(func() {
			for i := range perWriter {
				tw := &microblog.Tweet{Author: author, Content: fmt.Sprint("post ", i), Created: time.Now(), Updated: time.Now()}
				if !assert.NoError(t, db.Microblog().CreateTweet(ctx, tw)) {
					return
				}
				mu.Lock()
				posted = append(posted, tw.ID)
				mu.Unlock()
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	p := newPoller(b)
	polls := 0
	for running := true; running; polls++ {
		select {
		case <-done:
			running = false
		default:
		}
		p.poll(t)
	}
	t.Logf("%d tweets, %d polls", len(posted), polls)
	require.Len(t, posted, len(users)*perWriter)
	p.check(t, posted)
}

// BenchmarkMicroblogPost posts tweets on PostgreSQL, from one writer and
// from eight at once (an author with 10 followers, so each post writes 11
// home rows): what handing out ids in commit order costs a post.
//
//	go test -run '^$' -bench MicroblogPost -benchtime 2s -count 5 ./storage/postgres
func BenchmarkMicroblogPost(b *testing.B) {
	ctx := context.Background()
	db, _, users := twoServers(b, 11)
	for _, f := range users[1:] {
		require.NoError(b, db.Microblog().Follow(ctx, f, users[0], time.Now()))
	}
	s := db.Microblog()
	post := func(b *testing.B) {
		now := time.Now()
		require.NoError(b, s.CreateTweet(ctx, &microblog.Tweet{Author: users[0], Content: "benchmark post", Created: now, Updated: now}))
	}
	b.Run("writers=1", func(b *testing.B) {
		for b.Loop() {
			post(b)
		}
	})
	b.Run("writers=8", func(b *testing.B) {
		b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b)
			}
		})
	})
}
