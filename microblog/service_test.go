package microblog_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

var ctx = context.Background()

type fixture struct {
	mb    *microblog.Service
	authn *auth.Service
	clock *testkit.Clock
}

// start is the fixture clock's first time: sub-second, below the
// microsecond too (the service keeps microseconds).
var start = time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC)

func newFixture(t *testing.T) fixture {
	t.Helper()
	db := memory.New()
	clock := testkit.NewClock(start)
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost, Now: clock.Now, LoginAttempts: 3})
	require.NoError(t, err)
	return fixture{mb: microblog.New(db.Microblog(), authn, microblog.Config{Now: clock.Now}), authn: authn, clock: clock}
}

func (f fixture) signup(t *testing.T, handle string) hanok.Actor {
	t.Helper()
	p, err := f.mb.Signup(ctx, microblog.SignupInput{Handle: handle, Name: "Name " + handle, Password: "password " + handle, Bio: "hi"})
	require.NoError(t, err)
	return hanok.Actor{ID: p.User, Username: p.Handle}
}

func (f fixture) post(t *testing.T, a hanok.Actor, text string, parent microblog.TweetID) microblog.TweetID {
	t.Helper()
	tw, err := f.mb.Post(ctx, a, microblog.PostInput{Content: text, InReplyTo: parent})
	require.NoError(t, err)
	return tw.ID
}

func wantField(t *testing.T, err error, code hanok.Code, field string) {
	t.Helper()
	storetest.WantCode(t, err, code)
	require.Contains(t, hanok.FieldsOf(err), field, "error %v does not name %s", err, field)
}

func TestSignup(t *testing.T) {
	f := newFixture(t)
	p, err := f.mb.Signup(ctx, microblog.SignupInput{Handle: " mirim ", Name: "미림", Password: "password1", Bio: "line one\nline two"})
	require.NoError(t, err)
	assert.Equal(t, "mirim", p.Handle)
	assert.Equal(t, "미림", p.Name)
	assert.Equal(t, "line one\nline two", p.Bio)
	assert.Equal(t, start.Truncate(time.Microsecond), p.Created, "created, to the microsecond")
	_, err = f.mb.Signup(ctx, microblog.SignupInput{Handle: "MIRIM", Name: "x", Password: "password1"})
	require.ErrorIs(t, err, microblog.ErrHandleTaken)
	for _, c := range []struct {
		in    microblog.SignupInput
		field string
	}{
		{microblog.SignupInput{Name: "x", Password: "password1"}, "username"},
		{microblog.SignupInput{Handle: "a", Password: "password1"}, "name"},
		{microblog.SignupInput{Handle: "a", Name: "x"}, "password"},
		{microblog.SignupInput{Handle: "a", Name: "x", Password: "short"}, "password"},
		{microblog.SignupInput{Handle: "a\u202e", Name: "x", Password: "password1"}, "username"},
		{microblog.SignupInput{Handle: "a", Name: "x\x00", Password: "password1"}, "name"},
		{microblog.SignupInput{Handle: "a", Name: strings.Repeat("x", 51), Password: "password1"}, "name"},
		{microblog.SignupInput{Handle: "a", Name: "x", Password: "password1", Bio: strings.Repeat("x", 161)}, "bio"},
	} {
		_, err := f.mb.Signup(ctx, c.in)
		wantField(t, err, hanok.Invalid, c.field)
	}
	_, err = f.authn.Login(ctx, auth.LoginInput{Username: "a", Password: "password1"})
	require.Error(t, err, "a refused signup registered a user")
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	f.signup(t, "mirim")
	sess, err := f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "password mirim"})
	require.NoError(t, err)
	assert.NotEmpty(t, sess.Token)
	assert.Equal(t, "mirim", sess.User.Username)
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "nobody", Password: "password mirim"})
	require.ErrorIs(t, err, microblog.ErrNoSuchUser)
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "wrong password"})
	require.ErrorIs(t, err, microblog.ErrWrongPassword)
	wantField(t, mustErr(f.mb.Login(ctx, microblog.LoginInput{Password: "x"})), hanok.Invalid, "username")
	wantField(t, mustErr(f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim"})), hanok.Invalid, "password")
	// auth's throttle (3 attempts here) holds even for the right password.
	for range 3 {
		_, _ = f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "wrong password"})
	}
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "mirim", Password: "password mirim"})
	storetest.WantCode(t, err, hanok.RateLimited)
}

func mustErr[T any](_ T, err error) error { return err }

func TestAuthUserWithoutProfile(t *testing.T) {
	f := newFixture(t)
	sess, err := f.authn.Register(ctx, auth.RegisterInput{Username: "plain", Password: "password1"})
	require.NoError(t, err)
	p, err := f.mb.Me(ctx, sess.User.Actor())
	require.NoError(t, err)
	assert.Equal(t, "plain", p.Handle)
	assert.Equal(t, "plain", p.Name)
	_, err = f.mb.Login(ctx, microblog.LoginInput{Handle: "plain", Password: "password1"})
	require.NoError(t, err)
}

