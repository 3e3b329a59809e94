package microbloghttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
)

func TestSignup(t *testing.T) {
	e := newEnv(t)
	body := map[string]string{"user_name": "미림", "user_id": "mirim", "user_password": "password1", "user_profile": "hello", "user_csrf": "ignored"}
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/signup/"), Body: body}).Want(t, http.StatusCreated)
	wantBody(t, r, map[string]any{"message": "Sign Up Success"})

	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/signup/"), Body: map[string]string{"user_name": "x", "user_id": "MIRIM", "user_password": "password2"}}).Want(t, http.StatusConflict)
	wantBody(t, r, map[string]any{"message": "Id is Already Exist"})

	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]string{"user_name": "x", "user_password": "password1"}, "user_id"},
		{map[string]string{"user_id": "a", "user_password": "password1"}, "user_name"},
		{map[string]string{"user_id": "a", "user_name": "x"}, "user_password"},
		{map[string]string{"user_id": "a", "user_name": "x", "user_password": "short"}, "user_password"},
		{map[string]any{"user_id": 5, "user_name": "x", "user_password": "password1"}, "user_id"},
		{`{"user_id":"a","user_name":"x\u202e","user_password":"password1"}`, "user_name"},
		{"{\"user_id\":\"a\xff\",\"user_name\":\"x\",\"user_password\":\"password1\"}", "user_id"},
	} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/signup/"), Body: c.body}).Want(t, http.StatusBadRequest)
		m := r.Map(t)
		assert.Contains(t, m["fields"], c.field, "%v: fields", c.body)
		assert.Contains(t, m["message"], c.field, "%v: message", c.body)
	}
	for _, bad := range []string{`{"user_id":`, `[]`, ``, `{"user_id":"a"} x`, `{"user_id":"` + strings.Repeat("a", 70000) + `"}`} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/signup/"), Body: bad}).Want(t, http.StatusBadRequest)
		assert.NotEmpty(t, r.Map(t)["message"], "%q: no message", bad)
	}
	// Nothing was created by the refused requests.
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "a", "user_password": "password1"}}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Check Id"})

	// The seed's GET /signup/ listed every user; here it does not exist.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/signup/")}).Want(t, http.StatusMethodNotAllowed)
	assert.Equal(t, "POST", r.Header.Get("Allow"))
	wantDetail(t, r, "not allowed")
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "mirim")
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "mirim", "user_password": "password mirim"}}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "Login Success"})
	assert.NotEmpty(t, m["token"], "token")
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "nobody", "user_password": "password mirim"}}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Check Id"})
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "mirim", "user_password": "not the password"}}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Wrong Password"})
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_password": "x"}}).Want(t, http.StatusBadRequest)
	wantDetail(t, r, "user_id")
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]any{"user_id": "mirim", "user_password": 12345678}}).Want(t, http.StatusBadRequest)
	wantDetail(t, r, "user_password")
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: `{"user_id":`}).Want(t, http.StatusBadRequest)

	// Three failures are the budget of this environment: then even the
	// right password is throttled.
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "mirim", "user_password": "wrong again"}}).Want(t, http.StatusUnauthorized)
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "mirim", "user_password": "password mirim"}}).Want(t, http.StatusTooManyRequests)
	assert.NotEmpty(t, r.Header.Get("Retry-After"), "Retry-After")
	wantDetail(t, r, "try again")
}

