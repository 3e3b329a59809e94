package mastodonhttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/mastodonhttp"
)

func TestInstanceAndNodeInfo(t *testing.T) {
	e := newEnv(t)
	host := strings.TrimPrefix(e.srv.URL, "http://")
	v1 := e.do(t, "GET", "/api/v1/instance", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, host, v1["uri"])
	assert.Equal(t, "hanok", v1["title"])
	assert.Equal(t, mastodonhttp.Version, v1["version"])
	assert.EqualValues(t, 300, v1["configuration"].(map[string]any)["statuses"].(map[string]any)["max_characters"])
	v2 := e.do(t, "GET", "/api/v2/instance", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, host, v2["domain"])
	assert.Equal(t, false, v2["registrations"].(map[string]any)["enabled"])

	links := e.do(t, "GET", "/.well-known/nodeinfo", "", nil).Want(t, http.StatusOK).Map(t)["links"].([]any)
	require.Len(t, links, 1)
	assert.Equal(t, e.srv.URL+"/nodeinfo/2.0", links[0].(map[string]any)["href"])
	ni := e.do(t, "GET", "/nodeinfo/2.0", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, "2.0", ni["version"])
	assert.Equal(t, "hanok", ni["software"].(map[string]any)["name"])

	doc := e.do(t, "GET", "/api/v1/openapi.json", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, "3.0.3", doc["openapi"])
}

