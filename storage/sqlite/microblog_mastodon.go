package sqlite

import (
	"context"
	"fmt"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
)

var _ microblog.Relations = (*MicroblogStore)(nil)

// IsFollowing implements microblog.Relations.
func (s *MicroblogStore) IsFollowing(ctx context.Context, follower, followee hanok.UserID) (bool, error) {
	var ok bool
	err := s.db.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM microblog_follows WHERE follower_id = ? AND followee_id = ?)`, follower, followee).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("sqlite: is following: %w", err)
	}
	return ok, nil
}

// ReplyCounts implements microblog.Relations.
func (s *MicroblogStore) ReplyCounts(ctx context.Context, ids []microblog.TweetID) (map[microblog.TweetID]int, error) {
	out := make(map[microblog.TweetID]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.db.reader.QueryContext(ctx, `SELECT in_reply_to, count(*) FROM microblog_tweets WHERE in_reply_to IN (?`+strings.Repeat(", ?", len(ids)-1)+`) GROUP BY in_reply_to`, args...)
	type count struct {
		id microblog.TweetID
		n  int
	}
	counts, err := collect("reply counts", rows, err, func(sc scanner) (c count, err error) {
		err = sc.Scan(&c.id, &c.n)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		out[c.id] = c.n
	}
	return out, nil
}