func TestUserAuth(t *testing.T) {
	e := newEnv(t)
	tok := e.signup(t, "mirim")
	for _, method := range []string{"GET", "POST"} {
		r := testkit.Do(t, nil, testkit.Request{Method: method, URL: e.url("/user_auth/"), Token: tok, Body: `{"user_csrf":"x"}`}).Want(t, http.StatusOK)
		m := wantBody(t, r, map[string]any{"message": "User Info Loading Success"})
		assert.Equal(t, map[string]any{"user_id": "mirim", "user_name": "Name mirim", "user_profile": "about mirim"}, m["data"])
		r = testkit.Do(t, nil, testkit.Request{Method: method, URL: e.url("/user_auth/")}).Want(t, http.StatusUnauthorized)
		wantBody(t, r, map[string]any{"message": "Need Signup"})
		r = testkit.Do(t, nil, testkit.Request{Method: method, URL: e.url("/user_auth/"), Token: "not-a-token"}).Want(t, http.StatusUnauthorized)
		wantBody(t, r, map[string]any{"message": "Need Signup"})
	}
}

func TestTweetList(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signup(t, "alice"), e.signup(t, "bob")
	first := e.tweet(t, alice, "first")
	second := e.tweet(t, bob, "second")
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/" + first + "/like/"), Token: bob}).Want(t, http.StatusOK)

	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/")}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Tweet Loading Success"})
	list := items(t, r)
	require.Equal(t, []string{second, first}, contentIDs(t, r))
	// Times to the microsecond (the clock has nanoseconds).
	assert.Equal(t, map[string]any{"content_id": first, "user_id": "alice", "user_name": "Name alice", "user_content": "first",
		"created_at": "2026-05-01T12:00:00.123456Z", "updated_at": "2026-05-01T12:00:00.123456Z", "in_reply_to": nil, "in_reply_to_deleted": false,
		"like_count": float64(1), "liked": false}, list[1])
	// With a token, liked is the reader's.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/"), Token: bob}).Want(t, http.StatusOK)
	assert.Equal(t, true, items(t, r)[1]["liked"], "liked as bob")
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/"), Token: "bad-token"}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})
	for _, q := range []string{"max_id=abc", "since_id=-1", "min_id=1.5", "limit=0", "limit=x"} {
		r := testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?" + q)}).Want(t, http.StatusBadRequest)
		wantDetail(t, r, strings.Split(q, "=")[0])
	}
	// An empty page is a page.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?since_id=" + second)}).Want(t, http.StatusOK)
	assert.Empty(t, items(t, r), "empty page")
	assert.Empty(t, r.Header.Get("Link"), "an empty page's Link")
}

func TestPostTweet(t *testing.T) {
	e := newEnv(t)
	alice := e.signup(t, "alice")
	e.signup(t, "bob")
	// user_id in the body is ignored: the author is the token's user.
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: map[string]any{"user_id": "bob", "user_content": "  hello  "}}).Want(t, http.StatusCreated)
	m := wantBody(t, r, map[string]any{"message": "Tweet Success"})
	id := m["content_id"].(string)
	data := m["data"].(map[string]any)
	assert.Equal(t, "alice", data["user_id"])
	assert.Equal(t, "hello", data["user_content"])
	assert.Equal(t, id, data["content_id"])
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: map[string]any{"user_content": "answer", "in_reply_to": id}}).Want(t, http.StatusCreated)
	assert.Equal(t, id, r.Map(t)["data"].(map[string]any)["in_reply_to"], "reply")
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: map[string]any{"user_content": "answer", "in_reply_to": 1}}).Want(t, http.StatusCreated)

	for _, c := range []struct {
		body   any
		status int
		detail string
	}{
		{map[string]any{"user_content": ""}, 400, "user_content: must be 1 to 300 characters"},
		{map[string]any{"user_content": "   "}, 400, "300"},
		{map[string]any{"user_content": strings.Repeat("가", 301)}, 400, "300"},
		{map[string]any{"user_content": "a\x00b"}, 400, "control"},
		{map[string]any{"user_content": 5}, 400, "user_content"},
		{map[string]any{"user_content": "x", "in_reply_to": "abc"}, 404, `in_reply_to: tweet "abc" not found`},
		{map[string]any{"user_content": "x", "in_reply_to": -1}, 404, `in_reply_to: tweet "-1" not found`},
		{map[string]any{"user_content": "x", "in_reply_to": true}, 400, "in_reply_to"},
		{map[string]any{"user_content": "x", "in_reply_to": "999"}, 404, "in_reply_to"},
		{`{"user_content":`, 400, "malformed"},
		{"{\"user_content\":\"\xff\"}", 400, "UTF-8"},
	} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: c.body}).Want(t, c.status)
		wantBody(t, r, map[string]any{"message": "Tweet Failed"})
		wantDetail(t, r, c.detail)
	}
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: map[string]any{"user_content": strings.Repeat("가", 300)}}).Want(t, http.StatusCreated)
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Body: map[string]any{"user_content": "x"}}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?limit=100")}).Want(t, http.StatusOK)
	assert.Len(t, items(t, r), 4, "tweets after the refused posts")
}

