package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// MicroblogStore is an in-memory microblog.Store. Its lists are kept
// sorted by id, and the home timeline is merged on read from the
// per-author lists of the followed users, taking at most one page from
// each. Handles are the usernames of its auth store, read as profiles are
// read.
type MicroblogStore struct {
	users auth.Store

	mu       sync.Mutex
	profiles map[hanok.UserID]microblog.Profile
	tweets   map[microblog.TweetID]microblog.Tweet
	all      []microblog.TweetID
	byAuthor map[hanok.UserID][]microblog.TweetID
	replies  map[microblog.TweetID][]microblog.TweetID
	likes    map[microblog.TweetID]map[hanok.UserID]bool
	// followers[u] are the follows of u, following[u] those by u, both by
	// follow id.
	followers  map[hanok.UserID][]follow
	following  map[hanok.UserID][]follow
	nextTweet  microblog.TweetID
	nextFollow int64
}

type follow struct {
	id       int64
	follower hanok.UserID
	followee hanok.UserID
	created  time.Time
}

var _ microblog.Store = (*MicroblogStore)(nil)

// NewMicroblogStore returns an empty MicroblogStore whose profiles belong
// to the users of users.
func NewMicroblogStore(users auth.Store) *MicroblogStore {
	return &MicroblogStore{
		users:     users,
		profiles:  map[hanok.UserID]microblog.Profile{},
		tweets:    map[microblog.TweetID]microblog.Tweet{},
		byAuthor:  map[hanok.UserID][]microblog.TweetID{},
		replies:   map[microblog.TweetID][]microblog.TweetID{},
		likes:     map[microblog.TweetID]map[hanok.UserID]bool{},
		followers: map[hanok.UserID][]follow{},
		following: map[hanok.UserID][]follow{},
	}
}

// Microblog returns the database's microblog store, whose users are the
// database's auth users.
func (db *DB) Microblog() *MicroblogStore {
	users := db.Auth()
	return db.store("microblog", func() any { return NewMicroblogStore(users) }).(*MicroblogStore)
}

// CreateProfile implements microblog.Store.
func (s *MicroblogStore) CreateProfile(ctx context.Context, p *microblog.Profile) error {
	if _, err := s.users.UserByID(ctx, p.User); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.profiles[p.User]; ok {
		return microblog.ErrProfileExists
	}
	c := *p
	c.Handle = ""
	c.Created = c.Created.UTC()
	s.profiles[c.User] = c
	return nil
}

// profile returns the stored profile of user with its handle, the user's
// username; s.mu is held (the auth store has its own lock and never calls
// back).
func (s *MicroblogStore) profile(user hanok.UserID) (microblog.Profile, bool) {
	p, ok := s.profiles[user]
	if !ok {
		return p, false
	}
	if u, err := s.users.UserByID(context.Background(), user); err == nil {
		p.Handle = u.Username
	}
	return p, true
}

// Profile implements microblog.Store.
func (s *MicroblogStore) Profile(_ context.Context, user hanok.UserID) (*microblog.Profile, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.profile(user)
	if !ok {
		return nil, microblog.ErrProfileNotFound
	}
	return &p, nil
}

