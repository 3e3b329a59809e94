package sqlite

import (
	"context"
	"database/sql"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
)

// microblogCache caches the microblog's timeline pages, single tweets and
// profiles (readCache): the rows as the query returned them, keyed by the
// whole query, the viewer included (Tweet.Liked is the viewer's). Cached
// rows hold usernames, so an auth write (a rename) empties it too.
type microblogCache struct {
	pages    readCache[microblog.TweetQuery, []microblog.Tweet]
	tweets   readCache[tweetKey, microblog.Tweet]
	profiles readCache[profileKey, microblog.Profile]
}

// profileKey is the key of one profile read: by user id, or by the
// folded handle (auth.FoldKey) when byHandle.
type profileKey struct {
	byHandle bool
	user     hanok.UserID
	handle   string
}

// tweetKey is the key of one tweet as one viewer reads it.
type tweetKey struct {
	id     microblog.TweetID
	viewer hanok.UserID
}

// microblogCountsQuery reads the counts the cached rows depend on: the
// microblog's writes (migration 0019) and auth's (migration 0012).
const microblogCountsQuery = `SELECT (SELECT writes FROM microblog_writes WHERE id = 1), (SELECT counter FROM auth_changes WHERE id = 1)`

func (c *microblogCache) init() {
	c.pages.query = microblogCountsQuery
	c.tweets.query = microblogCountsQuery
	c.profiles.query = microblogCountsQuery
}

func (c *microblogCache) bump() {
	c.pages.bump()
	c.tweets.bump()
	c.profiles.bump()
}

// write runs fn in a write transaction that also adds one to the count of
// microblog writes (which the read caches of other processes on the file
// watch), and then, committed or not, empties this DB's read cache, so
// that no read after it is answered with rows from before it. Every
// microblog write goes through it.
func (s *MicroblogStore) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.db.writeCounted(ctx, "microblog_writes", s.db.microblog.bump, fn)
}
