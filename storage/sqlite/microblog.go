package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// MicroblogStore is the microblog.Store of a DB.
//
// Home timelines are fanned out on write (see the microblog_home table in
// migration 0005): posting writes one row per follower of the author, and
// following copies the followed user's tweets into the follower's home, so
// that reading a page of a home timeline is one index range no matter how
// many tweets there are or how many users are followed, and never touches
// the tweets of users not followed. Fan-out on read would instead merge
// the (author_id, id) ranges of every followed user per page, whose cost
// grows with the users followed and their tweets. The price is paid by
// writers: a post by a user with N followers writes N+1 home rows.
type MicroblogStore struct{ db *DB }

var _ microblog.Store = (*MicroblogStore)(nil)

// Microblog returns the database's microblog store.
func (db *DB) Microblog() *MicroblogStore { return &MicroblogStore{db: db} }

// profileColumns are a profile's columns; the query joins users u (the
// handle is the username).
const profileColumns = `p.user_id, u.username, p.name, p.bio, p.created`

func scanProfile(sc scanner, extra ...any) (microblog.Profile, error) {
	var p microblog.Profile
	var created sql.NullInt64
	err := sc.Scan(append([]any{&p.User, &p.Handle, &p.Name, &p.Bio, &created}, extra...)...)
	p.Created = fromNanos(created)
	return p, err
}