// ProfileByHandle implements microblog.Store.
func (s *MicroblogStore) ProfileByHandle(ctx context.Context, handle string) (*microblog.Profile, error) {
	u, err := s.users.UserByUsername(ctx, handle)
	if hanok.CodeOf(err) == hanok.NotFound {
		return nil, microblog.ErrProfileNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.Profile(ctx, u.ID)
}

// ProfileStats implements microblog.Store.
func (s *MicroblogStore) ProfileStats(_ context.Context, user hanok.UserID) (microblog.ProfileStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.profiles[user]; !ok {
		return microblog.ProfileStats{}, microblog.ErrProfileNotFound
	}
	return microblog.ProfileStats{
		Tweets:    len(s.byAuthor[user]),
		Followers: len(s.followers[user]),
		Following: len(s.following[user]),
	}, nil
}

// CreateTweet implements microblog.Store.
func (s *MicroblogStore) CreateTweet(_ context.Context, t *microblog.Tweet) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.profiles[t.Author]; !ok {
		return microblog.ErrProfileNotFound
	}
	if t.InReplyTo != 0 {
		if _, ok := s.tweets[t.InReplyTo]; !ok {
			return microblog.ErrTweetNotFound
		}
	}
	s.nextTweet++
	c := microblog.Tweet{
		ID: s.nextTweet, Author: t.Author, Content: t.Content, InReplyTo: t.InReplyTo,
		Created: t.Created.UTC(), Updated: t.Updated.UTC(),
	}
	s.tweets[c.ID] = c
	s.all = append(s.all, c.ID)
	s.byAuthor[c.Author] = append(s.byAuthor[c.Author], c.ID)
	if c.InReplyTo != 0 {
		s.replies[c.InReplyTo] = append(s.replies[c.InReplyTo], c.ID)
	}
	t.ID = c.ID
	return nil
}

// read returns the stored tweet id as viewer reads it; s.mu is held.
func (s *MicroblogStore) read(id microblog.TweetID, viewer hanok.UserID) microblog.Tweet {
	t := s.tweets[id]
	p, _ := s.profile(t.Author)
	t.AuthorHandle, t.AuthorName = p.Handle, p.Name
	if t.InReplyTo != 0 {
		_, ok := s.tweets[t.InReplyTo]
		t.ParentDeleted = !ok
	}
	t.Likes = len(s.likes[id])
	t.Liked = viewer != 0 && s.likes[id][viewer]
	return t
}

// Tweet implements microblog.Store.
func (s *MicroblogStore) Tweet(_ context.Context, id microblog.TweetID, viewer hanok.UserID) (*microblog.Tweet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tweets[id]; !ok {
		return nil, microblog.ErrTweetNotFound
	}
	t := s.read(id, viewer)
	return &t, nil
}