// POST /tweet/ counts what a reader sees as one character: 300 family
// emoji (each three people joined by ZWJs) or 300 letters with a
// combining accent are one full tweet, and one more is refused.
func TestPostTweetCountsGraphemes(t *testing.T) {
	e := newEnv(t)
	alice := e.signup(t, "alice")
	for name, unit := range map[string]string{"family": "\U0001F468\u200d\U0001F469\u200d\U0001F467", "combining accent": "e\u0301"} {
		t.Run(name, func(t *testing.T) { postFullTweet(t, e, alice, unit) })
	}
}

// postFullTweet posts 300 times unit, which must be one full tweet, and
// then 301 times, which must be refused.
func postFullTweet(t *testing.T, e *env, token, unit string) {
	t.Helper()
	full := strings.Repeat(unit, 300)
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: token, Body: map[string]any{"user_content": full}}).Want(t, http.StatusCreated)
	data, _ := r.Map(t)["data"].(map[string]any)
	require.Equal(t, full, data["user_content"], "the tweet as stored")
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: token, Body: map[string]any{"user_content": full + unit}}).Want(t, http.StatusBadRequest)
	wantBody(t, r, map[string]any{"message": "Tweet Failed", "detail": "user_content: must be 1 to 300 characters"})
}

func TestDeleteTweet(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signup(t, "alice"), e.signup(t, "bob")
	id := e.tweet(t, alice, "mine")
	reply := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: bob, Body: map[string]any{"user_content": "answer", "in_reply_to": id}}).Want(t, http.StatusCreated).Map(t)["content_id"].(string)

	// Bob cannot delete it, even by naming alice as the user.
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: bob, Body: map[string]any{"content_id": id, "user_id": "alice"}}).Want(t, http.StatusForbidden)
	wantBody(t, r, map[string]any{"message": "No Authorization"})
	testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/" + id + "/thread/")}).Want(t, http.StatusOK)

	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: alice, Body: map[string]any{"content_id": id}}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Delete Success"})
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: alice, Body: map[string]any{"content_id": id}}).Want(t, http.StatusNotFound)
	wantBody(t, r, map[string]any{"message": "No Authorization"})
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: alice, Body: map[string]any{"content_id": 999}}).Want(t, http.StatusNotFound)
	wantBody(t, r, map[string]any{"message": "No Authorization"})
	// An id that names no tweet is the seed's "No Authorization" too.
	for _, bad := range []any{"x", -1, 1.5, "0"} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: alice, Body: map[string]any{"content_id": bad}}).Want(t, http.StatusNotFound)
		wantBody(t, r, map[string]any{"message": "No Authorization", "detail": fmt.Sprintf("content_id: tweet %q not found", fmt.Sprint(bad))})
	}
	for _, bad := range []any{map[string]any{}, map[string]any{"content_id": true}} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: alice, Body: bad}).Want(t, http.StatusBadRequest)
		wantDetail(t, r, "content_id")
	}
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Token: alice, Body: `{"content_id":`}).Want(t, http.StatusBadRequest)
	wantDetail(t, r, "malformed JSON")
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet_del/"), Body: map[string]any{"content_id": reply}}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})

	// The reply stays, and says its parent is gone.
	list := items(t, testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/")}).Want(t, http.StatusOK))
	require.Len(t, list, 1)
	assert.Equal(t, reply, list[0]["content_id"])
	assert.Equal(t, id, list[0]["in_reply_to"])
	assert.Equal(t, true, list[0]["in_reply_to_deleted"])
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/" + id + "/thread/")}).Want(t, http.StatusNotFound)
	wantDetail(t, r, "does not exist")
}