func TestPostRules(t *testing.T) {
	f := newFixture(t)
	a := f.signup(t, "alice")
	for _, text := range []string{"", "   ", strings.Repeat("가", 301)} {
		_, err := f.mb.Post(ctx, a, microblog.PostInput{Content: text})
		wantField(t, err, hanok.Invalid, "content")
		assert.Contains(t, hanok.MessageOf(err), "300", "the message says the limit")
	}
	_, err := f.mb.Post(ctx, a, microblog.PostInput{Content: "bad \u202e text"})
	wantField(t, err, hanok.Invalid, "content")
	tw, err := f.mb.Post(ctx, a, microblog.PostInput{Content: " " + strings.Repeat("가", 300) + "\n"})
	require.NoError(t, err, "300 characters")
	assert.Equal(t, strings.Repeat("가", 300), tw.Content)
	assert.Equal(t, "Name alice", tw.AuthorName)
	assert.Equal(t, start.Truncate(time.Microsecond), tw.Created, "created, to the microsecond")
	_, err = f.mb.Post(ctx, hanok.Actor{}, microblog.PostInput{Content: "x"})
	storetest.WantCode(t, err, hanok.Unauthenticated)
	_, err = f.mb.Post(ctx, a, microblog.PostInput{Content: "x", InReplyTo: 999})
	wantCodeMsg(t, err, hanok.NotFound, "in_reply_to")
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)
}

// A tweet holds 1 to 300 characters as a reader counts them: grapheme
// clusters, not code points.
func TestContentCountsGraphemes(t *testing.T) {
	for _, c := range []struct {
		name string
		unit string // one grapheme cluster
	}{
		{"precomposed Hangul", "가"},
		{"Hangul jamo", "\u1100\u1161"},                            // ᄀ + ᅡ: one syllable, two code points
		{"e and a combining acute", "e\u0301"},                     // two code points
		{"a flag", "\U0001F1F0\U0001F1F7"},                         // 🇰🇷: two regional indicators
		{"a skin tone", "\U0001F44B\U0001F3FD"},                    // 👋🏽
		{"a keycap", "1\ufe0f\u20e3"},                              // 1️⃣, with a variation selector
		{"a family", "\U0001F468\u200d\U0001F469\u200d\U0001F467"}, // 👨‍👩‍👧, joined by ZWJ
	} {
		t.Run(c.name, func(t *testing.T) {
			full := strings.Repeat(c.unit, microblog.MaxContentLen)
			got, err := microblog.CheckContent(full)
			require.NoError(t, err, "300 of them are one full tweet")
			assert.Equal(t, full, got)
			_, err = microblog.CheckContent(full + c.unit)
			wantField(t, err, hanok.Invalid, "content")
			assert.Contains(t, hanok.MessageOf(err), "300", "301 are refused, saying the limit")
		})
	}
}

func wantCodeMsg(t *testing.T, err error, code hanok.Code, part string) {
	t.Helper()
	storetest.WantCode(t, err, code)
	assert.Contains(t, hanok.MessageOf(err), part)
}

func TestDeleteRules(t *testing.T) {
	f := newFixture(t)
	a, b := f.signup(t, "alice"), f.signup(t, "bob")
	a1 := f.post(t, a, "mine", 0)
	reply := f.post(t, b, "answer", a1)
	storetest.WantCode(t, f.mb.Delete(ctx, b, a1), hanok.Forbidden)
	storetest.WantCode(t, f.mb.Delete(ctx, hanok.Actor{}, a1), hanok.Unauthenticated)
	require.NoError(t, f.mb.Delete(ctx, a, a1))
	err := f.mb.Delete(ctx, a, a1)
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)
	assert.Equal(t, fmt.Sprintf("tweet %d does not exist", a1), hanok.MessageOf(err))
	_, err = f.mb.Post(ctx, b, microblog.PostInput{Content: "late", InReplyTo: a1})
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)
	tw, err := f.mb.Tweet(ctx, 0, reply)
	require.NoError(t, err)
	assert.True(t, tw.ParentDeleted, "reply after delete")
	_, _, err = f.mb.Thread(ctx, 0, a1, microblog.Cursor{})
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)
}

