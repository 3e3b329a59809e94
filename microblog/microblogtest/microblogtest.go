// Package microblogtest is the conformance suite of microblog.Store: every
// store (storage/memory, storage/sqlite) runs RunStoreTests from its own
// test file, so that all of them behave alike. It asserts hanok error
// codes only.
package microblogtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storetest"
)

var ctx = context.Background()

// t0 has nanoseconds, which every store must keep.
var t0 = time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)

// RunStoreTests runs the suite; mk makes a fresh, empty harness per test.
func RunStoreTests(t *testing.T, mk storetest.Maker[microblog.Store]) {
	t.Run("Profiles", func(t *testing.T) { testProfiles(t, mk(t)) })
	t.Run("Tweets", func(t *testing.T) { testTweets(t, mk(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, mk(t)) })
	t.Run("Likes", func(t *testing.T) { testLikes(t, mk(t)) })
	t.Run("Follows", func(t *testing.T) { testFollows(t, mk(t)) })
	t.Run("Ranges", func(t *testing.T) { testRanges(t, mk(t)) })
	t.Run("Home", func(t *testing.T) { testHome(t, mk(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, mk(t)) })
}

// user creates an auth user with a profile named after it.
func user(t *testing.T, h storetest.Harness[microblog.Store], handle string) hanok.UserID {
	t.Helper()
	id := h.CreateUser(t, handle)
	p := &microblog.Profile{User: id, Handle: handle, Name: "Name of " + handle, Bio: "bio\nof " + handle, Created: t0}
	if err := h.Store.CreateProfile(ctx, p); err != nil {
		t.Fatalf("CreateProfile %s: %v", handle, err)
	}
	return id
}

func post(t *testing.T, s microblog.Store, author hanok.UserID, content string, parent microblog.TweetID) microblog.TweetID {
	t.Helper()
	tw := &microblog.Tweet{Author: author, Content: content, InReplyTo: parent, Created: t0, Updated: t0}
	if err := s.CreateTweet(ctx, tw); err != nil {
		t.Fatalf("CreateTweet %q: %v", content, err)
	}
	if tw.ID <= 0 {
		t.Fatalf("CreateTweet set id %d", tw.ID)
	}
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
	if err != nil {
		t.Fatalf("Tweets %+v: %v", q, err)
	}
	return ids(ts)
}

func wantIDs[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

func testProfiles(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "Alice")
	p, err := s.Profile(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	want := microblog.Profile{User: alice, Handle: "Alice", Name: "Name of Alice", Bio: "bio\nof Alice", Created: t0}
	if !p.Created.Equal(t0) || p.User != want.User || p.Handle != want.Handle || p.Name != want.Name || p.Bio != want.Bio {
		t.Fatalf("Profile = %+v, want %+v", *p, want)
	}
	for _, handle := range []string{"Alice", "alice", "ALICE"} {
		p, err := s.ProfileByHandle(ctx, handle)
		if err != nil || p.User != alice {
			t.Fatalf("ProfileByHandle(%q) = %v, %v", handle, p, err)
		}
	}
	// A second profile for the user.
	err = s.CreateProfile(ctx, &microblog.Profile{User: alice, Handle: "other", Name: "x", Created: t0})
	storetest.WantCode(t, err, hanok.Conflict)
	bob := h.CreateUser(t, "bob")

	err = s.CreateProfile(ctx, &microblog.Profile{User: storetest.UnknownUser, Handle: "ghost", Name: "x", Created: t0})
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.Profile(ctx, bob)
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.Profile(ctx, storetest.UnknownUser)
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.ProfileByHandle(ctx, "ghost")
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.ProfileStats(ctx, storetest.UnknownUser)
	storetest.WantCode(t, err, hanok.NotFound)

	st, err := s.ProfileStats(ctx, alice)
	if err != nil || st != (microblog.ProfileStats{}) {
		t.Fatalf("ProfileStats of a new user = %+v, %v", st, err)
	}

	// The handle is the username: it follows a rename in auth.
	carol := user(t, h, "carol")
	tw := &microblog.Tweet{Author: alice, Content: "before the rename", Created: t0, Updated: t0}
	if err := s.CreateTweet(ctx, tw); err != nil {
		t.Fatal(err)
	}
	if err := s.Follow(ctx, carol, alice, t0); err != nil {
		t.Fatal(err)
	}
	h.Users.Rename(t, alice, "Alicia")
	if p, err := s.ProfileByHandle(ctx, "ALICIA"); err != nil || p.User != alice || p.Handle != "Alicia" {
		t.Fatalf("ProfileByHandle after the rename = %v, %v", p, err)
	}
	_, err = s.ProfileByHandle(ctx, "alice")
	storetest.WantCode(t, err, hanok.NotFound)
	if p, err := s.Profile(ctx, alice); err != nil || p.Handle != "Alicia" {
		t.Fatalf("Profile after the rename = %v, %v", p, err)
	}
	if got, err := s.Tweet(ctx, tw.ID, 0); err != nil || got.AuthorHandle != "Alicia" || got.AuthorName != "Name of Alice" {
		t.Fatalf("tweet after the rename = %v, %v", got, err)
	}
	fs, err := s.Follows(ctx, microblog.FollowQuery{User: carol, Range: microblog.Range{Limit: 10}})
	if err != nil || len(fs) != 1 || fs[0].Profile.Handle != "Alicia" {
		t.Fatalf("follows after the rename = %+v, %v", fs, err)
	}
}

func testTweets(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	a1 := post(t, s, alice, "first 한글", 0)
	b1 := post(t, s, bob, "reply", a1)
	a2 := post(t, s, alice, "second", 0)
	if !(a1 < b1 && b1 < a2) {
		t.Fatalf("ids do not grow: %d %d %d", a1, b1, a2)
	}
	tw, err := s.Tweet(ctx, b1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tw.Author != bob || tw.AuthorHandle != "bob" || tw.AuthorName != "Name of bob" || tw.Content != "reply" ||
		tw.InReplyTo != a1 || tw.ParentDeleted || !tw.Created.Equal(t0) || !tw.Updated.Equal(t0) || tw.Likes != 0 || tw.Liked {
		t.Fatalf("Tweet = %+v", *tw)
	}
	_, err = s.Tweet(ctx, 1<<40, 0)
	storetest.WantCode(t, err, hanok.NotFound)

	// Unknown parent, author without a profile, unknown author.
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: alice, Content: "x", InReplyTo: 1 << 40, Created: t0, Updated: t0})
	storetest.WantCode(t, err, hanok.NotFound)
	noProfile := h.CreateUser(t, "carol")
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: noProfile, Content: "x", Created: t0, Updated: t0})
	storetest.WantCode(t, err, hanok.NotFound)
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: storetest.UnknownUser, Content: "x", Created: t0, Updated: t0})
	storetest.WantCode(t, err, hanok.NotFound)

	wantIDs(t, "public", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public}), []microblog.TweetID{a2, b1, a1})
	wantIDs(t, "alice's", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: alice}), []microblog.TweetID{a2, a1})
	wantIDs(t, "replies to a1", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Replies, Parent: a1}), []microblog.TweetID{b1})
	wantIDs(t, "unknown author", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: storetest.UnknownUser}), nil)
	wantIDs(t, "unknown parent", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Replies, Parent: 1 << 40}), nil)

	st, err := s.ProfileStats(ctx, alice)
	if err != nil || st.Tweets != 2 {
		t.Fatalf("ProfileStats(alice) = %+v, %v", st, err)
	}
}

