// Package microblog is a small Twitter-like service: profiles on auth
// users, tweets with replies, likes, follows and timelines paged with
// Mastodon-style cursors (max_id, since_id, min_id, limit).
//
// The Service holds the rules (who may delete what, how long a tweet may
// be, that nobody follows themselves, how a page and its cursors are
// computed); persistence is behind the Store interface, implemented by
// storage/memory, storage/sqlite and storage/postgres and checked by the
// conformance suite in microblog/microblogtest. A tweet's text is 1 to 300
// characters as a reader counts them (grapheme clusters, CheckContent),
// and tweet ids are in commit order on every store (TweetID), so that a
// client polling with since_id or min_id never steps over a tweet.
// Accounts, passwords and tokens are auth's: a signup registers an auth
// user and gives it a profile, and a login goes through auth.Service (and
// its throttle). The HTTP adapter is adapters/microbloghttp.
package microblog

import (
	"context"
	"math"
	"time"

	"github.com/hanok-dev/hanok"
)

// TweetID identifies a tweet. Ids grow in commit order: a tweet committed
// later has a larger id, so a reader who has seen id n will never be shown
// a tweet below n that it has not seen (on every store, with any number
// of servers on one database); and an id is never reused. This is what
// makes them pagination cursors that a poller (since_id, min_id) can
// follow without missing a tweet.
type TweetID int64

// Profile is the microblog face of an auth user.
type Profile struct {
	User hanok.UserID
	// Handle is the user's auth username (the seed's user_id). Stores
	// read it from the auth user with the profile, so that it follows a
	// rename; CreateProfile ignores it.
	Handle string
	// Name is the display name (the seed's user_name).
	Name string
	// Bio is the profile text (the seed's user_profile); may be empty.
	Bio     string
	Created time.Time
}

// ProfileStats are a profile's counts, as read.
type ProfileStats struct {
	Tweets    int
	Followers int
	Following int
}

// Tweet is a post. AuthorHandle, AuthorName, Likes, Liked and
// ParentDeleted are filled in by the store as the tweet is read.
type Tweet struct {
	ID      TweetID
	Author  hanok.UserID
	Content string
	// InReplyTo is the tweet this one answers, or 0. It is kept when that
	// tweet is deleted, and ParentDeleted then says so.
	InReplyTo TweetID
	Created   time.Time
	Updated   time.Time

	AuthorHandle  string
	AuthorName    string
	ParentDeleted bool
	// Likes counts the users who like the tweet; Liked says whether the
	// reader is one of them (false for an anonymous reader).
	Likes int
	Liked bool
}

// Follow is one entry of a followers or following list: the user on the
// other side, and the id of the follow, which is the list's cursor (lists
// are newest follow first).
type Follow struct {
	ID      int64
	Profile Profile
	Created time.Time
}

// Timeline says which tweets a TweetQuery reads.
type Timeline int

// The timelines.
const (
	// Public is every tweet.
	Public Timeline = iota + 1
	// Author is the tweets of TweetQuery.User.
	Author
	// Home is the tweets of TweetQuery.User and of the users it follows.
	Home
	// Replies is the replies to TweetQuery.Parent.
	Replies
)

// Range is a page request in store terms: ids strictly between SinceID and
// MaxID (0 means no bound). Limit is the most rows wanted (> 0). With
// Oldest the rows are the ones just above SinceID, else the ones just below
// MaxID; either way they are returned newest first.
type Range struct {
	MaxID   int64
	SinceID int64
	Oldest  bool
	Limit   int
}

// Bounds is r as a query reads it: the ids strictly between lo and hi (hi
// is the largest int64 when MaxID is 0), read in ascending id order (the
// Limit rows just above lo) when ascending, else in descending order.
// A store returns the rows newest first whichever way it reads them.
func (r Range) Bounds() (lo, hi int64, ascending bool) {
	hi = r.MaxID
	if hi <= 0 {
		hi = math.MaxInt64
	}
	return r.SinceID, hi, r.Oldest
}

