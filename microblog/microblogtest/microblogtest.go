// Package microblogtest is the conformance suite of microblog.Store: every
// store (storage/memory, storage/sqlite, storage/postgres) runs
// RunStoreTests from its own test file, so that all of them behave alike.
// It asserts the domain's errors (microblog.ErrTweetNotFound and the
// others) with errors.Is, so a store can neither word an error of its own
// nor return another code.
package microblogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storetest"
)

var ctx = context.Background()

// t0 and t1 have microseconds, which every store must keep (the service
// makes every time so).
var (
	t0 = time.Date(2026, 3, 1, 9, 30, 0, 123456000, time.UTC)
	t1 = t0.Add(1500 * time.Microsecond)
)

// RunStoreTests runs the suite; mk makes a fresh, empty harness per test,
// so the tests run in parallel.
func RunStoreTests(t *testing.T, mk storetest.Maker[microblog.Store]) {
	for _, c := range []struct {
		name string
		test func(*testing.T, storetest.Harness[microblog.Store])
	}{
		{"Profiles", testProfiles},
		{"Tweets", testTweets},
		{"Delete", testDelete},
		{"Likes", testLikes},
		{"Follows", testFollows},
		{"Ranges", testRanges},
		{"Home", testHome},
		{"Concurrent", testConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.test(t, mk(t))
		})
	}
}

// user creates an auth user with a profile named after it.
func user(t *testing.T, h storetest.Harness[microblog.Store], handle string) hanok.UserID {
	t.Helper()
	id := h.CreateUser(t, handle)
	p := &microblog.Profile{User: id, Handle: handle, Name: "Name of " + handle, Bio: "bio\nof " + handle, Created: t0}
	require.NoError(t, h.Store.CreateProfile(ctx, p), "CreateProfile %s", handle)
	return id
}

func post(t *testing.T, s microblog.Store, author hanok.UserID, content string, parent microblog.TweetID) microblog.TweetID {
	t.Helper()
	tw := &microblog.Tweet{Author: author, Content: content, InReplyTo: parent, Created: t0, Updated: t1}
	require.NoError(t, s.CreateTweet(ctx, tw), "CreateTweet %q", content)
	require.Positive(t, tw.ID, "CreateTweet's id")
	return tw.ID
}