// remove deletes id from the sorted list.
func remove[T cmp.Ordered](list []T, id T) []T {
	if i, ok := slices.BinarySearch(list, id); ok {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// DeleteTweet implements microblog.Store.
func (s *MicroblogStore) DeleteTweet(_ context.Context, id microblog.TweetID, check func(*microblog.Tweet) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tweets[id]; !ok {
		return microblog.ErrTweetNotFound
	}
	t := s.read(id, 0)
	if err := check(&t); err != nil {
		return err
	}
	delete(s.tweets, id)
	delete(s.likes, id)
	s.all = remove(s.all, id)
	s.byAuthor[t.Author] = remove(s.byAuthor[t.Author], id)
	if t.InReplyTo != 0 {
		s.replies[t.InReplyTo] = remove(s.replies[t.InReplyTo], id)
	}
	// The replies list of id is kept: its replies still answer it.
	return nil
}

// pick returns the part of list (ascending by key) that r selects, newest
// first.
func pick[T any](list []T, key func(T) int64, r microblog.Range) []T {
	lo, hi := 0, len(list)
	if r.SinceID > 0 {
		lo, _ = slices.BinarySearchFunc(list, r.SinceID+1, func(e T, k int64) int { return cmp.Compare(key(e), k) })
	}
	if r.MaxID > 0 {
		hi, _ = slices.BinarySearchFunc(list, r.MaxID, func(e T, k int64) int { return cmp.Compare(key(e), k) })
	}
	if lo >= hi {
		return nil
	}
	if r.Oldest {
		hi = min(hi, lo+r.Limit)
	} else {
		lo = max(lo, hi-r.Limit)
	}
	out := slices.Clone(list[lo:hi])
	slices.Reverse(out)
	return out
}

func tweetKey(id microblog.TweetID) int64 { return int64(id) }

// Tweets implements microblog.Store.
func (s *MicroblogStore) Tweets(_ context.Context, q microblog.TweetQuery) ([]microblog.Tweet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []microblog.TweetID
	switch q.Timeline {
	case microblog.Public:
		ids = pick(s.all, tweetKey, q.Range)
	case microblog.Author:
		ids = pick(s.byAuthor[q.User], tweetKey, q.Range)
	case microblog.Replies:
		ids = pick(s.replies[q.Parent], tweetKey, q.Range)
	case microblog.Home:
		// At most one page from each author, then the page of those.
		merged := pick(s.byAuthor[q.User], tweetKey, q.Range)
		for _, f := range s.following[q.User] {
			merged = append(merged, pick(s.byAuthor[f.followee], tweetKey, q.Range)...)
		}
		slices.Sort(merged)
		ids = pick(merged, tweetKey, q.Range)
	default:
		return nil, microblog.ErrUnknownTimeline
	}
	out := make([]microblog.Tweet, len(ids))
	for i, id := range ids {
		out[i] = s.read(id, q.Viewer)
	}
	return out, nil
}

func (s *MicroblogStore) checkLike(user hanok.UserID, tweet microblog.TweetID) error {
	if _, ok := s.profiles[user]; !ok {
		return microblog.ErrProfileNotFound
	}
	if _, ok := s.tweets[tweet]; !ok {
		return microblog.ErrTweetNotFound
	}
	return nil
}

// Like implements microblog.Store.
func (s *MicroblogStore) Like(_ context.Context, user hanok.UserID, tweet microblog.TweetID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLike(user, tweet); err != nil {
		return err
	}
	if s.likes[tweet] == nil {
		s.likes[tweet] = map[hanok.UserID]bool{}
	}
	s.likes[tweet][user] = true
	return nil
}

// Unlike implements microblog.Store.
func (s *MicroblogStore) Unlike(_ context.Context, user hanok.UserID, tweet microblog.TweetID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkLike(user, tweet); err != nil {
		return err
	}
	delete(s.likes[tweet], user)
	return nil
}

func (s *MicroblogStore) checkFollow(follower, followee hanok.UserID) error {
	if _, ok := s.profiles[follower]; !ok {
		return microblog.ErrProfileNotFound
	}
	if _, ok := s.profiles[followee]; !ok {
		return microblog.ErrProfileNotFound
	}
	return nil
}

func followIndex(list []follow, match func(follow) bool) int { return slices.IndexFunc(list, match) }

// Follow implements microblog.Store.
func (s *MicroblogStore) Follow(_ context.Context, follower, followee hanok.UserID, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkFollow(follower, followee); err != nil {
		return err
	}
	if followIndex(s.following[follower], func(f follow) bool { return f.followee == followee }) >= 0 {
		return nil
	}
	s.nextFollow++
	f := follow{id: s.nextFollow, follower: follower, followee: followee, created: at.UTC()}
	s.following[follower] = append(s.following[follower], f)
	s.followers[followee] = append(s.followers[followee], f)
	return nil
}

// Unfollow implements microblog.Store.
func (s *MicroblogStore) Unfollow(_ context.Context, follower, followee hanok.UserID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkFollow(follower, followee); err != nil {
		return err
	}
	if i := followIndex(s.following[follower], func(f follow) bool { return f.followee == followee }); i >= 0 {
		s.following[follower] = slices.Delete(s.following[follower], i, i+1)
	}
	if i := followIndex(s.followers[followee], func(f follow) bool { return f.follower == follower }); i >= 0 {
		s.followers[followee] = slices.Delete(s.followers[followee], i, i+1)
	}
	return nil
}

// Follows implements microblog.Store.
func (s *MicroblogStore) Follows(_ context.Context, q microblog.FollowQuery) ([]microblog.Follow, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	list := s.following[q.User]
	if q.Followers {
		list = s.followers[q.User]
	}
	rows := pick(list, func(f follow) int64 { return f.id }, q.Range)
	out := make([]microblog.Follow, len(rows))
	for i, f := range rows {
		other := f.followee
		if q.Followers {
			other = f.follower
		}
		p, _ := s.profile(other)
		out[i] = microblog.Follow{ID: f.id, Profile: p, Created: f.created}
	}
	return out, nil
}