// TweetQuery is a page of one timeline.
type TweetQuery struct {
	Timeline Timeline
	User     hanok.UserID
	Parent   TweetID
	// Viewer is the reader, for Tweet.Liked; 0 when anonymous.
	Viewer hanok.UserID
	Range  Range
}

// FollowQuery is a page of a followers or following list, by follow id.
type FollowQuery struct {
	User hanok.UserID
	// Followers lists who follows User; false lists whom User follows.
	Followers bool
	Range     Range
}

// The errors of a Store, declared once here: every store returns these
// (possibly wrapped with %w), and only these words reach a client.
var (
	// ErrProfileNotFound is a user without a microblog profile, or a
	// handle that no user has.
	ErrProfileNotFound = &hanok.Error{Code: hanok.NotFound, Message: "no such user"}
	// ErrTweetNotFound is a tweet that does not exist (never did, or was
	// deleted).
	ErrTweetNotFound = &hanok.Error{Code: hanok.NotFound, Message: "no such tweet"}
	// ErrProfileExists is a second profile for one user.
	ErrProfileExists = &hanok.Error{Code: hanok.Conflict, Message: "the user has a profile already"}
	// ErrUnknownTimeline is a TweetQuery whose Timeline is none of the
	// timelines.
	ErrUnknownTimeline = &hanok.Error{Code: hanok.Invalid, Message: "unknown timeline"}
)

// Store is the persistence the microblog needs.
//
// A user must have a profile to post, like or follow (and to be
// followed); otherwise ErrProfileNotFound. An unknown tweet is
// ErrTweetNotFound; CreateProfile for a user auth does not know is
// auth.ErrUserNotFound. Times are kept to the microsecond (the service
// makes them so), in UTC.
type Store interface {
	// CreateProfile stores p. An unknown user is auth.ErrUserNotFound; a
	// second profile for a user is ErrProfileExists.
	CreateProfile(ctx context.Context, p *Profile) error
	// Profile returns the profile of a user.
	Profile(ctx context.Context, user hanok.UserID) (*Profile, error)
	// ProfileByHandle finds the profile of the user whose username is
	// handle, compared by auth.FoldKey.
	ProfileByHandle(ctx context.Context, handle string) (*Profile, error)
	// ProfileStats counts a user's tweets, followers and followed users.
	ProfileStats(ctx context.Context, user hanok.UserID) (ProfileStats, error)

	// CreateTweet stores t and sets t.ID to an id larger than any before,
	// in commit order: no tweet with a smaller id may become visible
	// after t does (see TweetID).
	// A reply to a tweet that does not exist (never did, or was deleted)
	// is ErrTweetNotFound.
	CreateTweet(ctx context.Context, t *Tweet) error
	// Tweet returns one tweet as viewer reads it.
	Tweet(ctx context.Context, id TweetID, viewer hanok.UserID) (*Tweet, error)
	// DeleteTweet runs check on the stored tweet and, if it returns nil,
	// deletes the tweet and its likes in the same transaction. Replies
	// stay. check's error is returned as is.
	DeleteTweet(ctx context.Context, id TweetID, check func(*Tweet) error) error
	// Tweets returns a page of a timeline, newest first. An unknown
	// parent or user gives an empty page; an unknown Timeline is
	// ErrUnknownTimeline.
	Tweets(ctx context.Context, q TweetQuery) ([]Tweet, error)

	// Like records that user likes tweet; liking twice is not an error.
	Like(ctx context.Context, user hanok.UserID, tweet TweetID) error
	// Unlike removes a like; unliking what is not liked is not an error,
	// but the tweet must exist.
	Unlike(ctx context.Context, user hanok.UserID, tweet TweetID) error

	// Follow records that follower follows followee, at the given time;
	// following twice is not an error (the first time is kept).
	Follow(ctx context.Context, follower, followee hanok.UserID, at time.Time) error
	// Unfollow removes a follow; unfollowing whom one does not follow is
	// not an error, but both profiles must exist.
	Unfollow(ctx context.Context, follower, followee hanok.UserID) error
	// Follows returns a page of a followers or following list, newest
	// follow first.
	Follows(ctx context.Context, q FollowQuery) ([]Follow, error)
}
