package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
)

// TestMicroblogCacheSeesOtherDBs: two DBs on one file, as a server and
// another process beside it. Each read of the first answers, at its next
// request, what the other wrote (a tweet, a like, a rename), with the
// viewer's own Liked; a repeated read is answered without a query.
func TestMicroblogCacheSeesOtherDBs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	db := openTestDB(t)
	other := openAgain(t, db)
	s, s2 := db.Microblog(), other.Microblog()

	var users []*auth.User
	for _, name := range []string{"alice", "bob"} {
		u := &auth.User{Username: name, PasswordHash: []byte("x"), Created: at}
		require.NoError(t, db.Auth().CreateUser(ctx, u))
		require.NoError(t, s.CreateProfile(ctx, &microblog.Profile{User: u.ID, Name: name, Created: at}))
		users = append(users, u)
	}
	alice, bob := users[0].ID, users[1].ID
	first := &microblog.Tweet{Author: alice, Content: "first", Created: at, Updated: at}
	require.NoError(t, s.CreateTweet(ctx, first))

	public := func(viewer hanok.UserID) microblog.TweetQuery {
		return microblog.TweetQuery{Timeline: microblog.Public, Viewer: viewer, Range: microblog.Range{Limit: 21}}
	}
	author := microblog.TweetQuery{Timeline: microblog.Author, User: alice, Viewer: bob, Range: microblog.Range{Limit: 21}}
	read := func(q microblog.TweetQuery) []microblog.Tweet {
		t.Helper()
		page, err := s.Tweets(ctx, q)
		require.NoError(t, err)
		return page
	}
	tweet := func(id microblog.TweetID, viewer hanok.UserID) *microblog.Tweet {
		t.Helper()
		tw, err := s.Tweet(ctx, id, viewer)
		require.NoError(t, err)
		return tw
	}

	byHandle := func(handle string) (*microblog.Profile, error) {
		t.Helper()
		return s.ProfileByHandle(ctx, handle)
	}

	// Fill the cache; the second reads are hits.
	read(public(0))
	read(public(bob))
	read(author)
	tweet(first.ID, bob)
	_, err := byHandle("Alice")
	require.NoError(t, err)
	_, err = s.Profile(ctx, alice)
	require.NoError(t, err)
	queries := countReads(t, db)
	require.Len(t, read(public(0)), 1)
	require.Len(t, read(author), 1)
	assert.False(t, tweet(first.ID, bob).Liked)
	p, err := byHandle("ALICE")
	require.NoError(t, err)
	assert.Equal(t, alice, p.User, "a profile by another spelling of the handle")
	p, err = s.Profile(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "alice", p.Handle)
	require.Zero(t, queries.Load(), "reads of cached rows")
	// What a caller does to the rows it got does not reach the cache.
	read(public(0))[0].Content = "changed"
	assert.Equal(t, "first", read(public(0))[0].Content, "the cached rows after a caller changed its copy")

	// The other DB posts: the next reads see the tweet.
	second := &microblog.Tweet{Author: alice, Content: "second", Created: at, Updated: at}
	require.NoError(t, s2.CreateTweet(ctx, second))
	page := read(public(0))
	require.Len(t, page, 2, "public timeline after another DB's tweet")
	assert.Equal(t, second.ID, page[0].ID)
	require.Len(t, read(author), 2, "author's timeline after another DB's tweet")

	// The other DB likes as bob: the count for everyone, Liked for bob
	// only.
	require.NoError(t, s2.Like(ctx, bob, first.ID))
	assert.Equal(t, 1, read(public(0))[1].Likes, "likes after another DB's like")
	assert.False(t, read(public(0))[1].Liked, "Liked for an anonymous reader")
	assert.True(t, read(public(bob))[1].Liked, "Liked for the liker")
	assert.False(t, read(public(alice))[1].Liked, "Liked for another reader")
	tw := tweet(first.ID, bob)
	assert.True(t, tw.Liked, "the tweet for the liker after another DB's like")
	assert.Equal(t, 1, tw.Likes)
	assert.False(t, tweet(first.ID, alice).Liked, "the tweet for another reader")

	// A reply by the other DB: the thread's replies.
	replies := microblog.TweetQuery{Timeline: microblog.Replies, Parent: first.ID, Range: microblog.Range{Limit: 21}}
	assert.Empty(t, read(replies))
	reply := &microblog.Tweet{Author: bob, Content: "reply", InReplyTo: first.ID, Created: at, Updated: at}
	require.NoError(t, s2.CreateTweet(ctx, reply))
	page = read(replies)
	require.Len(t, page, 1, "replies after another DB's reply")
	assert.Equal(t, reply.ID, page[0].ID)

	// A rename by the other DB (an auth write): the tweets show the new
	// handle.
	renamed := *users[0]
	renamed.Username = "alicia"
	require.NoError(t, other.Auth().UpdateUser(ctx, &renamed))
	assert.Equal(t, "alicia", read(public(0))[1].AuthorHandle, "handle after another DB's rename")
	assert.Equal(t, "alicia", tweet(first.ID, bob).AuthorHandle)
	_, err = byHandle("alice")
	assert.ErrorIs(t, err, microblog.ErrProfileNotFound, "the old handle after another DB's rename")
	p, err = byHandle("alicia")
	require.NoError(t, err, "the new handle after another DB's rename")
	assert.Equal(t, alice, p.User)
	p, err = s.Profile(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "alicia", p.Handle, "the profile by id after another DB's rename")

	// A deletion by this DB: gone at once.
	require.NoError(t, s.DeleteTweet(ctx, second.ID, func(*microblog.Tweet) error { return nil }))
	page = read(public(0))
	require.Len(t, page, 2, "public timeline after a deletion")
	assert.Equal(t, reply.ID, page[0].ID)
	_, err = s.Tweet(ctx, second.ID, bob)
	assert.ErrorIs(t, err, microblog.ErrTweetNotFound)

	// Unchanged since: hits again.
	read(replies)
	_, _ = byHandle("alicia")
	queries.Store(0)
	read(public(0))
	read(replies)
	_, err = byHandle("alicia")
	require.NoError(t, err)
	require.Zero(t, queries.Load(), "reads of cached rows after the writes")
}