// CreateProfile implements microblog.Store.
func (s *MicroblogStore) CreateProfile(ctx context.Context, p *microblog.Profile) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO microblog_profiles (user_id, name, bio, created) VALUES (?, ?, ?, ?)`,
			p.User, p.Name, p.Bio, nanos(p.Created))
		switch {
		case isForeignKey(err):
			return auth.ErrUserNotFound
		case isUnique(err):
			return microblog.ErrProfileExists
		case err != nil:
			return fmt.Errorf("sqlite: insert profile: %w", err)
		}
		return nil
	})
}

// profile reads one profile in one statement, prepared once per
// connection of the read pool, or from the read cache (a profile that is
// not there is not cached).
func (s *MicroblogStore) profile(ctx context.Context, key profileKey) (*microblog.Profile, error) {
	c := &s.db.microblog.profiles
	c.sync(ctx, s.db)
	if p, ok := c.get(key); ok {
		return &p, nil
	}
	gen := c.generation()
	where, arg := `p.user_id = ?`, any(key.user)
	if key.byHandle {
		where, arg = `u.username_key = ?`, key.handle
	}
	query := `SELECT ` + profileColumns + ` FROM microblog_profiles p JOIN users u ON u.id = p.user_id WHERE ` + where
	stmts, err := s.db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare profile: %w", err)
	}
	p, err := scanProfile(poolQuerier{s.db.reader, stmts}.QueryRowContext(ctx, query, arg))
	if err != nil {
		return nil, missing(err, microblog.ErrProfileNotFound)
	}
	c.put(key, gen, p)
	return &p, nil
}

// Profile implements microblog.Store.
func (s *MicroblogStore) Profile(ctx context.Context, user hanok.UserID) (*microblog.Profile, error) {
	return s.profile(ctx, profileKey{user: user})
}

// ProfileByHandle implements microblog.Store.
func (s *MicroblogStore) ProfileByHandle(ctx context.Context, handle string) (*microblog.Profile, error) {
	return s.profile(ctx, profileKey{byHandle: true, handle: auth.FoldKey(handle)})
}

// ProfileStats implements microblog.Store.
func (s *MicroblogStore) ProfileStats(ctx context.Context, user hanok.UserID) (microblog.ProfileStats, error) {
	var st microblog.ProfileStats
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM microblog_profiles WHERE user_id = ?`, user).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return microblog.ErrProfileNotFound
		}
		return tx.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM microblog_tweets WHERE author_id = ?1),
			(SELECT count(*) FROM microblog_follows WHERE followee_id = ?1),
			(SELECT count(*) FROM microblog_follows WHERE follower_id = ?1)`, user).Scan(&st.Tweets, &st.Followers, &st.Following)
	})
	if err != nil {
		return microblog.ProfileStats{}, fmt.Errorf("sqlite: profile stats: %w", err)
	}
	return st, nil
}

// CreateTweet implements microblog.Store.
func (s *MicroblogStore) CreateTweet(ctx context.Context, t *microblog.Tweet) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if t.InReplyTo != 0 {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM microblog_tweets WHERE id = ?`, t.InReplyTo).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return microblog.ErrTweetNotFound
			}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO microblog_tweets (author_id, content, in_reply_to, created, updated) VALUES (?, ?, ?, ?, ?)`,
			t.Author, t.Content, nullID(t.InReplyTo), nanos(t.Created), nanos(t.Updated))
		if isForeignKey(err) {
			return microblog.ErrProfileNotFound
		}
		if err != nil {
			return fmt.Errorf("sqlite: insert tweet: %w", err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return err
		}
		// Fan out: the author's home and each follower's.
		_, err = tx.ExecContext(ctx, `INSERT INTO microblog_home (owner_id, tweet_id, author_id)
			SELECT ?2, ?1, ?2 UNION ALL SELECT follower_id, ?1, ?2 FROM microblog_follows WHERE followee_id = ?2`, id, t.Author)
		if err != nil {
			return fmt.Errorf("sqlite: fan out tweet: %w", err)
		}
		t.ID = microblog.TweetID(id)
		return nil
	})
}

// tweetSelect reads tweets as the viewer (its first parameter) reads
// them; the query adds FROM's joins and WHERE.
const tweetSelect = `SELECT t.id, t.author_id, t.content, t.in_reply_to, t.created, t.updated, u.username, p.name, t.like_count,
	EXISTS (SELECT 1 FROM microblog_likes l WHERE l.tweet_id = t.id AND l.user_id = ?),
	t.in_reply_to IS NOT NULL AND NOT EXISTS (SELECT 1 FROM microblog_tweets x WHERE x.id = t.in_reply_to)`

func scanTweet(sc scanner) (microblog.Tweet, error) {
	var t microblog.Tweet
	var parent sql.NullInt64
	var created, updated sql.NullInt64
	err := sc.Scan(&t.ID, &t.Author, &t.Content, &parent, &created, &updated, &t.AuthorHandle, &t.AuthorName, &t.Likes, &t.Liked, &t.ParentDeleted)
	t.InReplyTo = microblog.TweetID(parent.Int64)
	t.Created, t.Updated = fromNanos(created), fromNanos(updated)
	return t, err
}

// tweetQuery reads one tweet by id, as viewer ?1 sees it.
const tweetQuery = tweetSelect + `
		FROM microblog_tweets t JOIN microblog_profiles p ON p.user_id = t.author_id JOIN users u ON u.id = t.author_id WHERE t.id = ?`

func tweetByID(ctx context.Context, q querier, id microblog.TweetID, viewer hanok.UserID) (microblog.Tweet, error) {
	t, err := scanTweet(q.QueryRowContext(ctx, tweetQuery, viewer, id))
	if err != nil {
		return t, missing(err, microblog.ErrTweetNotFound)
	}
	return t, nil
}

// Tweet implements microblog.Store: from the read cache while no
// microblog write was committed to the file since it was read, else one
// statement, prepared once per connection of the read pool.
func (s *MicroblogStore) Tweet(ctx context.Context, id microblog.TweetID, viewer hanok.UserID) (*microblog.Tweet, error) {
	c := &s.db.microblog.tweets
	c.sync(ctx, s.db)
	key := tweetKey{id, viewer}
	if t, ok := c.get(key); ok {
		return &t, nil
	}
	gen := c.generation()
	stmts, err := s.db.prepared(ctx, tweetQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare tweet: %w", err)
	}
	t, err := tweetByID(ctx, poolQuerier{s.db.reader, stmts}, id, viewer)
	if err != nil {
		return nil, fmt.Errorf("sqlite: tweet %d: %w", id, err)
	}
	c.put(key, gen, t)
	return &t, nil
}

// DeleteTweet implements microblog.Store. Its likes and home rows go with
// it (ON DELETE CASCADE).
func (s *MicroblogStore) DeleteTweet(ctx context.Context, id microblog.TweetID, check func(*microblog.Tweet) error) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		t, err := tweetByID(ctx, tx, id, 0)
		if err != nil {
			return err
		}
		if err := check(&t); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM microblog_tweets WHERE id = ?`, id); err != nil {
			return fmt.Errorf("sqlite: delete tweet: %w", err)
		}
		return nil
	})
}