func TestThread(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signup(t, "alice"), e.signup(t, "bob")
	id := e.tweet(t, alice, "question")
	var replies []string
	for _, text := range []string{"one", "two", "three"} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: bob, Body: map[string]any{"user_content": text, "in_reply_to": id}}).Want(t, http.StatusCreated)
		replies = append(replies, r.Map(t)["content_id"].(string))
	}
	e.tweet(t, bob, "unrelated")
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/" + id + "/thread/?limit=2")}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "Thread Loading Success"})
	data := m["data"].(map[string]any)
	assert.Equal(t, id, data["tweet"].(map[string]any)["content_id"], "thread tweet")
	assert.Equal(t, []string{replies[2], replies[1]}, idsOf(data["replies"]), "replies")
	next := links(t, r)["next"]
	r = testkit.Do(t, nil, testkit.Request{URL: e.url(next)}).Want(t, http.StatusOK)
	assert.Equal(t, []string{replies[0]}, idsOf(r.Map(t)["data"].(map[string]any)["replies"]), "older replies")
	testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/999/thread/")}).Want(t, http.StatusNotFound)
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/abc/thread/")}).Want(t, http.StatusNotFound)
	wantBody(t, r, map[string]any{"message": `tweet "abc" not found`})
}

func TestLikes(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signup(t, "alice"), e.signup(t, "bob")
	id := e.tweet(t, alice, "like me")
	for range 2 {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/" + id + "/like/"), Token: bob}).Want(t, http.StatusOK)
		m := wantBody(t, r, map[string]any{"message": "Like Success"})
		d := m["data"].(map[string]any)
		assert.Equal(t, float64(1), d["like_count"])
		assert.Equal(t, true, d["liked"])
	}
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/" + id + "/unlike/"), Token: bob}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "Unlike Success"})
	d := m["data"].(map[string]any)
	assert.Equal(t, float64(0), d["like_count"])
	assert.Equal(t, false, d["liked"])
	for _, path := range []string{"/tweet/999/like/", "/tweet/999/unlike/"} {
		testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url(path), Token: bob}).Want(t, http.StatusNotFound)
	}
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/x/like/"), Token: bob}).Want(t, http.StatusNotFound)
	wantBody(t, r, map[string]any{"message": `tweet "x" not found`})
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/" + id + "/like/")}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})
	testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/" + id + "/like/"), Token: bob}).Want(t, http.StatusMethodNotAllowed)
}

