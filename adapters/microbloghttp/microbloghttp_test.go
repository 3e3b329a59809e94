package microbloghttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

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
		if fields, _ := m["fields"].(map[string]any); fields[c.field] == nil || !strings.Contains(m["message"].(string), c.field) {
			t.Fatalf("%v: body does not name %s: %s", c.body, c.field, r.Body)
		}
	}
	for _, bad := range []string{`{"user_id":`, `[]`, ``, `{"user_id":"a"} x`, `{"user_id":"` + strings.Repeat("a", 70000) + `"}`} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/signup/"), Body: bad}).Want(t, http.StatusBadRequest)
		if m := r.Map(t); m["message"] == "" {
			t.Fatalf("%q: no message", bad)
		}
	}
	// Nothing was created by the refused requests.
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "a", "user_password": "password1"}}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Check Id"})

	// The seed's GET /signup/ listed every user; here it does not exist.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/signup/")}).Want(t, http.StatusMethodNotAllowed)
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "POST") {
		t.Fatalf("Allow = %q", allow)
	}
	wantDetail(t, r, "not allowed")
}

func TestLogin(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "mirim")
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/login/"), Body: map[string]string{"user_id": "mirim", "user_password": "password mirim"}}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "Login Success"})
	if tok, _ := m["token"].(string); tok == "" {
		t.Fatalf("no token: %s", r.Body)
	}
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
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After: %v", r.Header)
	}
	wantDetail(t, r, "try again")
}

