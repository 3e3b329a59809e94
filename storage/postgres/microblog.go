package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// MicroblogStore is the microblog.Store of a DB.
//
// Home timelines are fanned out on write, as in storage/sqlite (see the
// microblog_home table in migration 0005): posting writes one row per
// follower of the author, and following copies the followed user's
// tweets into the follower's home, so that a page of a home timeline is
// one range of microblog_home's primary key and never reads the tweets of
// users not followed.
//
// What SQLite's single writer gives for free, a post racing a follow of
// its author, is a row lock here: a post takes a share lock on its
// author's profile row and a follow or unfollow an exclusive (no key
// update) lock on the followed profile's, so a post's fan-out sees every
// follow committed before it and a follow's copy sees every post
// committed before it; posts by one author do not wait for each other. A
// follow locks its follower's profile too (both in id order), so that the
// follows of one user, which its following list pages by id, commit in
// the order of their ids, as those of one followee do.
//
// Tweet ids are page cursors (microblog.TweetID), so they are handed out
// in commit order: a post takes the transaction-level advisory lock
// microblogTweetsLock (of its schema) just before it draws its id from the
// sequence and holds it until it commits. Two posts, on one server or on
// two, thus commit in the order of their ids, and a reader who has seen
// id n has seen every committed tweet below n: a since_id or min_id poll
// cannot step over a tweet that committed late. The price is that posts
// commit one at a time from their insert on (the checks and locks before
// it still run side by side); BenchmarkMicroblogPost measures it.
type MicroblogStore struct{ db *DB }

// microblogTweetsLock is the first key of the advisory lock under which
// tweet ids are drawn and committed; the second is the schema's, as for
// migrationLock.
const microblogTweetsLock = 0x6d626c67 // "mblg"

var _ microblog.Store = (*MicroblogStore)(nil)

// Microblog returns the database's microblog store.
func (db *DB) Microblog() *MicroblogStore { return &MicroblogStore{db: db} }

// profileColumns are a profile's columns; the query joins users u (the
// handle is the username).
const profileColumns = `p.user_id, u.username, p.name, p.bio, p.created`

func scanProfile(sc pgx.Row, extra ...any) (microblog.Profile, error) {
	var p microblog.Profile
	var created *time.Time
	err := sc.Scan(append([]any{&p.User, &p.Handle, &p.Name, &p.Bio, &created}, extra...)...)
	p.Created = utc(created)
	return p, err
}

// CreateProfile implements microblog.Store.
func (s *MicroblogStore) CreateProfile(ctx context.Context, p *microblog.Profile) error {
	_, err := s.db.pool.Exec(ctx, `INSERT INTO microblog_profiles (user_id, name, bio, created) VALUES ($1, $2, $3, $4)`,
		p.User, p.Name, p.Bio, nullTime(p.Created))
	switch {
	case isForeignKey(err):
		return auth.ErrUserNotFound
	case isUnique(err):
		return microblog.ErrProfileExists
	case err != nil:
		return fmt.Errorf("postgres: insert profile: %w", err)
	}
	return nil
}

func (s *MicroblogStore) profile(ctx context.Context, where string, arg any) (*microblog.Profile, error) {
	p, err := scanProfile(s.db.pool.QueryRow(ctx, `SELECT `+profileColumns+` FROM microblog_profiles p JOIN users u ON u.id = p.user_id WHERE `+where, arg))
	if err != nil {
		return nil, noRow(err, microblog.ErrProfileNotFound)
	}
	return &p, nil
}

// Profile implements microblog.Store.
func (s *MicroblogStore) Profile(ctx context.Context, user hanok.UserID) (*microblog.Profile, error) {
	return s.profile(ctx, `p.user_id = $1`, user)
}

// ProfileByHandle implements microblog.Store.
func (s *MicroblogStore) ProfileByHandle(ctx context.Context, handle string) (*microblog.Profile, error) {
	return s.profile(ctx, `u.username_key = $1`, auth.FoldKey(handle))
}