func testDelete(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	a1 := post(t, s, alice, "parent", 0)
	b1 := post(t, s, bob, "reply", a1)
	if err := s.Like(ctx, bob, a1); err != nil {
		t.Fatal(err)
	}

	refuse := errors.New("refused")
	var seen microblog.Tweet
	err := s.DeleteTweet(ctx, a1, func(tw *microblog.Tweet) error { seen = *tw; return refuse })
	if !errors.Is(err, refuse) {
		t.Fatalf("DeleteTweet returned %v, want the check's error", err)
	}
	if seen.ID != a1 || seen.Author != alice || seen.Content != "parent" {
		t.Fatalf("check saw %+v", seen)
	}
	if _, err := s.Tweet(ctx, a1, 0); err != nil {
		t.Fatalf("a refused delete deleted: %v", err)
	}

	ok := func(*microblog.Tweet) error { return nil }
	if err := s.DeleteTweet(ctx, a1, ok); err != nil {
		t.Fatal(err)
	}
	_, err = s.Tweet(ctx, a1, 0)
	storetest.WantCode(t, err, hanok.NotFound)
	storetest.WantCode(t, s.DeleteTweet(ctx, a1, ok), hanok.NotFound)
	storetest.WantCode(t, s.DeleteTweet(ctx, 1<<40, ok), hanok.NotFound)
	storetest.WantCode(t, s.Like(ctx, bob, a1), hanok.NotFound)
	err = s.CreateTweet(ctx, &microblog.Tweet{Author: bob, Content: "late", InReplyTo: a1, Created: t0, Updated: t0})
	storetest.WantCode(t, err, hanok.NotFound)

	// The reply stays and shows its parent is gone.
	tw, err := s.Tweet(ctx, b1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tw.InReplyTo != a1 || !tw.ParentDeleted {
		t.Fatalf("reply after its parent's deletion = %+v", *tw)
	}
	wantIDs(t, "public", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public}), []microblog.TweetID{b1})
	wantIDs(t, "replies to the deleted", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Replies, Parent: a1}), []microblog.TweetID{b1})
	wantIDs(t, "alice's", tweets(t, s, microblog.TweetQuery{Timeline: microblog.Author, User: alice}), nil)

	// Ids are not reused.
	if b2 := post(t, s, bob, "after", 0); b2 <= b1 || b2 == a1 {
		t.Fatalf("id after a deletion = %d (a1 %d, b1 %d)", b2, a1, b1)
	}
}