func TestFollowsAndHome(t *testing.T) {
	e := newEnv(t)
	alice, bob := e.signup(t, "alice"), e.signup(t, "bob")
	carol := e.signup(t, "carol")
	b1 := e.tweet(t, bob, "bob's")
	c1 := e.tweet(t, carol, "carol's")
	a1 := e.tweet(t, alice, "alice's")

	for range 2 {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/follow/"), Token: alice, Body: map[string]any{"user_id": "BOB"}}).Want(t, http.StatusOK)
		wantBody(t, r, map[string]any{"message": "Follow Success"})
	}
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/timeline/"), Token: alice}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Timeline Loading Success"})
	assert.Equal(t, []string{a1, b1}, contentIDs(t, r), "home (not carol's %s)", c1)
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/timeline/")}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})

	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/")}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "User Loading Success"})
	d := m["data"].(map[string]any)
	assert.Equal(t, map[string]any{"user_id": "bob", "user_name": "Name bob", "user_profile": "about bob", "tweet_count": float64(1),
		"follower_count": float64(1), "following_count": float64(0), "joined_at": "2026-05-01T12:00:00.123456Z"}, d)
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/followers/")}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Followers Loading Success"})
	l := items(t, r)
	require.Len(t, l, 1, "bob's followers")
	assert.Equal(t, "alice", l[0]["user_id"])
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/alice/following/")}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Following Loading Success"})
	l = items(t, r)
	require.Len(t, l, 1, "alice follows")
	assert.Equal(t, "bob", l[0]["user_id"])
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/tweets/")}).Want(t, http.StatusOK)
	assert.Equal(t, []string{b1}, contentIDs(t, r), "bob's tweets")
	for _, path := range []string{"/users/nobody/", "/users/nobody/tweets/", "/users/nobody/followers/", "/users/nobody/following/"} {
		r := testkit.Do(t, nil, testkit.Request{URL: e.url(path)}).Want(t, http.StatusNotFound)
		wantDetail(t, r, "nobody")
	}
	testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/followers/?limit=-3")}).Want(t, http.StatusBadRequest)
	for _, path := range []string{"/users/%ff/", "/users/b%E2%80%AEob/tweets/", "/users/%00/followers/", "/users/%ff/following/"} {
		r := testkit.Do(t, nil, testkit.Request{URL: e.url(path)}).Want(t, http.StatusBadRequest)
		wantDetail(t, r, "user_id")
	}

	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/follow/"), Token: alice, Body: map[string]any{"user_id": "alice"}}).Want(t, http.StatusBadRequest)
	wantDetail(t, r, "yourself")
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/follow/"), Token: alice, Body: map[string]any{"user_id": "nobody"}}).Want(t, http.StatusNotFound)
	for _, bad := range []any{map[string]any{}, map[string]any{"user_id": 3}, `{"user_id":`, "{\"user_id\":\"b\xffob\"}", `["bob"]`} {
		for _, path := range []string{"/follow/", "/unfollow/"} {
			r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url(path), Token: alice, Body: bad}).Want(t, http.StatusBadRequest)
			assert.NotEmpty(t, r.Map(t)["message"], "POST %s %v", path, bad)
		}
	}
	// The refused requests changed nothing.
	assert.Len(t, items(t, testkit.Do(t, nil, testkit.Request{URL: e.url("/users/alice/following/")}).Want(t, http.StatusOK)), 1, "alice follows after refused requests")
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/follow/"), Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusUnauthorized)
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/unfollow/"), Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusUnauthorized)
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/unfollow/"), Token: alice, Body: map[string]any{"user_id": "nobody"}}).Want(t, http.StatusNotFound)

	for range 2 {
		r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/unfollow/"), Token: alice, Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusOK)
		wantBody(t, r, map[string]any{"message": "Unfollow Success"})
	}
	assert.Equal(t, []string{a1}, contentIDs(t, testkit.Do(t, nil, testkit.Request{URL: e.url("/timeline/"), Token: alice}).Want(t, http.StatusOK)), "home after unfollow")
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/nowhere/")}).Want(t, http.StatusNotFound)
	wantBody(t, r, map[string]any{"message": "no such route"})
	r = testkit.Do(t, nil, testkit.Request{Method: "DELETE", URL: e.url("/tweet/")}).Want(t, http.StatusMethodNotAllowed)
	assert.Equal(t, "GET, HEAD, POST", r.Header.Get("Allow"))
	wantDetail(t, r, "DELETE")
}

// The adapter serves its OpenAPI document, with the mount point as server.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/openapi.json")}).Want(t, http.StatusOK)
	m := r.Map(t)
	assert.Equal(t, "3.0.3", m["openapi"])
	assert.Equal(t, []any{map[string]any{"url": prefix}}, m["servers"])
}
