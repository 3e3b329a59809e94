package microblog_test

import (
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

// plainStore hides the Relations of a store, so that the Service falls
// back on the Store's lists.
type plainStore struct{ microblog.Store }

// fixtures are a Service over a store with Relations and one without.
func mastodonFixtures(t *testing.T) map[string]fixture {
	t.Helper()
	out := map[string]fixture{"relations": newFixture(t)}
	db := memory.New()
	clock := testkit.NewClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost, Now: clock.Now})
	require.NoError(t, err)
	out["fallback"] = fixture{mb: microblog.New(plainStore{db.Microblog()}, authn, microblog.Config{Now: clock.Now}), authn: authn, clock: clock}
	return out
}

func TestProfileByID(t *testing.T) {
	f := newFixture(t)
	a := f.signup(t, "ann")
	f.post(t, a, "one", 0)
	p, st, err := f.mb.ProfileByID(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, "ann", p.Handle)
	assert.Equal(t, microblog.ProfileStats{Tweets: 1}, st)
	_, _, err = f.mb.ProfileByID(ctx, 999)
	storetest.WantCode(t, err, hanok.NotFound)

	// An auth user without a profile is none until it uses the microblog.
	s, err := f.authn.Register(ctx, auth.RegisterInput{Username: "plain", Password: "password plain"})
	require.NoError(t, err)
	_, _, err = f.mb.ProfileByID(ctx, s.User.ID)
	storetest.WantCode(t, err, hanok.NotFound)
	p, st, err = f.mb.MeWithStats(ctx, s.User.Actor())
	require.NoError(t, err)
	assert.Equal(t, "plain", p.Handle)
	assert.Equal(t, microblog.ProfileStats{}, st)
	_, _, err = f.mb.MeWithStats(ctx, hanok.Actor{})
	storetest.WantCode(t, err, hanok.Unauthenticated)
}

func TestRelationsWithAndWithoutTheStores(t *testing.T) {
	for name, f := range mastodonFixtures(t) {
		t.Run(name, func(t *testing.T) {
			a, b := f.signup(t, "ann"), f.signup(t, "ben")
			// More follows than one page of the fallback's walk.
			for i := range microblog.MaxLimit + 5 {
				c := f.signup(t, "u"+string(rune('a'+i/26))+string(rune('a'+i%26)))
				require.NoError(t, f.mb.Follow(ctx, a, c.Username))
			}
			require.NoError(t, f.mb.Follow(ctx, a, "ben"))
			ok, err := f.mb.IsFollowing(ctx, a.ID, b.ID)
			require.NoError(t, err)
			assert.True(t, ok)
			ok, err = f.mb.IsFollowing(ctx, b.ID, a.ID)
			require.NoError(t, err)
			assert.False(t, ok)
			uaa, _, err := f.mb.User(ctx, "uaa")
			require.NoError(t, err)
			ok, err = f.mb.IsFollowing(ctx, a.ID, uaa.User)
			require.NoError(t, err)
			assert.True(t, ok, "the oldest follow, past the first page")

			root := f.post(t, a, "root", 0)
			for range microblog.MaxLimit + 2 {
				f.post(t, b, "reply", root)
			}
			lone := f.post(t, a, "lone", 0)
			counts, err := f.mb.ReplyCounts(ctx, []microblog.TweetID{root, lone})
			require.NoError(t, err)
			assert.Equal(t, microblog.MaxLimit+2, counts[root])
			assert.Equal(t, 0, counts[lone])
		})
	}
}

func TestContext(t *testing.T) {
	f := newFixture(t)
	a := f.signup(t, "ann")
	root := f.post(t, a, "root", 0)
	r1 := f.post(t, a, "r1", root)
	r2 := f.post(t, a, "r2", root)
	r11 := f.post(t, a, "r1.1", r1)
	r111 := f.post(t, a, "r1.1.1", r11)

	ids := func(ts []microblog.Tweet) []microblog.TweetID {
		out := []microblog.TweetID{}
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	anc, desc, err := f.mb.Context(ctx, a.ID, root)
	require.NoError(t, err)
	assert.Empty(t, anc)
	assert.Equal(t, []microblog.TweetID{r1, r11, r111, r2}, ids(desc), "threaded, each level oldest first")

	anc, desc, err = f.mb.Context(ctx, 0, r111)
	require.NoError(t, err)
	assert.Equal(t, []microblog.TweetID{root, r1, r11}, ids(anc), "oldest first")
	assert.Empty(t, desc)

	// A deleted ancestor ends the walk up.
	require.NoError(t, f.mb.Delete(ctx, a, r1))
	anc, _, err = f.mb.Context(ctx, 0, r111)
	require.NoError(t, err)
	assert.Equal(t, []microblog.TweetID{r11}, ids(anc))
	_, _, err = f.mb.Context(ctx, 0, r1)
	storetest.WantCode(t, err, hanok.NotFound)

	// More replies than a page, in order; at most MaxContext.
	big := f.post(t, a, "big", 0)
	var want []microblog.TweetID
	for range microblog.MaxContext + 5 {
		want = append(want, f.post(t, a, "reply", big))
	}
	_, desc, err = f.mb.Context(ctx, 0, big)
	require.NoError(t, err)
	assert.Equal(t, want[:microblog.MaxContext], ids(desc))
}