func ids(ts []microblog.Tweet) []microblog.TweetID {
	out := make([]microblog.TweetID, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func tweets(t *testing.T, s microblog.Store, q microblog.TweetQuery) []microblog.TweetID {
	t.Helper()
	if q.Range.Limit == 0 {
		q.Range.Limit = 1000
	}
	ts, err := s.Tweets(ctx, q)
	require.NoError(t, err, "Tweets %+v", q)
	return ids(ts)
}

func wantIDs[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	require.Equal(t, want, got, what)
}

func testProfiles(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "Alice")
	p, err := s.Profile(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, microblog.Profile{User: alice, Handle: "Alice", Name: "Name of Alice", Bio: "bio\nof Alice", Created: t0}, *p)
	for _, handle := range []string{"Alice", "alice", "ALICE"} {
		p, err := s.ProfileByHandle(ctx, handle)
		require.NoError(t, err, handle)
		assert.Equal(t, alice, p.User, handle)
	}
	// A second profile for the user.
	err = s.CreateProfile(ctx, &microblog.Profile{User: alice, Handle: "other", Name: "x", Created: t0})
	require.ErrorIs(t, err, microblog.ErrProfileExists)
	bob := h.CreateUser(t, "bob")

	err = s.CreateProfile(ctx, &microblog.Profile{User: storetest.UnknownUser, Handle: "ghost", Name: "x", Created: t0})
	require.ErrorIs(t, err, auth.ErrUserNotFound)
	_, err = s.Profile(ctx, bob)
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	_, err = s.Profile(ctx, storetest.UnknownUser)
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	_, err = s.ProfileByHandle(ctx, "ghost")
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	_, err = s.ProfileByHandle(ctx, "bob") // a user without a profile
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	_, err = s.ProfileStats(ctx, storetest.UnknownUser)
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)

	st, err := s.ProfileStats(ctx, alice)
	require.NoError(t, err)
	assert.Zero(t, st, "ProfileStats of a new user")

	// The handle is the username: it follows a rename in auth.
	carol := user(t, h, "carol")
	tw := &microblog.Tweet{Author: alice, Content: "before the rename", Created: t0, Updated: t0}
	require.NoError(t, s.CreateTweet(ctx, tw))
	require.NoError(t, s.Follow(ctx, carol, alice, t0))
	h.Users.Rename(t, alice, "Alicia")
	p, err = s.ProfileByHandle(ctx, "ALICIA")
	require.NoError(t, err)
	assert.Equal(t, alice, p.User)
	assert.Equal(t, "Alicia", p.Handle)
	_, err = s.ProfileByHandle(ctx, "alice")
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	p, err = s.Profile(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "Alicia", p.Handle, "Profile after the rename")
	got, err := s.Tweet(ctx, tw.ID, 0)
	require.NoError(t, err)
	assert.Equal(t, "Alicia", got.AuthorHandle, "tweet after the rename")
	assert.Equal(t, "Name of Alice", got.AuthorName)
	fs, err := s.Follows(ctx, microblog.FollowQuery{User: carol, Range: microblog.Range{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, "Alicia", fs[0].Profile.Handle, "follows after the rename")
}

func testTweets(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	a1 := post(t, s, alice, "first 한글", 0)
	b1 := post(t, s, bob, "reply", a1)
	a2 := post(t, s, alice, "second", 0)
	require.True(t, a1 < b1 && b1 < a2, "ids do not grow: %d %d %d", a1, b1, a2)
	tw, err := s.Tweet(ctx, b1, 0)
	require.NoError(t, err)
	assert.Equal(t, microblog.Tweet{
		ID: b1, Author: bob, AuthorHandle: "bob", AuthorName: "Name of bob", Content: "reply", InReplyTo: a1, Created: t0, Updated: t1,
	}, *tw)
	_, err = s.Tweet(ctx, 1<<40, 0)
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)

	// Unknown parent, author without a profile, unknown author.
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: alice, Content: "x", InReplyTo: 1 << 40, Created: t0, Updated: t0})
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)
	noProfile := h.CreateUser(t, "carol")
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: noProfile, Content: "x", Created: t0, Updated: t0})
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: storetest.UnknownUser, Content: "x", Created: t0, Updated: t0})
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)

	wantIDs(t, "public", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public}), []microblog.TweetID{a2, b1, a1})
	wantIDs(t, "alice's", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: alice}), []microblog.TweetID{a2, a1})
	wantIDs(t, "replies to a1", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Replies, Parent: a1}), []microblog.TweetID{b1})
	wantIDs(t, "unknown author", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: storetest.UnknownUser}), nil)
	wantIDs(t, "unknown parent", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Replies, Parent: 1 << 40}), nil)
	_, err = s.Tweets(ctx, microblog.TweetQuery{Timeline: 99, Range: microblog.Range{Limit: 10}})
	require.ErrorIs(t, err, microblog.ErrUnknownTimeline)

	st, err := s.ProfileStats(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, 2, st.Tweets, "alice's tweets")
}