// ProfileStats implements microblog.Store.
func (s *MicroblogStore) ProfileStats(ctx context.Context, user hanok.UserID) (microblog.ProfileStats, error) {
	var st microblog.ProfileStats
	var ok bool
	err := s.db.pool.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM microblog_profiles WHERE user_id = $1),
		(SELECT count(*) FROM microblog_tweets WHERE author_id = $1),
		(SELECT count(*) FROM microblog_follows WHERE followee_id = $1),
		(SELECT count(*) FROM microblog_follows WHERE follower_id = $1)`, user).Scan(&ok, &st.Tweets, &st.Followers, &st.Following)
	if err != nil {
		return microblog.ProfileStats{}, fmt.Errorf("postgres: profile stats: %w", err)
	}
	if !ok {
		return microblog.ProfileStats{}, microblog.ErrProfileNotFound
	}
	return st, nil
}

// lockProfile locks the profile row of user (mode FOR SHARE or FOR NO KEY
// UPDATE) and returns NotFound if there is none.
func lockProfile(ctx context.Context, tx pgx.Tx, user hanok.UserID, mode string) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM microblog_profiles WHERE user_id = $1 `+mode, user).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return microblog.ErrProfileNotFound
	}
	if err != nil {
		return fmt.Errorf("postgres: lock profile: %w", err)
	}
	return nil
}

// lockBoth locks the profile rows of a and b FOR NO KEY UPDATE, in the
// order of their ids (so that two follows between the same users, each
// way, cannot deadlock), and returns ErrProfileNotFound unless both exist.
func lockBoth(ctx context.Context, tx pgx.Tx, a, b hanok.UserID) error {
	rows, err := tx.Query(ctx, `SELECT user_id FROM microblog_profiles WHERE user_id IN ($1, $2) ORDER BY user_id FOR NO KEY UPDATE`, a, b)
	if err != nil {
		return fmt.Errorf("postgres: lock profiles: %w", err)
	}
	locked, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("postgres: lock profiles: %w", err)
	}
	if len(locked) == 0 || (a != b && len(locked) < 2) {
		return microblog.ErrProfileNotFound
	}
	return nil
}

