package postgres

import (
	"context"
	"fmt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
)

var _ microblog.Relations = (*MicroblogStore)(nil)

// IsFollowing implements microblog.Relations.
func (s *MicroblogStore) IsFollowing(ctx context.Context, follower, followee hanok.UserID) (bool, error) {
	var ok bool
	err := s.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM microblog_follows WHERE follower_id = $1 AND followee_id = $2)`, follower, followee).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("postgres: is following: %w", err)
	}
	return ok, nil
}

// ReplyCounts implements microblog.Relations.
func (s *MicroblogStore) ReplyCounts(ctx context.Context, ids []microblog.TweetID) (map[microblog.TweetID]int, error) {
	out := make(map[microblog.TweetID]int, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	raw := make([]int64, len(ids))
	for i, id := range ids {
		raw[i] = int64(id)
	}
	rows, err := s.db.pool.Query(ctx, `SELECT in_reply_to, count(*) FROM microblog_tweets WHERE in_reply_to = ANY($1) GROUP BY in_reply_to`, raw)
	if err != nil {
		return nil, fmt.Errorf("postgres: reply counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, fmt.Errorf("postgres: reply counts: %w", err)
		}
		out[microblog.TweetID(id)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: reply counts: %w", err)
	}
	return out, nil
}
