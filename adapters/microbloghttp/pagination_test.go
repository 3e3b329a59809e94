package microbloghttp_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
)

// Walking /tweet/ by its Link rel="next" from the first page returns every
// tweet exactly once, newest first, although new tweets are posted between
// the pages: a max_id cursor is not shifted by what comes in on top.
func TestWalkLinksWhileTweeting(t *testing.T) {
	e := newEnv(t)
	alice := e.signup(t, "alice")
	var want []string
	for i := range 47 {
		want = append(want, e.tweet(t, alice, fmt.Sprint("tweet ", i)))
	}
	slices.Reverse(want)

	var got []string
	path := "/tweet/?limit=10"
	pages := 0
	for path != "" {
		r := testkit.Do(t, nil, testkit.Request{URL: e.url(path)}).Want(t, http.StatusOK)
		got = append(got, contentIDs(t, r)...)
		pages++
		require.LessOrEqual(t, pages, 10, "the walk does not end")
		// Others keep posting while the client reads.
		e.tweet(t, alice, fmt.Sprint("meanwhile ", pages))
		l := links(t, r)
		require.NotEmpty(t, l["prev"], "page %d has no prev link: %q", pages, r.Header.Get("Link"))
		path = l["next"]
	}
	assert.Equal(t, 5, pages, "pages")
	assert.Equal(t, want, got, "the walk")
}

// Polling with since_id or min_id from the newest id a client has seen
// returns exactly the tweets posted since; min_id pages oldest first
// through a backlog larger than one page, by following rel="prev".
func TestPollSinceAndMin(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signup(t, "alice"), e.signup(t, "bob")
	for i := range 5 {
		e.tweet(t, alice, fmt.Sprint("old ", i))
	}
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?limit=3")}).Want(t, http.StatusOK)
	newest := contentIDs(t, r)[0]
	prev := links(t, r)["prev"]
	require.Equal(t, "/tweet/?limit=3&min_id="+newest, prev, "prev link")
	r = testkit.Do(t, nil, testkit.Request{URL: e.url(prev)}).Want(t, http.StatusOK)
	assert.Empty(t, items(t, r), "nothing new yet")

	var fresh []string
	for i := range 7 {
		fresh = append(fresh, e.tweet(t, bob, fmt.Sprint("new ", i)))
	}
	newestFirst := slices.Clone(fresh)
	slices.Reverse(newestFirst)

	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?since_id=" + newest)}).Want(t, http.StatusOK)
	assert.Equal(t, newestFirst, contentIDs(t, r), "since_id")
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?min_id=" + newest)}).Want(t, http.StatusOK)
	assert.Equal(t, newestFirst, contentIDs(t, r), "min_id")

	// since_id with a small limit gives the newest of the new (a gap);
	// min_id gives the oldest, and its prev links go on from there.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?limit=3&since_id=" + newest)}).Want(t, http.StatusOK)
	assert.Equal(t, newestFirst[:3], contentIDs(t, r), "since_id, limit 3")
	var caught []string
	path := prev
	for range 5 {
		r := testkit.Do(t, nil, testkit.Request{URL: e.url(path)}).Want(t, http.StatusOK)
		page := contentIDs(t, r)
		if len(page) == 0 {
			break
		}
		require.LessOrEqual(t, len(page), 3, "a page with limit 3")
		slices.Reverse(page)
		caught = append(caught, page...)
		path = links(t, r)["prev"]
	}
	assert.Equal(t, fresh, caught, "catching up with min_id")

	// The home timeline pages the same way.
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/follow/"), Token: alice, Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusOK)
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/timeline/?limit=4"), Token: alice}).Want(t, http.StatusOK)
	first := contentIDs(t, r)
	assert.Equal(t, newestFirst[:4], first, "home page 1")
	r = testkit.Do(t, nil, testkit.Request{URL: e.url(links(t, r)["next"]), Token: alice}).Want(t, http.StatusOK)
	// Bob's three older tweets, then alice's newest.
	got := contentIDs(t, r)
	require.Len(t, got, 4, "home page 2")
	assert.Equal(t, newestFirst[4:], got[:3], "home page 2")
	last, _ := strconv.Atoi(first[0])
	r = testkit.Do(t, nil, testkit.Request{URL: e.url(fmt.Sprintf("/timeline/?since_id=%d", last)), Token: alice}).Want(t, http.StatusOK)
	assert.Empty(t, items(t, r), "home since the newest")
}