// CreateTweet implements microblog.Store.
func (s *MicroblogStore) CreateTweet(ctx context.Context, t *microblog.Tweet) error {
	var id int64
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		if err := lockProfile(ctx, tx, t.Author, `FOR SHARE`); err != nil {
			return err
		}
		if t.InReplyTo != 0 {
			if err := exists(ctx, tx, tweetExists(t.InReplyTo)); err != nil {
				return err
			}
		}
		// From here to the commit, one post at a time: ids in commit order.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))`, int32(microblogTweetsLock)); err != nil {
			return fmt.Errorf("postgres: lock tweet ids: %w", err)
		}
		err := tx.QueryRow(ctx, `INSERT INTO microblog_tweets (author_id, content, in_reply_to, created, updated) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			t.Author, t.Content, nullID(t.InReplyTo), nullTime(t.Created), nullTime(t.Updated)).Scan(&id)
		if isForeignKey(err) {
			return microblog.ErrProfileNotFound
		}
		if err != nil {
			return fmt.Errorf("postgres: insert tweet: %w", err)
		}
		// Fan out: the author's home and each follower's.
		_, err = tx.Exec(ctx, `INSERT INTO microblog_home (owner_id, tweet_id, author_id)
			SELECT $2::bigint, $1::bigint, $2::bigint UNION ALL SELECT follower_id, $1, $2 FROM microblog_follows WHERE followee_id = $2 AND follower_id <> $2`, id, t.Author)
		if err != nil {
			return fmt.Errorf("postgres: fan out tweet: %w", err)
		}
		return nil
	})
	if err == nil {
		t.ID = microblog.TweetID(id)
	}
	return err
}

// tweetSelect reads tweets as the viewer ($1) reads them; the query adds
// FROM's joins and WHERE.
//
// The viewer's like and the parent's existence are scalar subqueries,
// one index lookup a row of the page: written as EXISTS, a generic plan
// (which the server's prepared statements get after five runs) may hash
// the subquery instead, reading every tweet (2.2 ms for a page of 10,000
// tweets, 0.17 ms as written here).
const tweetSelect = `SELECT t.id, t.author_id, t.content, t.in_reply_to, t.created, t.updated, u.username, p.name, t.like_count,
	coalesce((SELECT true FROM microblog_likes l WHERE l.tweet_id = t.id AND l.user_id = $1), false),
	t.in_reply_to IS NOT NULL AND (SELECT x.id FROM microblog_tweets x WHERE x.id = t.in_reply_to) IS NULL`

func scanTweet(sc pgx.Row) (microblog.Tweet, error) {
	var t microblog.Tweet
	var parent *int64
	var created, updated *time.Time
	err := sc.Scan(&t.ID, &t.Author, &t.Content, &parent, &created, &updated, &t.AuthorHandle, &t.AuthorName, &t.Likes, &t.Liked, &t.ParentDeleted)
	if parent != nil {
		t.InReplyTo = microblog.TweetID(*parent)
	}
	t.Created, t.Updated = utc(created), utc(updated)
	return t, err
}

func tweetByID(ctx context.Context, q querier, id microblog.TweetID, viewer hanok.UserID, lock string) (microblog.Tweet, error) {
	t, err := scanTweet(q.QueryRow(ctx, tweetSelect+`
		FROM microblog_tweets t JOIN microblog_profiles p ON p.user_id = t.author_id JOIN users u ON u.id = t.author_id WHERE t.id = $2`+lock, viewer, id))
	if err != nil {
		return t, noRow(err, microblog.ErrTweetNotFound)
	}
	return t, nil
}

// Tweet implements microblog.Store.
func (s *MicroblogStore) Tweet(ctx context.Context, id microblog.TweetID, viewer hanok.UserID) (*microblog.Tweet, error) {
	t, err := tweetByID(ctx, s.db.pool, id, viewer, "")
	if err != nil {
		return nil, fmt.Errorf("postgres: tweet %d: %w", id, err)
	}
	return &t, nil
}

// DeleteTweet implements microblog.Store. The tweet's row is locked while
// check runs; its likes and home rows go with it (ON DELETE CASCADE).
func (s *MicroblogStore) DeleteTweet(ctx context.Context, id microblog.TweetID, check func(*microblog.Tweet) error) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		t, err := tweetByID(ctx, tx, id, 0, ` FOR UPDATE OF t`)
		if err != nil {
			return err
		}
		if err := check(&t); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM microblog_tweets WHERE id = $1`, id); err != nil {
			return fmt.Errorf("postgres: delete tweet: %w", err)
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
	page := ` > $3 AND %[1]s < $4 ORDER BY %[1]s ` + order + ` LIMIT $5`
	var query string
	var key int64
	switch q.Timeline {
	case microblog.Public:
		// $2 (0) is unused but keeps the parameters of every timeline.
		query = tweetSelect + from + `WHERE $2::bigint = 0 AND t.id` + fmt.Sprintf(page, "t.id")
	case microblog.Author:
		query = tweetSelect + from + `WHERE t.author_id = $2 AND t.id` + fmt.Sprintf(page, "t.id")
		key = int64(q.User)
	case microblog.Replies:
		query = tweetSelect + from + `WHERE t.in_reply_to = $2 AND t.id` + fmt.Sprintf(page, "t.id")
		key = int64(q.Parent)
	case microblog.Home:
		// The page is a range of microblog_home's primary key, read first
		// (MATERIALIZED keeps the planner from walking microblog_tweets'
		// primary key instead and filtering out the tweets of users not
		// followed), then one lookup of a tweet by id a row.
		query = `WITH h AS MATERIALIZED (SELECT tweet_id FROM microblog_home WHERE owner_id = $2 AND tweet_id` + fmt.Sprintf(page, "tweet_id") + `)
			` + tweetSelect + ` FROM h JOIN microblog_tweets t ON t.id = h.tweet_id
			JOIN microblog_profiles p ON p.user_id = t.author_id JOIN users u ON u.id = t.author_id
			ORDER BY h.tweet_id ` + order
		key = int64(q.User)
	default:
		return "", nil, microblog.ErrUnknownTimeline
	}
	return query, []any{int64(q.Viewer), key, lo, hi, limit}, nil
}

// Tweets implements microblog.Store.
func (s *MicroblogStore) Tweets(ctx context.Context, q microblog.TweetQuery) ([]microblog.Tweet, error) {
	query, args, err := tweetsQuery(q)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: tweets: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (microblog.Tweet, error) { return scanTweet(r) })
	if err != nil {
		return nil, fmt.Errorf("postgres: tweets: %w", err)
	}
	if q.Range.Oldest {
		slices.Reverse(out)
	}
	return out, nil
}

// existsCheck is a query (with one parameter) that must find a row, and
// the error when it does not.
type existsCheck struct {
	query string
	arg   any
	err   error
}

