package calendarhttp_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// feedPath is the path, below the mount prefix, of a feed URL.
func feedPath(t *testing.T, link calendarhttp.FeedLink) string {
	t.Helper()
	_, path, ok := strings.Cut(link.URL, "/calendar")
	require.True(t, ok, "the link %q is under /calendar", link.URL)
	require.True(t, strings.HasPrefix(link.URL, "http://127.0.0.1:"), "the link %q is absolute, on the host the request reached", link.URL)
	require.Equal(t, "webcal"+strings.TrimPrefix(link.URL, "http"), link.Webcal)
	return path
}

func TestFeedLink(t *testing.T) {
	e := newEnv(t)
	tok := e.user("park@jungi.me")
	other := e.user("kim@jungi.me")
	e.event(tok, "Lunch", "2017-06-20 12:00:00", "2017-06-20 13:00:00")
	e.event(tok, "Long ago", "2016-01-10 12:00:00", "2016-01-10 13:00:00")
	e.event(other, "Not mine", "2017-06-20 12:00:00", "2017-06-20 13:00:00")
	e.do("PUT", "/api/v1/calendar/birthday", tok, `{"birthday": "1990-02-28"}`).want(t, 20000)

	e.do("POST", "/api/v1/feed/", "", "").want(t, 40101)
	e.do("DELETE", "/api/v1/feed/", tok, "").want(t, 40400, "no subscription link to revoke")

	var link calendarhttp.FeedLink
	e.do("POST", "/api/v1/feed/", tok, "").want(t, 20000, "SUCCESS").into(t, &link)
	path := feedPath(t, link)
	secret := strings.TrimSuffix(strings.TrimPrefix(path, "/feeds/"), ".ics")
	assert.Len(t, secret, 43, "32 bytes in base64url")

	r := e.send("GET", path, "", nil)
	require.Equal(t, http.StatusOK, r.Status, "body %s", r.Raw)
	assert.Equal(t, "text/calendar; charset=utf-8", r.Header.Get("Content-Type"))
	body := string(r.Raw)
	assert.Contains(t, body, "SUMMARY:Lunch\r\n")
	assert.NotContains(t, body, "Long ago", "outside the window (3 months back)")
	assert.NotContains(t, body, "Not mine")
	assert.Contains(t, body, "RRULE:FREQ=YEARLY\r\n", "the birthday, yearly")
	etag, modified := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
	require.Regexp(t, `^"[0-9a-f]{32}"$`, etag)
	require.NotEmpty(t, modified)

	// The same content is the same bytes, even as time passes.
	e.clock.Add(time.Minute)
	r2 := e.send("GET", path, "", nil)
	assert.Equal(t, r.Raw, r2.Raw)
	assert.Equal(t, etag, r2.Header.Get("ETag"))
	assert.Equal(t, modified, r2.Header.Get("Last-Modified"))

	// Conditional GETs of an unchanged calendar: 304, no body.
	r = e.send("GET", path, "", http.Header{"If-None-Match": {etag}})
	assert.Equal(t, http.StatusNotModified, r.Status)
	assert.Empty(t, r.Raw)
	r = e.send("GET", path, "", http.Header{"If-Modified-Since": {modified}})
	assert.Equal(t, http.StatusNotModified, r.Status)
	r = e.send("GET", path, "", http.Header{"If-None-Match": {`"other"`}, "If-Modified-Since": {modified}})
	assert.Equal(t, http.StatusOK, r.Status, "If-None-Match wins over If-Modified-Since")

	// A change (here a deletion) changes the ETag and moves Last-Modified.
	e.clock.Add(time.Hour)
	ev := e.event(tok, "Dinner", "2017-06-21 19:00:00", "2017-06-21 20:00:00")
	r = e.send("GET", path, "", http.Header{"If-None-Match": {etag}})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Contains(t, string(r.Raw), "SUMMARY:Dinner")
	added := r.Header.Get("ETag")
	assert.NotEqual(t, etag, added)
	assert.NotEqual(t, modified, r.Header.Get("Last-Modified"))
	e.clock.Add(time.Hour)
	e.do("DELETE", "/api/v1/calendar/event", tok, fmt.Sprintf(`{"event_id": %d}`, ev.ID)).want(t, 20000)
	r = e.send("GET", path, "", http.Header{"If-None-Match": {added}})
	require.Equal(t, http.StatusOK, r.Status, "a deletion is a change")
	assert.Equal(t, etag, r.Header.Get("ETag"), "the same content as before, the same tag")

	// Rotation: the old link stops working at once.
	var rotated calendarhttp.FeedLink
	e.do("POST", "/api/v1/feed/", tok, "").want(t, 20000).into(t, &rotated)
	require.NotEqual(t, link.URL, rotated.URL)
	e.send("GET", path, "", nil).want(t, 40400, "feed not found")
	newPath := feedPath(t, rotated)
	require.Equal(t, http.StatusOK, e.send("GET", newPath, "", nil).Status)

	// Revocation.
	e.do("DELETE", "/api/v1/feed/", tok, "").want(t, 20000, "SUCCESS")
	e.send("GET", newPath, "", nil).want(t, 40400, "feed not found")
	e.do("DELETE", "/api/v1/feed/", tok, "").want(t, 40400)

	// Malformed secrets are not found.
	e.send("GET", "/feeds/short.ics", "", nil).want(t, 40400, "feed not found")
	e.send("GET", "/feeds/"+secret, "", nil).want(t, 40400, "feed not found")
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestFeedSecretNeverLogged fetches a feed through the whole server and
// reads every log line it wrote: the secret is in none (the access log
// shows the path redacted).
func TestFeedSecretNeverLogged(t *testing.T) {
	var logs syncBuffer
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: 4})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Calendar: cal}, system.Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	t.Cleanup(srv.Close)
	s, err := authn.Register(t.Context(), auth.RegisterInput{Username: "park", Email: "park@jungi.me", Password: "password-1"})
	require.NoError(t, err)
	secret, err := cal.CreateFeed(t.Context(), s.User.Actor())
	require.NoError(t, err)

	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + "/calendar/feeds/" + secret + ".ics"})
	require.Equal(t, http.StatusOK, r.Status)
	r = testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + "/calendar/feeds/" + secret + "x.ics"})
	require.Equal(t, http.StatusNotFound, r.Status)
	out := logs.String()
	require.Contains(t, out, "path=/calendar/feeds/REDACTED", "the access log names the route with the secret redacted")
	require.NotContains(t, out, secret)
}