func testLikes(t *testing.T, h storetest.Harness[microblog.Store]) {
	s := h.Store
	alice := user(t, h, "alice")
	bob := user(t, h, "bob")
	a1 := post(t, s, alice, "like me", 0)
	for range 2 {
		if err := s.Like(ctx, bob, a1); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Like(ctx, alice, a1); err != nil {
		t.Fatal(err)
	}
	read := func(viewer hanok.UserID) *microblog.Tweet {
		t.Helper()
		tw, err := s.Tweet(ctx, a1, viewer)
		if err != nil {
			t.Fatal(err)
		}
		return tw
	}
	if tw := read(bob); tw.Likes != 2 || !tw.Liked {
		t.Fatalf("as bob: %d likes, liked %v", tw.Likes, tw.Liked)
	}
	if tw := read(0); tw.Likes != 2 || tw.Liked {
		t.Fatalf("anonymous: %d likes, liked %v", tw.Likes, tw.Liked)
	}
	ts, err := s.Tweets(ctx, microblog.TweetQuery{Timeline: microblog.Public, Viewer: bob, Range: microblog.Range{Limit: 10}})
	if err != nil || len(ts) != 1 || ts[0].Likes != 2 || !ts[0].Liked {
		t.Fatalf("Tweets as bob = %+v, %v", ts, err)
	}
	for range 2 {
		if err := s.Unlike(ctx, bob, a1); err != nil {
			t.Fatal(err)
		}
	}
	if tw := read(bob); tw.Likes != 1 || tw.Liked {
		t.Fatalf("after unlike: %d likes, liked %v", tw.Likes, tw.Liked)
	}
	carol := h.CreateUser(t, "carol") // no profile
	storetest.WantCode(t, s.Like(ctx, bob, 1<<40), hanok.NotFound)
	storetest.WantCode(t, s.Unlike(ctx, bob, 1<<40), hanok.NotFound)
	storetest.WantCode(t, s.Like(ctx, storetest.UnknownUser, a1), hanok.NotFound)
	storetest.WantCode(t, s.Like(ctx, carol, a1), hanok.NotFound)
	storetest.WantCode(t, s.Unlike(ctx, storetest.UnknownUser, a1), hanok.NotFound)
}

func follows(t *testing.T, s microblog.Store, user hanok.UserID, followers bool, r microblog.Range) []hanok.UserID {
	t.Helper()
	if r.Limit == 0 {
		r.Limit = 1000
	}
	fs, err := s.Follows(ctx, microblog.FollowQuery{User: user, Followers: followers, Range: r})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]hanok.UserID, len(fs))
	for i, f := range fs {
		out[i] = f.Profile.User
		if f.ID <= 0 || f.Profile.Handle == "" || !f.Created.Equal(t0) {
			t.Fatalf("follow entry %+v", f)
		}
		if i > 0 && f.ID >= fs[i-1].ID {
			t.Fatalf("follows not newest first: %+v", fs)
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
		if err := s.Follow(ctx, f[0], f[1], t0); err != nil {
			t.Fatal(err)
		}
	}
	wantIDs(t, "alice follows", follows(t, s, alice, false, microblog.Range{}), []hanok.UserID{carol, bob})
	wantIDs(t, "bob's followers", follows(t, s, bob, true, microblog.Range{}), []hanok.UserID{carol, alice})
	wantIDs(t, "bob follows", follows(t, s, bob, false, microblog.Range{}), nil)
	wantIDs(t, "unknown's followers", follows(t, s, storetest.UnknownUser, true, microblog.Range{}), nil)
	st, err := s.ProfileStats(ctx, bob)
	if err != nil || st.Followers != 2 || st.Following != 0 {
		t.Fatalf("bob's stats = %+v, %v", st, err)
	}
	// Paging by follow id.
	all, err := s.Follows(ctx, microblog.FollowQuery{User: bob, Followers: true, Range: microblog.Range{Limit: 10}})
	if err != nil || len(all) != 2 {
		t.Fatal(all, err)
	}
	wantIDs(t, "bob's followers, older page", follows(t, s, bob, true, microblog.Range{MaxID: all[0].ID, Limit: 1}), []hanok.UserID{alice})

	for range 2 {
		if err := s.Unfollow(ctx, alice, bob); err != nil {
			t.Fatal(err)
		}
	}
	wantIDs(t, "alice follows after unfollow", follows(t, s, alice, false, microblog.Range{}), []hanok.UserID{carol})
	wantIDs(t, "bob's followers after unfollow", follows(t, s, bob, true, microblog.Range{}), []hanok.UserID{carol})
	st, err = s.ProfileStats(ctx, alice)
	if err != nil || st.Following != 1 {
		t.Fatalf("alice's stats = %+v, %v", st, err)
	}

	noProfile := h.CreateUser(t, "dave")
	storetest.WantCode(t, s.Follow(ctx, alice, storetest.UnknownUser, t0), hanok.NotFound)
	storetest.WantCode(t, s.Follow(ctx, storetest.UnknownUser, alice, t0), hanok.NotFound)
	storetest.WantCode(t, s.Follow(ctx, alice, noProfile, t0), hanok.NotFound)
	storetest.WantCode(t, s.Unfollow(ctx, alice, storetest.UnknownUser), hanok.NotFound)
	storetest.WantCode(t, s.Unfollow(ctx, storetest.UnknownUser, alice), hanok.NotFound)
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
	if err := s.Follow(ctx, alice, bob, t0); err != nil {
		t.Fatal(err)
	}
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

	if err := s.DeleteTweet(ctx, b2, func(*microblog.Tweet) error { return nil }); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "after delete", home(microblog.Range{}), []microblog.TweetID{a2, a1, b1})
	if err := s.Unfollow(ctx, alice, bob); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, "after unfollow", home(microblog.Range{}), []microblog.TweetID{a2, a1})
	if err := s.Follow(ctx, alice, carol, t0); err != nil {
		t.Fatal(err)
	}
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range each {
				tw := &microblog.Tweet{Author: u, Content: fmt.Sprint(i, "/", j), Created: t0, Updated: t0}
				errs <- s.CreateTweet(ctx, tw)
				errs <- s.Like(ctx, u, target)
				errs <- s.Follow(ctx, u, users[(i+1)%writers], t0)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := tweets(t, s, microblog.TweetQuery{Timeline: microblog.Public})
	if len(got) != writers*each+1 {
		t.Fatalf("%d tweets, want %d", len(got), writers*each+1)
	}
	for i := 1; i < len(got); i++ {
		if got[i] >= got[i-1] {
			t.Fatalf("ids not unique and descending: %v", got)
		}
	}
	tw, err := s.Tweet(ctx, target, 0)
	if err != nil || tw.Likes != writers {
		t.Fatalf("likes = %v, %v", tw, err)
	}
}
