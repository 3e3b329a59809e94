package memory

import (
	"context"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
)

var _ microblog.Relations = (*MicroblogStore)(nil)

// IsFollowing implements microblog.Relations.
func (s *MicroblogStore) IsFollowing(_ context.Context, follower, followee hanok.UserID) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.following[follower] {
		if f.followee == followee {
			return true, nil
		}
	}
	return false, nil
}

// ReplyCounts implements microblog.Relations.
func (s *MicroblogStore) ReplyCounts(_ context.Context, ids []microblog.TweetID) (map[microblog.TweetID]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[microblog.TweetID]int, len(ids))
	for _, id := range ids {
		n := 0
		for _, r := range s.replies[id] {
			if _, ok := s.tweets[r]; ok {
				n++
			}
		}
		out[id] = n
	}
	return out, nil
}