// bounds is r.Bounds with the order as SQL, and the limit.
func bounds(r microblog.Range) (lo, hi int64, order string, limit int) {
	lo, hi, ascending := r.Bounds()
	return lo, hi, map[bool]string{true: "ASC", false: "DESC"}[ascending], r.Limit
}

// tweetsQuery returns the query of q and its arguments.
func tweetsQuery(q microblog.TweetQuery) (string, []any, error) {
	lo, hi, order, limit := bounds(q.Range)
	from := ` FROM microblog_tweets t JOIN microblog_profiles p ON p.user_id = t.author_id JOIN users u ON u.id = t.author_id `
	var query string
	args := []any{q.Viewer}
	switch q.Timeline {
	case microblog.Public:
		query = tweetSelect + from + `WHERE t.id > ? AND t.id < ? ORDER BY t.id ` + order + ` LIMIT ?`
	case microblog.Author:
		query = tweetSelect + from + `WHERE t.author_id = ? AND t.id > ? AND t.id < ? ORDER BY t.id ` + order + ` LIMIT ?`
		args = append(args, q.User)
	case microblog.Replies:
		query = tweetSelect + from + `WHERE t.in_reply_to = ? AND t.id > ? AND t.id < ? ORDER BY t.id ` + order + ` LIMIT ?`
		args = append(args, q.Parent)
	case microblog.Home:
		// CROSS JOIN keeps microblog_home the outer loop: the page is a
		// range of its primary key, and each row one tweet lookup.
		query = tweetSelect + ` FROM microblog_home h CROSS JOIN microblog_tweets t ON t.id = h.tweet_id
			JOIN microblog_profiles p ON p.user_id = t.author_id JOIN users u ON u.id = t.author_id
			WHERE h.owner_id = ? AND h.tweet_id > ? AND h.tweet_id < ? ORDER BY h.tweet_id ` + order + ` LIMIT ?`
		args = append(args, q.User)
	default:
		return "", nil, microblog.ErrUnknownTimeline
	}
	return query, append(args, lo, hi, limit), nil
}

// Tweets implements microblog.Store. A page is answered from the read
// cache (keyed by the whole query, the viewer included) while no
// microblog or auth write was committed to the file since it was read;
// else it is one statement (so one snapshot, without a transaction around
// it), prepared once per connection of the read pool: there are eight
// (four timelines, two orders).
func (s *MicroblogStore) Tweets(ctx context.Context, q microblog.TweetQuery) ([]microblog.Tweet, error) {
	query, args, err := tweetsQuery(q)
	if err != nil {
		return nil, err
	}
	c := &s.db.microblog.pages
	c.sync(ctx, s.db)
	if page, ok := c.get(q); ok {
		return slices.Clone(page), nil
	}
	gen := c.generation()
	stmts, err := s.db.prepared(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare tweets: %w", err)
	}
	rows, err := poolQuerier{s.db.reader, stmts}.QueryContext(ctx, query, args...)
	out, err := collect("tweets", rows, err, scanTweet)
	if err != nil {
		return nil, err
	}
	if q.Range.Oldest {
		slices.Reverse(out)
	}
	c.put(q, gen, slices.Clone(out))
	return out, nil
}

// existsCheck is a count query (with one parameter) that must find a row,
// and the error when it does not.
type existsCheck struct {
	query string
	arg   any
	err   error
}

// exists returns the error of the first check that finds no row.
func exists(ctx context.Context, tx *sql.Tx, checks ...existsCheck) error {
	for _, c := range checks {
		var n int
		if err := tx.QueryRowContext(ctx, c.query, c.arg).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return c.err
		}
	}
	return nil
}