// exists returns the error of the first check that finds no row.
func exists(ctx context.Context, q querier, checks ...existsCheck) error {
	for _, c := range checks {
		var ok bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (`+c.query+`)`, c.arg).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return c.err
		}
	}
	return nil
}

func profileExists(user hanok.UserID) existsCheck {
	return existsCheck{`SELECT 1 FROM microblog_profiles WHERE user_id = $1`, int64(user), microblog.ErrProfileNotFound}
}

func tweetExists(id microblog.TweetID) existsCheck {
	return existsCheck{`SELECT 1 FROM microblog_tweets WHERE id = $1`, int64(id), microblog.ErrTweetNotFound}
}

// Like implements microblog.Store.
func (s *MicroblogStore) Like(ctx context.Context, user hanok.UserID, tweet microblog.TweetID) error {
	return s.like(ctx, user, tweet, `INSERT INTO microblog_likes (tweet_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, `+ 1`)
}

// Unlike implements microblog.Store.
func (s *MicroblogStore) Unlike(ctx context.Context, user hanok.UserID, tweet microblog.TweetID) error {
	return s.like(ctx, user, tweet, `DELETE FROM microblog_likes WHERE tweet_id = $1 AND user_id = $2`, `- 1`)
}

func (s *MicroblogStore) like(ctx context.Context, user hanok.UserID, tweet microblog.TweetID, stmt, delta string) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		if err := exists(ctx, tx, profileExists(user), tweetExists(tweet)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, stmt, tweet, user)
		if isForeignKey(err) {
			// The tweet was deleted since the check.
			return microblog.ErrTweetNotFound
		}
		if err != nil {
			return fmt.Errorf("postgres: like: %w", err)
		}
		if tag.RowsAffected() > 0 {
			if _, err := tx.Exec(ctx, `UPDATE microblog_tweets SET like_count = like_count `+delta+` WHERE id = $1`, tweet); err != nil {
				return fmt.Errorf("postgres: like count: %w", err)
			}
		}
		return nil
	})
}

// Follow implements microblog.Store; a new follow copies the followed
// user's tweets into the follower's home.
func (s *MicroblogStore) Follow(ctx context.Context, follower, followee hanok.UserID, at time.Time) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		// Both profiles, so that the follows of one followee (its
		// followers list) and those of one follower (its following list)
		// commit in the order of their ids, as tweets do.
		if err := lockBoth(ctx, tx, follower, followee); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO microblog_follows (follower_id, followee_id, created) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, follower, followee, nullTime(at))
		if err != nil {
			return fmt.Errorf("postgres: follow: %w", err)
		}
		if tag.RowsAffected() > 0 && follower != followee {
			_, err = tx.Exec(ctx, `INSERT INTO microblog_home (owner_id, tweet_id, author_id)
				SELECT $1, id, author_id FROM microblog_tweets WHERE author_id = $2 ON CONFLICT DO NOTHING`, follower, followee)
			if err != nil {
				return fmt.Errorf("postgres: follow: fill home: %w", err)
			}
		}
		return nil
	})
}

// Unfollow implements microblog.Store; the followed user's tweets leave
// the follower's home.
func (s *MicroblogStore) Unfollow(ctx context.Context, follower, followee hanok.UserID) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		if err := exists(ctx, tx, profileExists(follower)); err != nil {
			return err
		}
		if err := lockProfile(ctx, tx, followee, `FOR NO KEY UPDATE`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM microblog_follows WHERE follower_id = $1 AND followee_id = $2`, follower, followee)
		if err != nil {
			return fmt.Errorf("postgres: unfollow: %w", err)
		}
		if tag.RowsAffected() > 0 && follower != followee {
			if _, err := tx.Exec(ctx, `DELETE FROM microblog_home WHERE owner_id = $1 AND author_id = $2`, follower, followee); err != nil {
				return fmt.Errorf("postgres: unfollow: empty home: %w", err)
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
		WHERE ` + mine + ` = $1 AND f.id > $2 AND f.id < $3 ORDER BY f.id ` + order + ` LIMIT $4`
	rows, err := s.db.pool.Query(ctx, query, q.User, lo, hi, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: follows: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (microblog.Follow, error) {
		var f microblog.Follow
		var created *time.Time
		var err error
		f.Profile, err = scanProfile(r, &f.ID, &created)
		f.Created = utc(created)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: follows: %w", err)
	}
	if q.Range.Oldest {
		slices.Reverse(out)
	}
	return out, nil
}

// noRow is notFound for the microblog: ErrNoRows becomes the domain's
// error for the missing row.
func noRow(err, missing error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return missing
	}
	return err
}
