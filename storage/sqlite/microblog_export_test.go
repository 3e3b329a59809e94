package sqlite

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/microblog"
)

// MicroblogTweetsPlan is the query plan of the store's query for q, one
// step a line, for the microblog's tests (package sqlite_test).
func MicroblogTweetsPlan(t *testing.T, db *DB, q microblog.TweetQuery) string {
	t.Helper()
	query, args, err := tweetsQuery(q)
	require.NoError(t, err)
	return queryPlan(t, db, query, args...)
}