func testDelete(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	a1 := post(t, s, alice, "parent", 0)
	b1 := post(t, s, bob, "reply", a1)
	require.NoError(t, s.Like(ctx, bob, a1))

	refuse := errors.New("refused")
	var seen microblog.Tweet
	err := s.DeleteTweet(ctx, a1, func(tw *microblog.Tweet) error { seen = *tw; return refuse })
	require.ErrorIs(t, err, refuse, "DeleteTweet returns the check's error")
	assert.Equal(t, a1, seen.ID)
	assert.Equal(t, alice, seen.Author)
	assert.Equal(t, "parent", seen.Content)
	_, err = s.Tweet(ctx, a1, 0)
	require.NoError(t, err, "a refused delete deleted")

	ok := func(*microblog.Tweet) error { return nil }
	require.NoError(t, s.DeleteTweet(ctx, a1, ok))
	_, err = s.Tweet(ctx, a1, 0)
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)
	require.ErrorIs(t, s.DeleteTweet(ctx, a1, ok), microblog.ErrTweetNotFound)
	require.ErrorIs(t, s.DeleteTweet(ctx, 1<<40, ok), microblog.ErrTweetNotFound)
	require.ErrorIs(t, s.Like(ctx, bob, a1), microblog.ErrTweetNotFound)
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: bob, Content: "late", InReplyTo: a1, Created: t0, Updated: t0})
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)

	// The reply stays and shows its parent is gone.
	tw, err := s.Tweet(ctx, b1, 0)
	require.NoError(t, err)
	assert.Equal(t, a1, tw.InReplyTo)
	assert.True(t, tw.ParentDeleted, "reply after its parent's deletion")
	wantIDs(t, "public", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public}), []microblog.TweetID{b1})
	wantIDs(t, "replies to the deleted", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Replies, Parent: a1}), []microblog.TweetID{b1})
	wantIDs(t, "alice's", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: alice}), nil)

	// Ids are not reused.
	b2 := post(t, s, bob, "after", 0)
	assert.Greater(t, b2, b1, "id after a deletion")
}