func TestUserAuth(t *testing.T) {
	e := newEnv(t)
	tok := e.signup(t, "mirim")
	for _, method := range []string{"GET", "POST"} {
		r := testkit.Do(t, nil, testkit.Request{Method: method, URL: e.url("/user_auth/"), Token: tok, Body: `{"user_csrf":"x"}`}).Want(t, http.StatusOK)
		m := wantBody(t, r, map[string]any{"message": "User Info Loading Success"})
		data := m["data"].(map[string]any)
		if data["user_id"] != "mirim" || data["user_name"] != "Name mirim" || data["user_profile"] != "about mirim" {
			t.Fatalf("data = %v", data)
		}
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
	if len(list) != 2 || list[0]["content_id"] != second || list[1]["content_id"] != first {
		t.Fatalf("list = %v", list)
	}
	want := map[string]any{"content_id": first, "user_id": "alice", "user_name": "Name alice", "user_content": "first",
		"created_at": "2026-05-01T12:00:00Z", "updated_at": "2026-05-01T12:00:00Z", "in_reply_to": nil, "in_reply_to_deleted": false,
		"like_count": 1, "liked": false}
	for k, v := range want {
		if _, ok := list[1][k]; !ok || list[1][k] != v && !(k == "like_count" && list[1][k] == float64(1)) {
			t.Fatalf("tweet[%q] = %v, want %v", k, list[1][k], v)
		}
	}
	// With a token, liked is the reader's.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/"), Token: bob}).Want(t, http.StatusOK)
	if liked := items(t, r)[1]["liked"]; liked != true {
		t.Fatalf("liked as bob = %v", liked)
	}
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/"), Token: "bad-token"}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})
	for _, q := range []string{"max_id=abc", "since_id=-1", "min_id=1.5", "limit=0", "limit=x"} {
		r := testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?" + q)}).Want(t, http.StatusBadRequest)
		wantDetail(t, r, strings.Split(q, "=")[0])
	}
	// An empty page is a page.
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/tweet/?since_id=" + second)}).Want(t, http.StatusOK)
	if len(items(t, r)) != 0 || r.Header.Get("Link") != "" {
		t.Fatalf("empty page: %s, Link %q", r.Body, r.Header.Get("Link"))
	}
}

func TestPostTweet(t *testing.T) {
	e := newEnv(t)
	alice := e.signup(t, "alice")
	e.signup(t, "bob")
	// user_id in the body is ignored: the author is the token's user.
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: map[string]any{"user_id": "bob", "user_content": "  hello  "}}).Want(t, http.StatusCreated)
	m := wantBody(t, r, map[string]any{"message": "Tweet Success"})
	id := m["content_id"].(string)
	if data := m["data"].(map[string]any); data["user_id"] != "alice" || data["user_content"] != "hello" || data["content_id"] != id {
		t.Fatalf("data = %v", data)
	}
	r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/"), Token: alice, Body: map[string]any{"user_content": "answer", "in_reply_to": id}}).Want(t, http.StatusCreated)
	if data := r.Map(t)["data"].(map[string]any); data["in_reply_to"] != id {
		t.Fatalf("reply = %v", data)
	}
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
	if n := len(items(t, r)); n != 4 {
		t.Fatalf("%d tweets after the refused posts, want 4", n)
	}
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
	if len(list) != 1 || list[0]["content_id"] != reply || list[0]["in_reply_to"] != id || list[0]["in_reply_to_deleted"] != true {
		t.Fatalf("after delete: %v", list)
	}
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
	if data["tweet"].(map[string]any)["content_id"] != id {
		t.Fatalf("thread tweet = %v", data["tweet"])
	}
	got := data["replies"].([]any)
	if len(got) != 2 || got[0].(map[string]any)["content_id"] != replies[2] || got[1].(map[string]any)["content_id"] != replies[1] {
		t.Fatalf("replies = %v", got)
	}
	next := links(t, r)["next"]
	r = testkit.Do(t, nil, testkit.Request{URL: e.url(next)}).Want(t, http.StatusOK)
	if got := r.Map(t)["data"].(map[string]any)["replies"].([]any); len(got) != 1 || got[0].(map[string]any)["content_id"] != replies[0] {
		t.Fatalf("older replies = %v", got)
	}
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
		if d := m["data"].(map[string]any); d["like_count"] != float64(1) || d["liked"] != true {
			t.Fatalf("like: %v", d)
		}
	}
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/tweet/" + id + "/unlike/"), Token: bob}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "Unlike Success"})
	if d := m["data"].(map[string]any); d["like_count"] != float64(0) || d["liked"] != false {
		t.Fatalf("unlike: %v", d)
	}
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
	if got := strings.Join(contentIDs(t, r), ","); got != a1+","+b1 {
		t.Fatalf("home = %s, want %s,%s (not carol's %s)", got, a1, b1, c1)
	}
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/timeline/")}).Want(t, http.StatusUnauthorized)
	wantBody(t, r, map[string]any{"message": "Need Signup"})

	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/")}).Want(t, http.StatusOK)
	m := wantBody(t, r, map[string]any{"message": "User Loading Success"})
	d := m["data"].(map[string]any)
	if d["user_id"] != "bob" || d["user_name"] != "Name bob" || d["tweet_count"] != float64(1) || d["follower_count"] != float64(1) || d["following_count"] != float64(0) {
		t.Fatalf("bob = %v", d)
	}
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/followers/")}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Followers Loading Success"})
	if l := items(t, r); len(l) != 1 || l[0]["user_id"] != "alice" {
		t.Fatalf("bob's followers = %v", l)
	}
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/alice/following/")}).Want(t, http.StatusOK)
	wantBody(t, r, map[string]any{"message": "Following Loading Success"})
	if l := items(t, r); len(l) != 1 || l[0]["user_id"] != "bob" {
		t.Fatalf("alice follows %v", l)
	}
	r = testkit.Do(t, nil, testkit.Request{URL: e.url("/users/bob/tweets/")}).Want(t, http.StatusOK)
	if got := contentIDs(t, r); len(got) != 1 || got[0] != b1 {
		t.Fatalf("bob's tweets = %v", got)
	}
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
			if m := r.Map(t); m["message"] == "" {
				t.Fatalf("POST %s %v: no message", path, bad)
			}
		}
	}
	// The refused requests changed nothing.
	if l := items(t, testkit.Do(t, nil, testkit.Request{URL: e.url("/users/alice/following/")}).Want(t, http.StatusOK)); len(l) != 1 {
		t.Fatalf("alice follows %v after refused requests", l)
	}
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/follow/"), Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusUnauthorized)
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/unfollow/"), Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusUnauthorized)
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/unfollow/"), Token: alice, Body: map[string]any{"user_id": "nobody"}}).Want(t, http.StatusNotFound)

	for range 2 {
		r = testkit.Do(t, nil, testkit.Request{Method: "POST", URL: e.url("/unfollow/"), Token: alice, Body: map[string]any{"user_id": "bob"}}).Want(t, http.StatusOK)
		wantBody(t, r, map[string]any{"message": "Unfollow Success"})
	}
	if got := contentIDs(t, testkit.Do(t, nil, testkit.Request{URL: e.url("/timeline/"), Token: alice}).Want(t, http.StatusOK)); len(got) != 1 || got[0] != a1 {
		t.Fatalf("home after unfollow = %v", got)
	}
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/nowhere/")}).Want(t, http.StatusNotFound)
	wantBody(t, r, map[string]any{"message": "no such route"})
	r = testkit.Do(t, nil, testkit.Request{Method: "DELETE", URL: e.url("/tweet/")}).Want(t, http.StatusMethodNotAllowed)
	if allow := r.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Fatalf("Allow = %q", allow)
	}
	wantDetail(t, r, "DELETE")
}

// The adapter serves its OpenAPI document, with the mount point as server.
func TestOpenAPIDocument(t *testing.T) {
	e := newEnv(t)
	r := testkit.Do(t, nil, testkit.Request{URL: e.url("/openapi.json")}).Want(t, http.StatusOK)
	m := r.Map(t)
	servers, _ := m["servers"].([]any)
	if m["openapi"] != "3.0.3" || len(servers) != 1 || servers[0].(map[string]any)["url"] != prefix {
		t.Fatalf("document: openapi %v, servers %v", m["openapi"], m["servers"])
	}
}