func profileExists(user hanok.UserID) existsCheck {
	return existsCheck{`SELECT count(*) FROM microblog_profiles WHERE user_id = ?`, user, microblog.ErrProfileNotFound}
}

func tweetExists(id microblog.TweetID) existsCheck {
	return existsCheck{`SELECT count(*) FROM microblog_tweets WHERE id = ?`, id, microblog.ErrTweetNotFound}
}

// Like implements microblog.Store.
func (s *MicroblogStore) Like(ctx context.Context, user hanok.UserID, tweet microblog.TweetID) error {
	return s.like(ctx, user, tweet, `INSERT OR IGNORE INTO microblog_likes (tweet_id, user_id) VALUES (?, ?)`, `+ 1`)
}

// Unlike implements microblog.Store.
func (s *MicroblogStore) Unlike(ctx context.Context, user hanok.UserID, tweet microblog.TweetID) error {
	return s.like(ctx, user, tweet, `DELETE FROM microblog_likes WHERE tweet_id = ? AND user_id = ?`, `- 1`)
}

func (s *MicroblogStore) like(ctx context.Context, user hanok.UserID, tweet microblog.TweetID, stmt, delta string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, profileExists(user), tweetExists(tweet)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, stmt, tweet, user)
		if err != nil {
			return fmt.Errorf("sqlite: like: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE microblog_tweets SET like_count = like_count `+delta+` WHERE id = ?`, tweet); err != nil {
				return fmt.Errorf("sqlite: like count: %w", err)
			}
		}
		return nil
	})
}

// Follow implements microblog.Store; a new follow copies the followed
// user's tweets into the follower's home.
func (s *MicroblogStore) Follow(ctx context.Context, follower, followee hanok.UserID, at time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, profileExists(follower), profileExists(followee)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO microblog_follows (follower_id, followee_id, created) VALUES (?, ?, ?)`, follower, followee, nanos(at))
		if err != nil {
			return fmt.Errorf("sqlite: follow: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			_, err = tx.ExecContext(ctx, `INSERT OR IGNORE INTO microblog_home (owner_id, tweet_id, author_id)
				SELECT ?, id, author_id FROM microblog_tweets WHERE author_id = ?`, follower, followee)
			if err != nil {
				return fmt.Errorf("sqlite: follow: fill home: %w", err)
			}
		}
		return nil
	})
}

// Unfollow implements microblog.Store; the followed user's tweets leave
// the follower's home.
func (s *MicroblogStore) Unfollow(ctx context.Context, follower, followee hanok.UserID) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := exists(ctx, tx, profileExists(follower), profileExists(followee)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM microblog_follows WHERE follower_id = ? AND followee_id = ?`, follower, followee)
		if err != nil {
			return fmt.Errorf("sqlite: unfollow: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 && follower != followee {
			if _, err := tx.ExecContext(ctx, `DELETE FROM microblog_home WHERE owner_id = ? AND author_id = ?`, follower, followee); err != nil {
				return fmt.Errorf("sqlite: unfollow: empty home: %w", err)
			}
		}
		return nil
	})
}

// Follows implements microblog.Store.
func (s *MicroblogStore) Follows(ctx context.Context, q microblog.FollowQuery) ([]microblog.Follow, error) {
	lo, hi, order, limit := bounds(q.Range)
	mine, other := "f.follower_id", "f.followee_id"
	if q.Followers {
		mine, other = other, mine
	}
	query := `SELECT ` + profileColumns + `, f.id, f.created FROM microblog_follows f JOIN microblog_profiles p ON p.user_id = ` + other + ` JOIN users u ON u.id = p.user_id
		WHERE ` + mine + ` = ? AND f.id > ? AND f.id < ? ORDER BY f.id ` + order + ` LIMIT ?`
	var out []microblog.Follow
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, query, q.User, lo, hi, limit)
		out, err = collect("follows", rows, err, func(sc scanner) (microblog.Follow, error) {
			var f microblog.Follow
			var created sql.NullInt64
			var err error
			f.Profile, err = scanProfile(sc, &f.ID, &created)
			f.Created = fromNanos(created)
			return f, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if q.Range.Oldest {
		slices.Reverse(out)
	}
	return out, nil
}