func testLikes(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	a1 := post(t, s, alice, "like me", 0)
	for range 2 {
		require.NoError(t, s.Like(ctx, bob, a1))
	}
	require.NoError(t, s.Like(ctx, alice, a1))
	read := func(viewer hanok.UserID) *microblog.Tweet {
		t.Helper()
		tw, err := s.Tweet(ctx, a1, viewer)
		require.NoError(t, err)
		return tw
	}
	tw := read(bob)
	assert.Equal(t, 2, tw.Likes, "likes as bob")
	assert.True(t, tw.Liked, "liked as bob")
	tw = read(0)
	assert.Equal(t, 2, tw.Likes, "likes, anonymous")
	assert.False(t, tw.Liked, "liked, anonymous")
	ts, err := s.Tweets(ctx, microblog.TweetQuery{Timeline: microblog.Public, Viewer: bob, Range: microblog.Range{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, ts, 1)
	assert.Equal(t, 2, ts[0].Likes, "likes in a page")
	assert.True(t, ts[0].Liked, "liked in a page")
	for range 2 {
		require.NoError(t, s.Unlike(ctx, bob, a1))
	}
	tw = read(bob)
	assert.Equal(t, 1, tw.Likes, "likes after unlike")
	assert.False(t, tw.Liked, "liked after unlike")
	carol := h.CreateUser(t, "carol") // no profile
	require.ErrorIs(t, s.Like(ctx, bob, 1<<40), microblog.ErrTweetNotFound)
	require.ErrorIs(t, s.Unlike(ctx, bob, 1<<40), microblog.ErrTweetNotFound)
	require.ErrorIs(t, s.Like(ctx, storetest.UnknownUser, a1), microblog.ErrProfileNotFound)
	require.ErrorIs(t, s.Like(ctx, carol, a1), microblog.ErrProfileNotFound)
	require.ErrorIs(t, s.Unlike(ctx, storetest.UnknownUser, a1), microblog.ErrProfileNotFound)
}

func follows(t *testing.T, s microblog.Store, user hanok.UserID, followers bool, r microblog.Range) []hanok.UserID {
	t.Helper()
	if r.Limit == 0 {
		r.Limit = 1000
	}
	fs, err := s.Follows(ctx, microblog.FollowQuery{User: user, Followers: followers, Range: r})
	require.NoError(t, err)
	out := make([]hanok.UserID, len(fs))
	for i, f := range fs {
		out[i] = f.Profile.User
		assert.Positive(t, f.ID, "follow id")
		assert.NotEmpty(t, f.Profile.Handle, "follow's handle")
		assert.Equal(t, t1, f.Created, "follow's time")
		if i > 0 {
			require.Less(t, f.ID, fs[i-1].ID, "follows newest first")
		}
	}
	return out
}

func testFollows(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	carol := user(t, h, "carol")
	for _, f := range [][2]hanok.UserID{{alice, bob}, {alice, carol}, {alice, bob}, {carol, bob}} {
		require.NoError(t, s.Follow(ctx, f[0], f[1], t1))
	}
	wantIDs(t, "alice follows", follows(t, s, alice, false, microblog.Range{}), []hanok.UserID{carol, bob})
	wantIDs(t, "bob's followers", follows(t, s, bob, true, microblog.Range{}), []hanok.UserID{carol, alice})
	wantIDs(t, "bob follows", follows(t, s, bob, false, microblog.Range{}), nil)
	wantIDs(t, "unknown's followers", follows(t, s, storetest.UnknownUser, true, microblog.Range{}), nil)
	st, err := s.ProfileStats(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, microblog.ProfileStats{Followers: 2}, st, "bob's stats")
	// Paging by follow id.
	all, err := s.Follows(ctx, microblog.FollowQuery{User: bob, Followers: true, Range: microblog.Range{Limit: 10}})
	require.NoError(t, err)
	require.Len(t, all, 2)
	wantIDs(t, "bob's followers, older page", follows(t, s, bob, true, microblog.Range{MaxID: all[0].ID, Limit: 1}), []hanok.UserID{alice})

	for range 2 {
		require.NoError(t, s.Unfollow(ctx, alice, bob))
	}
	wantIDs(t, "alice follows after unfollow", follows(t, s, alice, false, microblog.Range{}), []hanok.UserID{carol})
	wantIDs(t, "bob's followers after unfollow", follows(t, s, bob, true, microblog.Range{}), []hanok.UserID{carol})
	st, err = s.ProfileStats(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Following, "alice's following")

	noProfile := h.CreateUser(t, "dave")
	require.ErrorIs(t, s.Follow(ctx, alice, storetest.UnknownUser, t0), microblog.ErrProfileNotFound)
	require.ErrorIs(t, s.Follow(ctx, storetest.UnknownUser, alice, t0), microblog.ErrProfileNotFound)
	require.ErrorIs(t, s.Follow(ctx, alice, noProfile, t0), microblog.ErrProfileNotFound)
	require.ErrorIs(t, s.Unfollow(ctx, alice, storetest.UnknownUser), microblog.ErrProfileNotFound)
	require.ErrorIs(t, s.Unfollow(ctx, storetest.UnknownUser, alice), microblog.ErrProfileNotFound)
}

func testRanges(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	var all []microblog.TweetID
	for i := range 10 {
		all = append(all, post(t, s, alice, fmt.Sprint("tweet ", i), 0))
	}
	rev := func(ids ...microblog.TweetID) []microblog.TweetID {
		ids = slices.Clone(ids)
		slices.Reverse(ids)
		return ids
	}
	q := func(r microblog.Range) []microblog.TweetID {
		return tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public, Range: r})
	}
	id := func(i int) int64 { return int64(all[i]) }
	wantIDs(t, "limit 3", q(microblog.Range{Limit: 3}), rev(all[7:]...))
	wantIDs(t, "max_id", q(microblog.Range{MaxID: id(7), Limit: 3}), rev(all[4:7]...))
	wantIDs(t, "since_id", q(microblog.Range{SinceID: id(2), Limit: 3}), rev(all[7:]...))
	wantIDs(t, "since_id, oldest", q(microblog.Range{SinceID: id(2), Oldest: true, Limit: 3}), rev(all[3:6]...))
	wantIDs(t, "between", q(microblog.Range{SinceID: id(2), MaxID: id(5), Limit: 10}), rev(all[3:5]...))
	wantIDs(t, "between, oldest", q(microblog.Range{SinceID: id(2), MaxID: id(5), Oldest: true, Limit: 1}), rev(all[3]))
	wantIDs(t, "nothing newer", q(microblog.Range{SinceID: id(9), Limit: 3}), nil)
	wantIDs(t, "nothing older", q(microblog.Range{MaxID: id(0), Limit: 3}), nil)
	wantIDs(t, "empty range", q(microblog.Range{SinceID: id(5), MaxID: id(6), Limit: 3}), nil)
	wantIDs(t, "author, max_id", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: alice, Range: microblog.Range{MaxID: id(3), Limit: 2}}), rev(all[1:3]...))
}