func TestStatuses(t *testing.T) {
	e := newEnv(t)
	aliceID, alice := e.signin(t, "alice")
	_, bob := e.signin(t, "bob")

	// Posting: the text is the content as escaped HTML.
	r := e.do(t, "POST", "/api/v1/statuses", alice, map[string]any{"status": "  hi <b>&</b>\nsecond line\n\nnew paragraph ", "visibility": "public", "sensitive": false}).Want(t, http.StatusOK)
	s := r.Map(t)
	first := s["id"].(string)
	assert.Equal(t, "<p>hi &lt;b&gt;&amp;&lt;/b&gt;<br>second line</p><p>new paragraph</p>", s["content"])
	assert.Equal(t, "public", s["visibility"])
	assert.Nil(t, s["in_reply_to_id"])
	assert.Equal(t, false, s["favourited"])
	assert.EqualValues(t, 0, s["favourites_count"])
	assert.Equal(t, []any{}, s["media_attachments"])
	assert.Equal(t, []any{}, s["mentions"])
	assert.Equal(t, []any{}, s["tags"])
	assert.Equal(t, []any{}, s["emojis"])
	assert.Equal(t, e.srv.URL+"/@alice/"+first, s["url"])
	assert.Equal(t, "2026-05-01T12:00:00.000Z", s["created_at"])
	acct := s["account"].(map[string]any)
	assert.Equal(t, fmt.Sprint(aliceID), acct["id"])
	assert.Equal(t, "alice", acct["acct"])
	assert.EqualValues(t, 1, acct["statuses_count"])

	// A reply, in a form; the parent counts it.
	r = e.form(t, "POST", "/api/v1/statuses", bob, url.Values{"status": {"a reply"}, "in_reply_to_id": {first}}).Want(t, http.StatusOK)
	reply := r.Map(t)["id"].(string)
	assert.Equal(t, first, r.Map(t)["in_reply_to_id"])
	assert.Equal(t, fmt.Sprint(aliceID), r.Map(t)["in_reply_to_account_id"])
	nested := e.post(t, alice, "and back", reply)
	got := e.do(t, "GET", "/api/v1/statuses/"+first, "", nil).Want(t, http.StatusOK).Map(t)
	assert.EqualValues(t, 1, got["replies_count"])

	// The context, from the middle.
	c := e.do(t, "GET", "/api/v1/statuses/"+reply+"/context", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Len(t, c["ancestors"], 1)
	assert.Equal(t, first, c["ancestors"].([]any)[0].(map[string]any)["id"])
	assert.Len(t, c["descendants"], 1)
	assert.Equal(t, nested, c["descendants"].([]any)[0].(map[string]any)["id"])
	c = e.do(t, "GET", "/api/v1/statuses/"+first+"/context", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Len(t, c["ancestors"], 0)
	assert.Len(t, c["descendants"], 2)

	// Favourites.
	r = e.do(t, "POST", "/api/v1/statuses/"+first+"/favourite", bob, nil).Want(t, http.StatusOK)
	assert.Equal(t, true, r.Map(t)["favourited"])
	assert.EqualValues(t, 1, r.Map(t)["favourites_count"])
	e.do(t, "POST", "/api/v1/statuses/"+first+"/favourite", bob, nil).Want(t, http.StatusOK)
	assert.Equal(t, true, e.do(t, "GET", "/api/v1/statuses/"+first, bob, nil).Want(t, http.StatusOK).Map(t)["favourited"])
	assert.Equal(t, false, e.do(t, "GET", "/api/v1/statuses/"+first, "", nil).Want(t, http.StatusOK).Map(t)["favourited"])
	r = e.do(t, "POST", "/api/v1/statuses/"+first+"/unfavourite", bob, nil).Want(t, http.StatusOK)
	assert.Equal(t, false, r.Map(t)["favourited"])
	assert.EqualValues(t, 0, r.Map(t)["favourites_count"])
	assert.Equal(t, []any{}, testJSONList(t, e.do(t, "GET", "/api/v1/statuses/"+first+"/favourited_by", "", nil).Want(t, http.StatusOK)))
	assert.Equal(t, []any{}, testJSONList(t, e.do(t, "GET", "/api/v1/statuses/"+first+"/reblogged_by", "", nil).Want(t, http.StatusOK)))

	// Deleting: not another's; one's own, with its text.
	r = e.do(t, "DELETE", "/api/v1/statuses/"+first, bob, nil).Want(t, http.StatusForbidden)
	assert.NotEmpty(t, r.Map(t)["error"])
	e.do(t, "GET", "/api/v1/statuses/"+first, "", nil).Want(t, http.StatusOK)
	r = e.do(t, "DELETE", "/api/v1/statuses/"+first, alice, nil).Want(t, http.StatusOK)
	assert.Equal(t, first, r.Map(t)["id"])
	assert.Equal(t, "hi <b>&</b>\nsecond line\n\nnew paragraph", r.Map(t)["text"])
	r = e.do(t, "GET", "/api/v1/statuses/"+first, "", nil).Want(t, http.StatusNotFound)
	assert.Equal(t, "Record not found", r.Map(t)["error"])
	e.do(t, "DELETE", "/api/v1/statuses/"+first, alice, nil).Want(t, http.StatusNotFound)
	e.do(t, "POST", "/api/v1/statuses/"+first+"/favourite", bob, nil).Want(t, http.StatusNotFound)
	e.do(t, "GET", "/api/v1/statuses/"+first+"/context", "", nil).Want(t, http.StatusNotFound)
	// The reply stays, its parent gone from its context.
	c = e.do(t, "GET", "/api/v1/statuses/"+reply+"/context", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Len(t, c["ancestors"], 0)

	// Refused input, in Mastodon's words.
	for name, body := range map[string]map[string]any{
		"blank":         {"status": "   "},
		"too long":      {"status": strings.Repeat("x", 301)},
		"media":         {"status": "x", "media_ids": []string{"1"}},
		"poll":          {"status": "x", "poll": map[string]any{"options": []string{"a"}}},
		"scheduled":     {"status": "x", "scheduled_at": "2030-01-01T00:00:00Z"},
		"nested object": {"status": map[string]any{"a": 1}},
	} {
		r := e.do(t, "POST", "/api/v1/statuses", alice, body).Want(t, http.StatusUnprocessableEntity)
		assert.NotEmpty(t, r.Map(t)["error"], name)
	}
	e.do(t, "POST", "/api/v1/statuses", alice, map[string]any{"status": "x", "in_reply_to_id": "999"}).Want(t, http.StatusNotFound)
	e.do(t, "POST", "/api/v1/statuses", alice, map[string]any{"status": "x", "in_reply_to_id": "abc"}).Want(t, http.StatusNotFound)
	e.do(t, "GET", "/api/v1/statuses/abc", "", nil).Want(t, http.StatusNotFound)
	e.do(t, "GET", "/api/v1/statuses/99999999999999999999", "", nil).Want(t, http.StatusNotFound)
	r = testkitDo(t, e, "POST", "/api/v1/statuses", alice, "status=x", "text/plain")
	assert.Equal(t, http.StatusUnsupportedMediaType, r.Status)
}

func TestStatusesSeenByTheSeedRoutes(t *testing.T) {
	e := newEnv(t)
	_, alice := e.signin(t, "alice")
	id := e.post(t, alice, "from an app", "")
	r := e.do(t, "GET", "/microblog/tweet/", "", nil).Want(t, http.StatusOK)
	data := r.Map(t)["data"].([]any)
	require.Len(t, data, 1)
	assert.Equal(t, id, data[0].(map[string]any)["content_id"])
	assert.Equal(t, "from an app", data[0].(map[string]any)["user_content"])

	// And the other way: a tweet of the seed's routes is a status at once.
	r = e.do(t, "POST", "/microblog/tweet/", alice, map[string]any{"user_content": "from the seed"}).Want(t, http.StatusCreated)
	seed := r.Map(t)["content_id"].(string)
	got := e.do(t, "GET", "/api/v1/statuses/"+seed, "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, "<p>from the seed</p>", got["content"])
	assert.Equal(t, []string{seed, id}, ids(t, e.do(t, "GET", "/api/v1/timelines/home", alice, nil).Want(t, http.StatusOK)))
}

func TestAccounts(t *testing.T) {
	e := newEnv(t)
	aliceID, alice := e.signin(t, "alice")
	bobID, bob := e.signin(t, "bob")
	a, b := fmt.Sprint(aliceID), fmt.Sprint(bobID)
	e.post(t, bob, "one", "")
	e.post(t, bob, "two", "")

	me := e.do(t, "GET", "/api/v1/accounts/verify_credentials", alice, nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, a, me["id"])
	assert.Equal(t, "alice", me["username"])
	assert.Equal(t, "alice", me["display_name"])
	assert.NotNil(t, me["source"])

	acc := e.do(t, "GET", "/api/v1/accounts/"+b, "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, "bob", acc["acct"])
	assert.EqualValues(t, 2, acc["statuses_count"])
	assert.Equal(t, e.srv.URL+"/@bob", acc["url"])
	assert.NotContains(t, acc, "source")
	e.do(t, "GET", "/api/v1/accounts/999", "", nil).Want(t, http.StatusNotFound)
	e.do(t, "GET", "/api/v1/accounts/x", "", nil).Want(t, http.StatusNotFound)

	host := strings.TrimPrefix(e.srv.URL, "http://")
	for _, acct := range []string{"bob", "@bob", "BOB", "bob@" + host} {
		assert.Equal(t, b, e.do(t, "GET", "/api/v1/accounts/lookup?acct="+url.QueryEscape(acct), "", nil).Want(t, http.StatusOK).Map(t)["id"], acct)
	}
	e.do(t, "GET", "/api/v1/accounts/lookup?acct=bob@elsewhere.example", "", nil).Want(t, http.StatusNotFound)
	assert.Equal(t, []string{b}, ids(t, e.do(t, "GET", "/api/v1/accounts/search?q=%40bob&resolve=true", alice, nil).Want(t, http.StatusOK)))
	assert.Empty(t, ids(t, e.do(t, "GET", "/api/v1/accounts/search?q=bo", "", nil).Want(t, http.StatusOK)))
	e.do(t, "GET", "/api/v1/accounts/lookup?acct=nobody", "", nil).Want(t, http.StatusNotFound)

	r := e.do(t, "GET", "/api/v1/accounts/"+b+"/statuses?limit=1", "", nil).Want(t, http.StatusOK)
	require.Len(t, list(t, r), 1)
	assert.Equal(t, "<p>two</p>", list(t, r)[0]["content"])
	next := links(t, r)["next"]
	require.NotEmpty(t, next)
	r = e.do(t, "GET", next, "", nil).Want(t, http.StatusOK)
	assert.Equal(t, "<p>one</p>", list(t, r)[0]["content"])
	assert.Empty(t, list(t, e.do(t, "GET", "/api/v1/accounts/"+b+"/statuses?pinned=true", "", nil).Want(t, http.StatusOK)))
	e.do(t, "GET", "/api/v1/accounts/999/statuses", "", nil).Want(t, http.StatusNotFound)

	// Following.
	rel := e.do(t, "POST", "/api/v1/accounts/"+b+"/follow", alice, nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, b, rel["id"])
	assert.Equal(t, true, rel["following"])
	assert.Equal(t, false, rel["followed_by"])
	e.do(t, "POST", "/api/v1/accounts/"+b+"/follow", alice, nil).Want(t, http.StatusOK)
	rels := list(t, e.do(t, "GET", "/api/v1/accounts/relationships?id[]="+a+"&id[]="+b+"&id[]=x", bob, nil).Want(t, http.StatusOK))
	require.Len(t, rels, 2)
	assert.Equal(t, false, rels[0]["following"])
	assert.Equal(t, true, rels[0]["followed_by"])
	assert.Equal(t, false, rels[1]["following"], "oneself")

	assert.Equal(t, []string{a}, ids(t, e.do(t, "GET", "/api/v1/accounts/"+b+"/followers", "", nil).Want(t, http.StatusOK)))
	assert.Equal(t, []string{b}, ids(t, e.do(t, "GET", "/api/v1/accounts/"+a+"/following", "", nil).Want(t, http.StatusOK)))
	assert.Empty(t, ids(t, e.do(t, "GET", "/api/v1/accounts/"+a+"/followers", "", nil).Want(t, http.StatusOK)))
	assert.EqualValues(t, 1, e.do(t, "GET", "/api/v1/accounts/"+b, "", nil).Want(t, http.StatusOK).Map(t)["followers_count"])
	// The seed's routes see it.
	seed := e.do(t, "GET", "/microblog/users/bob/followers/", "", nil).Want(t, http.StatusOK).Map(t)["data"].([]any)
	require.Len(t, seed, 1)
	assert.Equal(t, "alice", seed[0].(map[string]any)["user_id"])

	rel = e.do(t, "POST", "/api/v1/accounts/"+b+"/unfollow", alice, nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, false, rel["following"])
	e.do(t, "POST", "/api/v1/accounts/"+a+"/follow", alice, nil).Want(t, http.StatusForbidden)
	e.do(t, "POST", "/api/v1/accounts/999/follow", alice, nil).Want(t, http.StatusNotFound)
	e.do(t, "GET", "/api/v1/accounts/999/followers", "", nil).Want(t, http.StatusNotFound)
	e.do(t, "GET", "/api/v1/accounts/999/following", "", nil).Want(t, http.StatusNotFound)
	assert.Equal(t, []any{}, testJSONList(t, e.do(t, "GET", "/api/v1/accounts/"+a+"/lists", alice, nil).Want(t, http.StatusOK)))
}

func TestTimelinesPage(t *testing.T) {
	e := newEnv(t)
	_, alice := e.signin(t, "alice")
	bobID, bob := e.signin(t, "bob")
	var posted []string
	for i := range 5 {
		e.clock.Add(time.Second)
		posted = append(posted, e.post(t, bob, fmt.Sprint("post ", i), ""))
	}
	mine := e.post(t, alice, "mine", "")

	// Home: one's own, then those of whom one follows.
	assert.Equal(t, []string{mine}, ids(t, e.do(t, "GET", "/api/v1/timelines/home", alice, nil).Want(t, http.StatusOK)))
	e.do(t, "POST", fmt.Sprintf("/api/v1/accounts/%d/follow", bobID), alice, nil).Want(t, http.StatusOK)
	assert.Len(t, ids(t, e.do(t, "GET", "/api/v1/timelines/home", alice, nil).Want(t, http.StatusOK)), 6)

	// Public, paged: next (older) first in the Link header, as toot reads it.
	r := e.do(t, "GET", "/api/v1/timelines/public?limit=2&local=false", "", nil).Want(t, http.StatusOK)
	assert.Equal(t, []string{mine, posted[4]}, ids(t, r))
	assert.True(t, strings.HasPrefix(r.Header.Get("Link"), "<"+e.srv.URL+"/api/v1/timelines/public?"), r.Header.Get("Link"))
	assert.Regexp(t, `^<[^>]+>; rel="next"`, r.Header.Get("Link"))
	l := links(t, r)
	r = e.do(t, "GET", l["next"], "", nil).Want(t, http.StatusOK)
	assert.Equal(t, []string{posted[3], posted[2]}, ids(t, r))
	prev := links(t, r)["prev"]
	assert.Equal(t, []string{mine, posted[4]}, ids(t, e.do(t, "GET", prev, "", nil).Want(t, http.StatusOK)))
	assert.Equal(t, []string{posted[1], posted[0]}, ids(t, e.do(t, "GET", "/api/v1/timelines/public?max_id="+posted[2], "", nil).Want(t, http.StatusOK)))
	assert.Equal(t, []string{posted[1], posted[0]}, ids(t, e.do(t, "GET", "/api/v1/timelines/public?since_id=0&max_id="+posted[2]+"&limit=1000", "", nil).Want(t, http.StatusOK))[:2])
	assert.Equal(t, []string{posted[1]}, ids(t, e.do(t, "GET", "/api/v1/timelines/public?min_id="+posted[0]+"&limit=1", "", nil).Want(t, http.StatusOK)))
	assert.Equal(t, []string{mine}, ids(t, e.do(t, "GET", "/api/v1/timelines/home?since_id="+posted[4], alice, nil).Want(t, http.StatusOK)))
	assert.Empty(t, ids(t, e.do(t, "GET", "/api/v1/timelines/public?remote=true", "", nil).Want(t, http.StatusOK)))
	assert.Empty(t, ids(t, e.do(t, "GET", "/api/v1/timelines/tag/hanok?limit=5", alice, nil).Want(t, http.StatusOK)))
	r = e.do(t, "GET", "/api/v1/timelines/public?max_id=x", "", nil).Want(t, http.StatusUnprocessableEntity)
	assert.NotEmpty(t, r.Map(t)["error"])
}

func TestSearch(t *testing.T) {
	e := newEnv(t)
	bobID, bob := e.signin(t, "bob")
	id := e.post(t, bob, "findable", "")
	r := e.do(t, "GET", "/api/v2/search?q=%40bob&type=accounts&resolve=true", bob, nil).Want(t, http.StatusOK).Map(t)
	accounts := r["accounts"].([]any)
	require.Len(t, accounts, 1)
	assert.Equal(t, fmt.Sprint(bobID), accounts[0].(map[string]any)["id"])
	assert.Equal(t, []any{}, r["statuses"])
	assert.Equal(t, []any{}, r["hashtags"])

	r = e.do(t, "GET", "/api/v2/search?q="+url.QueryEscape(e.srv.URL+"/@bob/"+id), "", nil).Want(t, http.StatusOK).Map(t)
	require.Len(t, r["statuses"], 1)
	assert.Equal(t, id, r["statuses"].([]any)[0].(map[string]any)["id"])
	r = e.do(t, "GET", "/api/v2/search?q=nobody", "", nil).Want(t, http.StatusOK).Map(t)
	assert.Equal(t, []any{}, r["accounts"])
	e.do(t, "GET", "/api/v2/search?q=x&type=people", "", nil).Want(t, http.StatusUnprocessableEntity)
}

func TestWhatHanokHasNot(t *testing.T) {
	e := newEnv(t)
	_, alice := e.signin(t, "alice")
	status := e.post(t, alice, "x", "")
	for _, p := range []string{
		"/api/v1/notifications", "/api/v1/bookmarks", "/api/v1/favourites", "/api/v1/lists", "/api/v1/filters",
		"/api/v2/filters", "/api/v1/blocks", "/api/v1/mutes", "/api/v1/domain_blocks", "/api/v1/follow_requests",
		"/api/v1/conversations", "/api/v1/scheduled_statuses", "/api/v1/followed_tags", "/api/v1/endorsements",
		"/api/v1/featured_tags", "/api/v1/announcements", "/api/v1/accounts/1/featured_tags",
	} {
		assert.Equal(t, []any{}, testJSONList(t, e.do(t, "GET", p, alice, nil).Want(t, http.StatusOK)), p)
		e.do(t, "GET", p, "", nil).Want(t, http.StatusUnauthorized)
	}
	for _, p := range []string{
		"/api/v1/custom_emojis", "/api/v1/trends", "/api/v1/trends/tags", "/api/v1/trends/statuses", "/api/v1/trends/links",
		"/api/v2/suggestions", "/api/v1/instance/peers", "/api/v1/instance/rules", "/api/v1/instance/domain_blocks", "/api/v1/directory",
	} {
		assert.Equal(t, []any{}, testJSONList(t, e.do(t, "GET", p, "", nil).Want(t, http.StatusOK)), p)
	}
	assert.Equal(t, map[string]any{}, e.do(t, "GET", "/api/v1/markers", alice, nil).Want(t, http.StatusOK).Map(t))
	assert.Equal(t, map[string]any{}, e.do(t, "POST", "/api/v1/markers", alice, map[string]any{"home": map[string]string{"last_read_id": "1"}}).Want(t, http.StatusOK).Map(t))
	assert.Equal(t, map[string]any{}, e.do(t, "POST", "/api/v1/notifications/clear", alice, nil).Want(t, http.StatusOK).Map(t))
	assert.Equal(t, "public", e.do(t, "GET", "/api/v1/preferences", alice, nil).Want(t, http.StatusOK).Map(t)["posting:default:visibility"])
	// The routes that only refuse, which the document leaves out.
	assert.Equal(t, "Record not found", e.rawDo(t, "GET", "/api/v1/notifications/1", alice, nil).Want(t, http.StatusNotFound).Map(t)["error"])
	e.rawDo(t, "GET", "/api/v1/notifications/1", "", nil).Want(t, http.StatusUnauthorized)
	e.rawDo(t, "GET", "/api/v1/polls/1", "", nil).Want(t, http.StatusNotFound)
	for _, op := range []string{
		"POST /api/v1/media", "POST /api/v2/media", "POST /api/v1/polls/1/votes",
		"POST /api/v1/statuses/" + status + "/reblog", "POST /api/v1/statuses/" + status + "/unreblog",
		"POST /api/v1/statuses/" + status + "/bookmark", "POST /api/v1/statuses/" + status + "/unbookmark",
		"POST /api/v1/statuses/" + status + "/pin", "POST /api/v1/statuses/" + status + "/unpin",
		"POST /api/v1/statuses/" + status + "/mute", "POST /api/v1/statuses/" + status + "/unmute",
		"PUT /api/v1/statuses/" + status, "PATCH /api/v1/accounts/update_credentials",
		"POST /api/v1/accounts/1/block", "POST /api/v1/accounts/1/unblock", "POST /api/v1/accounts/1/mute", "POST /api/v1/accounts/1/unmute",
		"POST /api/v1/lists", "POST /api/v1/filters", "POST /api/v2/filters",
	} {
		method, path, _ := strings.Cut(op, " ")
		r := e.rawDo(t, method, path, alice, nil).Want(t, http.StatusUnprocessableEntity)
		assert.Equal(t, "This feature is not available on this server", r.Map(t)["error"], op)
		e.rawDo(t, method, path, "", nil).Want(t, http.StatusUnauthorized)
	}
	e.rawDo(t, "POST", "/api/v1/accounts", "", map[string]any{"username": "x"}).Want(t, http.StatusUnprocessableEntity)
	// An unknown route or method: Mastodon's 404 and 405 shapes.
	assert.NotEmpty(t, e.do(t, "GET", "/api/v1/nothing", "", nil).Want(t, http.StatusNotFound).Map(t)["error"])
	assert.NotEmpty(t, e.do(t, "PUT", "/api/v1/timelines/public", "", nil).Want(t, http.StatusMethodNotAllowed).Map(t)["error"])
}