func TestLikesAndFollows(t *testing.T) {
	f := newFixture(t)
	a, b := f.signup(t, "alice"), f.signup(t, "bob")
	a1 := f.post(t, a, "like me", 0)
	for range 2 {
		tw, err := f.mb.Like(ctx, b, a1)
		require.NoError(t, err)
		assert.Equal(t, 1, tw.Likes)
		assert.True(t, tw.Liked)
	}
	tw, err := f.mb.Unlike(ctx, b, a1)
	require.NoError(t, err)
	assert.Equal(t, 0, tw.Likes)
	assert.False(t, tw.Liked)
	_, err = f.mb.Like(ctx, b, 999)
	require.ErrorIs(t, err, microblog.ErrTweetNotFound)

	wantField(t, f.mb.Follow(ctx, a, "ALICE"), hanok.Invalid, "username")
	err = f.mb.Follow(ctx, a, "nobody")
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
	assert.Equal(t, `no user "nobody"`, hanok.MessageOf(err))
	storetest.WantCode(t, f.mb.Follow(ctx, hanok.Actor{}, "bob"), hanok.Unauthenticated)
	for range 2 {
		require.NoError(t, f.mb.Follow(ctx, a, "bob"))
	}
	p, st, err := f.mb.User(ctx, "Bob")
	require.NoError(t, err)
	assert.Equal(t, "bob", p.Handle)
	assert.Equal(t, microblog.ProfileStats{Followers: 1}, st)
	page, err := f.mb.Following(ctx, "alice", microblog.Cursor{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, "bob", page.Items[0].Profile.Handle)
	assert.Nil(t, page.Next)
	assert.NotNil(t, page.Prev)
	require.NoError(t, f.mb.Unfollow(ctx, a, "bob"))
	page, err = f.mb.Followers(ctx, "bob", microblog.Cursor{})
	require.NoError(t, err)
	assert.NotNil(t, page.Items, "an empty page is an empty list")
	assert.Empty(t, page.Items, "followers after unfollow")
	_, err = f.mb.Followers(ctx, "nobody", microblog.Cursor{})
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
}

func TestPages(t *testing.T) {
	f := newFixture(t)
	a := f.signup(t, "alice")
	var ids []microblog.TweetID
	for range 5 {
		ids = append(ids, f.post(t, a, "x", 0))
	}
	for _, c := range []struct {
		cur   microblog.Cursor
		field string
	}{
		{microblog.Cursor{MaxID: -1}, "max_id"},
		{microblog.Cursor{SinceID: -1}, "since_id"},
		{microblog.Cursor{MinID: -1}, "min_id"},
		{microblog.Cursor{Limit: -1}, "limit"},
	} {
		_, err := f.mb.PublicTimeline(ctx, 0, c.cur)
		wantField(t, err, hanok.Invalid, c.field)
	}
	p, err := f.mb.PublicTimeline(ctx, 0, microblog.Cursor{Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []microblog.TweetID{ids[4], ids[3]}, tweetIDs(p.Items), "first page")
	assert.Equal(t, &microblog.Cursor{MaxID: int64(ids[3]), Limit: 2}, p.Next)
	assert.Equal(t, &microblog.Cursor{MinID: int64(ids[4]), Limit: 2}, p.Prev)
	p, err = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{MaxID: int64(ids[1]), Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []microblog.TweetID{ids[0]}, tweetIDs(p.Items), "last page")
	assert.Nil(t, p.Next)
	// min_id: the page just above, newest first, with a Prev to go on.
	p, err = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{MinID: int64(ids[0]), Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []microblog.TweetID{ids[2], ids[1]}, tweetIDs(p.Items), "min_id page")
	assert.Equal(t, &microblog.Cursor{MinID: int64(ids[2]), Limit: 2}, p.Prev)
	p, err = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{MinID: int64(ids[4])})
	require.NoError(t, err)
	assert.Empty(t, p.Items, "nothing newer")
	assert.Nil(t, p.Next)
	assert.Nil(t, p.Prev)
	p, err = f.mb.PublicTimeline(ctx, 0, microblog.Cursor{Limit: 1000})
	require.NoError(t, err)
	assert.Len(t, p.Items, 5, "limit over the max")
	_, err = f.mb.HomeTimeline(ctx, hanok.Actor{}, microblog.Cursor{})
	storetest.WantCode(t, err, hanok.Unauthenticated)
	_, err = f.mb.UserTweets(ctx, 0, "nobody", microblog.Cursor{})
	require.ErrorIs(t, err, microblog.ErrProfileNotFound)
}

func tweetIDs(ts []microblog.Tweet) []microblog.TweetID {
	out := make([]microblog.TweetID, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// Concurrent first requests of an auth user without a profile all get the
// one profile made by whichever came first.
func TestEnsureProfileConcurrently(t *testing.T) {
	f := newFixture(t)
	sess, err := f.authn.Register(ctx, auth.RegisterInput{Username: "plain", Password: "password1"})
	require.NoError(t, err)
	actor := sess.User.Actor()
	errs := make(chan error, 8)
	for range cap(errs) {
		go func() {
			_, err := f.mb.Post(ctx, actor, microblog.PostInput{Content: "first"})
			errs <- err
		}()
	}
	for range cap(errs) {
		require.NoError(t, <-errs)
	}
	_, st, err := f.mb.User(ctx, "plain")
	require.NoError(t, err)
	assert.Equal(t, cap(errs), st.Tweets)
}
