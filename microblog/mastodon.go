package microblog

import (
	"context"
	"fmt"

	"github.com/hanok-dev/hanok"
)

// What the Mastodon client API (adapters/mastodonhttp) reads that the
// seed's routes do not: profiles by user id, relationships, reply counts
// and whole conversations.

// Relations is what a Store may answer directly for the Mastodon client
// API; the Service falls back on Store's lists for a Store without it.
// storage/memory, storage/sqlite and storage/postgres implement it.
type Relations interface {
	// IsFollowing reports whether follower follows followee.
	IsFollowing(ctx context.Context, follower, followee hanok.UserID) (bool, error)
	// ReplyCounts counts the replies (not deleted) to each of ids; an
	// id without replies may be left out of the map.
	ReplyCounts(ctx context.Context, ids []TweetID) (map[TweetID]int, error)
}

// MaxContext bounds each side of a conversation that Context reads: the
// ancestors walked up, and the descendants read down.
const MaxContext = 200

// ProfileByID returns the profile of a user and its counts. A user
// without a profile (who never used the microblog) is NotFound.
func (s *Service) ProfileByID(ctx context.Context, id hanok.UserID) (*Profile, ProfileStats, error) {
	p, err := s.store.Profile(ctx, id)
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, ProfileStats{}, &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("no user %d", id), Err: err}
	}
	if err != nil {
		return nil, ProfileStats{}, fmt.Errorf("microblog: profile %d: %w", id, err)
	}
	st, err := s.store.ProfileStats(ctx, id)
	if err != nil {
		return nil, ProfileStats{}, fmt.Errorf("microblog: counts of %d: %w", id, err)
	}
	return p, st, nil
}

// MeWithStats returns the signed-in user's profile (made on first use)
// and its counts.
func (s *Service) MeWithStats(ctx context.Context, actor hanok.Actor) (*Profile, ProfileStats, error) {
	if _, err := s.Me(ctx, actor); err != nil {
		return nil, ProfileStats{}, err
	}
	return s.ProfileByID(ctx, actor.ID)
}

// IsFollowing reports whether follower follows followee.
func (s *Service) IsFollowing(ctx context.Context, follower, followee hanok.UserID) (bool, error) {
	if r, ok := s.store.(Relations); ok {
		ok, err := r.IsFollowing(ctx, follower, followee)
		if err != nil {
			return false, fmt.Errorf("microblog: relationship: %w", err)
		}
		return ok, nil
	}
	// Without Relations: walk the following list of follower.
	q := FollowQuery{User: follower, Range: Range{Limit: MaxLimit}}
	for {
		rows, err := s.store.Follows(ctx, q)
		if err != nil {
			return false, fmt.Errorf("microblog: relationship: %w", err)
		}
		for _, f := range rows {
			if f.Profile.User == followee {
				return true, nil
			}
		}
		if len(rows) < MaxLimit {
			return false, nil
		}
		q.Range.MaxID = rows[len(rows)-1].ID
	}
}

// ReplyCounts counts the replies to each tweet of ids.
func (s *Service) ReplyCounts(ctx context.Context, ids []TweetID) (map[TweetID]int, error) {
	if len(ids) == 0 {
		return map[TweetID]int{}, nil
	}
	if r, ok := s.store.(Relations); ok {
		m, err := r.ReplyCounts(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("microblog: reply counts: %w", err)
		}
		return m, nil
	}
	m := map[TweetID]int{}
	for _, id := range ids {
		n, err := s.countReplies(ctx, id)
		if err != nil {
			return nil, err
		}
		m[id] = n
	}
	return m, nil
}

func (s *Service) countReplies(ctx context.Context, id TweetID) (int, error) {
	q := TweetQuery{Timeline: Replies, Parent: id, Range: Range{Limit: MaxLimit}}
	n := 0
	for {
		rows, err := s.store.Tweets(ctx, q)
		if err != nil {
			return 0, fmt.Errorf("microblog: reply counts: %w", err)
		}
		n += len(rows)
		if len(rows) < MaxLimit {
			return n, nil
		}
		q.Range.MaxID = int64(rows[len(rows)-1].ID)
	}
}

// Context returns the conversation around a tweet as viewer reads it: its
// ancestors (the tweets it answers, up to the first, oldest first; a
// deleted one ends the walk) and its descendants (the replies, and
// theirs, in the order they were posted), at most MaxContext each.
func (s *Service) Context(ctx context.Context, viewer hanok.UserID, id TweetID) (ancestors, descendants []Tweet, err error) {
	t, err := s.Tweet(ctx, viewer, id)
	if err != nil {
		return nil, nil, err
	}
	ancestors, descendants = []Tweet{}, []Tweet{}
	for parent := t.InReplyTo; parent != 0 && len(ancestors) < MaxContext; {
		p, err := s.store.Tweet(ctx, parent, viewer)
		if hanok.CodeOf(err) == hanok.NotFound {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("microblog: context of %d: %w", id, err)
		}
		ancestors = append(ancestors, *p)
		parent = p.InReplyTo
	}
	for i, j := 0, len(ancestors)-1; i < j; i, j = i+1, j-1 {
		ancestors[i], ancestors[j] = ancestors[j], ancestors[i]
	}
	// Depth first, each tweet's replies oldest first: the order of a
	// threaded conversation.
	var walk func(parent TweetID) error
	walk = func(parent TweetID) error {
		q := TweetQuery{Timeline: Replies, Parent: parent, Viewer: viewer, Range: Range{Limit: MaxLimit, Oldest: true}}
		for len(descendants) < MaxContext {
			rows, err := s.store.Tweets(ctx, q)
			if err != nil {
				return fmt.Errorf("microblog: context of %d: %w", id, err)
			}
			// Oldest is newest first within the page: read it backwards.
			for i := len(rows) - 1; i >= 0 && len(descendants) < MaxContext; i-- {
				descendants = append(descendants, rows[i])
				if err := walk(rows[i].ID); err != nil {
					return err
				}
			}
			if len(rows) < MaxLimit {
				return nil
			}
			q.Range.SinceID = int64(rows[0].ID)
		}
		return nil
	}
	if err := walk(id); err != nil {
		return nil, nil, err
	}
	return ancestors, descendants, nil
}
