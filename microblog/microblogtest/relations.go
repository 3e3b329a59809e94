package microblogtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storetest"
)

// RunRelationsTests is the conformance suite of microblog.Relations, for
// the stores that implement it: mk makes a fresh, empty harness per test
// whose Store must be a Relations.
func RunRelationsTests(t *testing.T, mk storetest.Maker[microblog.Store]) {
	relations := func(t *testing.T, h storetest.Harness[microblog.Store]) microblog.Relations {
		t.Helper()
		r, ok := h.Store.(microblog.Relations)
		require.True(t, ok, "%T does not implement microblog.Relations", h.Store)
		return r
	}

	t.Run("IsFollowing", func(t *testing.T) {
		h := mk(t)
		r := relations(t, h)
		a, b, c := user(t, h, "ann"), user(t, h, "ben"), user(t, h, "cat")
		require.NoError(t, h.Store.Follow(ctx, a, b, t0))
		for _, f := range []struct {
			from, to hanok.UserID
			want     bool
		}{{a, b, true}, {b, a, false}, {a, c, false}, {c, b, false}, {a, a, false}} {
			got, err := r.IsFollowing(ctx, f.from, f.to)
			require.NoError(t, err)
			assert.Equal(t, f.want, got, "%d follows %d", f.from, f.to)
		}
		require.NoError(t, h.Store.Unfollow(ctx, a, b))
		got, err := r.IsFollowing(ctx, a, b)
		require.NoError(t, err)
		assert.False(t, got, "after unfollowing")
		got, err = r.IsFollowing(ctx, 999, a)
		require.NoError(t, err)
		assert.False(t, got, "an unknown user follows nobody")
	})

	t.Run("ReplyCounts", func(t *testing.T) {
		h := mk(t)
		r := relations(t, h)
		a := user(t, h, "ann")
		root := post(t, h.Store, a, "root", 0)
		other := post(t, h.Store, a, "other", 0)
		r1 := post(t, h.Store, a, "r1", root)
		post(t, h.Store, a, "r2", root)
		gone := post(t, h.Store, a, "r3", root)
		post(t, h.Store, a, "r1.1", r1)
		require.NoError(t, h.Store.DeleteTweet(ctx, gone, func(*microblog.Tweet) error { return nil }))

		got, err := r.ReplyCounts(ctx, []microblog.TweetID{root, other, r1, 999})
		require.NoError(t, err)
		assert.Equal(t, 2, got[root], "direct replies only, not the deleted one")
		assert.Equal(t, 0, got[other])
		assert.Equal(t, 1, got[r1])
		assert.Equal(t, 0, got[999])
		got, err = r.ReplyCounts(ctx, nil)
		require.NoError(t, err)
		assert.Empty(t, got)
	})
}
