package sqlite_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/microblog/microblogtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/storetest"
)

func TestMicroblogStore(t *testing.T) {
	microblogtest.RunStoreTests(t, func(t testing.TB) storetest.Harness[microblog.Store] {
		db := openTestDB(t)
		return storetest.Harness[microblog.Store]{Store: db.Microblog(), Users: authtest.Users(db.Auth())}
	})
}

// Every timeline page is one index range: the home timeline reads
// microblog_home by its primary key and looks each tweet up by id, never
// scanning tweets (of users not followed, or at all).
func TestMicroblogQueriesUseIndexes(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		q    microblog.TweetQuery
		want []string
	}{
		{microblog.TweetQuery{Timeline: microblog.Home, User: 1, Viewer: 1, Range: microblog.Range{MaxID: 100, Limit: 21}},
			[]string{"SEARCH h USING PRIMARY KEY (owner_id=? AND tweet_id>? AND tweet_id<?)", "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)"}},
		{microblog.TweetQuery{Timeline: microblog.Home, User: 1, Range: microblog.Range{SinceID: 100, Oldest: true, Limit: 21}},
			[]string{"SEARCH h USING PRIMARY KEY (owner_id=? AND tweet_id>? AND tweet_id<?)"}},
		{microblog.TweetQuery{Timeline: microblog.Public, Range: microblog.Range{Limit: 21}},
			[]string{"SEARCH t USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"}},
		{microblog.TweetQuery{Timeline: microblog.Author, User: 1, Range: microblog.Range{Limit: 21}},
			[]string{"SEARCH t USING INDEX microblog_tweets_author (author_id=? AND id>? AND id<?)"}},
		{microblog.TweetQuery{Timeline: microblog.Replies, Parent: 1, Range: microblog.Range{Limit: 21}},
			[]string{"SEARCH t USING INDEX microblog_tweets_reply (in_reply_to=? AND id>? AND id<?)"}},
	} {
		plan := sqlite.MicroblogTweetsPlan(t, db, c.q)
		for _, want := range c.want {
			assert.Contains(t, plan, want, "timeline %d", c.q.Timeline)
		}
		for _, bad := range []string{"SCAN t", "SCAN h", "TEMP B-TREE"} {
			assert.NotContains(t, plan, bad, "timeline %d", c.q.Timeline)
		}
	}
}