func testHome(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	carol := user(t, h, "carol")
	b1 := post(t, s, bob, "bob 1", 0)
	c1 := post(t, s, carol, "carol 1", 0)
	a1 := post(t, s, alice, "alice 1", 0)
	home := func(r microblog.Range) []microblog.TweetID {
		return tweets(t, s, microblog.TweetQuery{Timeline: microblog.Home, User: alice, Viewer: alice, Range: r})
	}
	wantIDs(t, "own only", home(microblog.Range{}), []microblog.TweetID{a1})
	require.NoError(t, s.Follow(ctx, alice, bob, t0))
	// Following brings in what the user posted before.
	wantIDs(t, "after follow", home(microblog.Range{}), []microblog.TweetID{a1, b1})
	b2 := post(t, s, bob, "bob 2", 0)
	c2 := post(t, s, carol, "carol 2", 0)
	a2 := post(t, s, alice, "alice 2", b2)
	wantIDs(t, "home", home(microblog.Range{}), []microblog.TweetID{a2, b2, a1, b1})
	wantIDs(t, "home, limit", home(microblog.Range{Limit: 2}), []microblog.TweetID{a2, b2})
	wantIDs(t, "home, max_id", home(microblog.Range{MaxID: int64(b2), Limit: 2}), []microblog.TweetID{a1, b1})
	wantIDs(t, "home, oldest", home(microblog.Range{SinceID: int64(b1), Oldest: true, Limit: 2}), []microblog.TweetID{b2, a1})
	wantIDs(t, "home, since", home(microblog.Range{SinceID: int64(a1), Limit: 10}), []microblog.TweetID{a2, b2})

	require.NoError(t, s.DeleteTweet(ctx, b2, func(*microblog.Tweet) error { return nil }))
	wantIDs(t, "after delete", home(microblog.Range{}), []microblog.TweetID{a2, a1, b1})
	require.NoError(t, s.Unfollow(ctx, alice, bob))
	wantIDs(t, "after unfollow", home(microblog.Range{}), []microblog.TweetID{a2, a1})
	require.NoError(t, s.Follow(ctx, alice, carol, t0))
	wantIDs(t, "following carol", home(microblog.Range{}), []microblog.TweetID{a2, c2, a1, c1})
	wantIDs(t, "bob's home", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Home, User: bob}), []microblog.TweetID{b1})
	wantIDs(t, "unknown's home", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Home, User: storetest.UnknownUser}), nil)
}

// testConcurrent posts, likes and follows from several goroutines: ids
// stay unique and every write lands.
func testConcurrent(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	const writers, each = 4, 10
	users := make([]hanok.UserID, writers)
	for i := range users {
		users[i] = user(t, h, fmt.Sprint("user", i))
	}
	target := post(t, s, users[0], "popular", 0)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*3)
	for i, u := range users {
		wg.Go(func() {
			for j := range each {
				tw := &microblog.Tweet{Author: u, Content: fmt.Sprint(i, "/", j), Created: t0, Updated: t0}
				errs <- s.CreateTweet(ctx, tw)
				errs <- s.Like(ctx, u, target)
				errs <- s.Follow(ctx, u, users[(i+1)%writers], t0)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	got := tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public})
	require.Len(t, got, writers*each+1)
	for i := 1; i < len(got); i++ {
		require.Less(t, got[i], got[i-1], "ids unique and descending")
	}
	tw, err := s.Tweet(ctx, target, 0)
	require.NoError(t, err)
	assert.Equal(t, writers, tw.Likes, "likes")
}
