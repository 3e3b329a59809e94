package calendarhttp_test

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
)

// dav sends one CalDAV request with the server's user's Basic
// credentials.
func (s *davServer) dav(t *testing.T, method, path, body string, header map[string]string) testkit.Response {
	t.Helper()
	h := http.Header{}
	for k, v := range header {
		h.Set(k, v)
	}
	if h.Get("Authorization") == "" {
		req, _ := http.NewRequest(method, "/", nil)
		req.SetBasicAuth(s.email, s.password)
		h.Set("Authorization", req.Header.Get("Authorization"))
	}
	if body != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/xml; charset=utf-8")
	}
	req := testkit.Request{Method: method, URL: s.url + path, Header: h}
	if body != "" {
		req.Body = body
	}
	return testkit.Do(t, nil, req)
}

func icsEvent(uid, summary, start, end string, extra ...string) string {
	lines := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VEVENT", "UID:" + uid, "DTSTAMP:20261201T000000Z",
		"DTSTART:" + start, "DTEND:" + end, "SUMMARY:" + summary}
	lines = append(lines, extra...)
	lines = append(lines, "END:VEVENT", "END:VCALENDAR", "")
	return strings.Join(lines, "\r\n")
}

const propfindBody = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:current-user-principal/><c:calendar-home-set/><d:resourcetype/><d:displayname/><d:getetag/></d:prop></d:propfind>`

func TestDAVOverHTTP(t *testing.T) {
	s := newDAVServer(t, "memory")
	home := fmt.Sprintf("/calendar/dav/%d/calendars/", s.actor.ID)
	cal := home + "personal/"

	// Authentication: none, the account password, a wrong user.
	r := testkit.Do(t, nil, testkit.Request{Method: "PROPFIND", URL: s.url + "/calendar/dav/", Header: http.Header{"Depth": {"0"}}})
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Contains(t, r.Header.Get("WWW-Authenticate"), "Basic")
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(s.email, "account-password")
	r = s.dav(t, "PROPFIND", "/calendar/dav/", propfindBody, map[string]string{"Authorization": req.Header.Get("Authorization"), "Depth": "0"})
	assert.Equal(t, http.StatusUnauthorized, r.Status, "the account password is not accepted over Basic")
	assert.Contains(t, string(r.Body), "wrong username or password")

	// Discovery: the well-known URL and the root redirect to the tree,
	// whose root names the principal, which names the home.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r = testkit.Do(t, noRedirect, testkit.Request{Method: "GET", URL: s.url + "/.well-known/caldav"})
	assert.Equal(t, http.StatusPermanentRedirect, r.Status)
	assert.Equal(t, "/calendar/dav/", r.Header.Get("Location"))
	r = testkit.Do(t, noRedirect, testkit.Request{Method: "PROPFIND", URL: s.url + "/"})
	assert.Equal(t, http.StatusPermanentRedirect, r.Status, "a PROPFIND of the root, for clients given the server's address")
	assert.Equal(t, "/calendar/dav/", r.Header.Get("Location"))
	r = s.dav(t, "PROPFIND", "/calendar/dav/", propfindBody, map[string]string{"Depth": "0"})
	require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), fmt.Sprintf("<href>/calendar/dav/%d/</href>", s.actor.ID))
	r = s.dav(t, "PROPFIND", fmt.Sprintf("/calendar/dav/%d/", s.actor.ID), propfindBody, map[string]string{"Depth": "0"})
	require.Equal(t, http.StatusMultiStatus, r.Status)
	assert.Contains(t, string(r.Body), ">"+home+"</href>")
	r = s.dav(t, "PROPFIND", home, propfindBody, map[string]string{"Depth": "1"})
	require.Equal(t, http.StatusMultiStatus, r.Status)
	assert.Contains(t, string(r.Body), ">"+cal+"</href>")

	// PUT a new event (If-None-Match: *), GET it with its ETag.
	body := icsEvent("lunch-1@test", "Lunch", "20261203T030000Z", "20261203T040000Z")
	r = s.dav(t, "PUT", cal+"lunch-1@test.ics", body, map[string]string{"Content-Type": "text/calendar", "If-None-Match": "*"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	etag := r.Header.Get("ETag")
	require.NotEmpty(t, etag)
	r = s.dav(t, "PUT", cal+"lunch-1@test.ics", body, map[string]string{"Content-Type": "text/calendar", "If-None-Match": "*"})
	assert.Equal(t, http.StatusPreconditionFailed, r.Status, "If-None-Match: * of an existing event")
	r = s.dav(t, "GET", cal+"lunch-1@test.ics", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, etag, r.Header.Get("ETag"))
	assert.Contains(t, string(r.Body), "SUMMARY:Lunch")
	assert.NotContains(t, string(r.Body), "METHOD:", "a calendar object resource has no METHOD")

	// The API sees it at once, in the month view.
	evs, err := s.cal.Month(t.Context(), s.actor, 2026, 12)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, "Lunch", evs[0].Subject)

	// Update with the ETag; a stale ETag is 412 and changes nothing.
	r = s.dav(t, "PUT", cal+"lunch-1@test.ics", icsEvent("lunch-1@test", "Long lunch", "20261203T030000Z", "20261203T050000Z"), map[string]string{"Content-Type": "text/calendar", "If-Match": etag})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	newTag := r.Header.Get("ETag")
	require.NotEqual(t, etag, newTag)
	r = s.dav(t, "PUT", cal+"lunch-1@test.ics", icsEvent("lunch-1@test", "Stale", "20261203T030000Z", "20261203T050000Z"), map[string]string{"Content-Type": "text/calendar", "If-Match": etag})
	assert.Equal(t, http.StatusPreconditionFailed, r.Status)
	r = s.dav(t, "DELETE", cal+"lunch-1@test.ics", "", map[string]string{"If-Match": etag})
	assert.Equal(t, http.StatusPreconditionFailed, r.Status)
	r = s.dav(t, "GET", cal+"lunch-1@test.ics", "", nil)
	assert.Contains(t, string(r.Body), "SUMMARY:Long lunch", "nothing lost")

	// What hanok cannot hold: a recurrence is refused with a precondition,
	// an alarm and an attendee are dropped (no ETag in the answer) and
	// named in the log.
	r = s.dav(t, "PUT", cal+"weekly@test.ics", icsEvent("weekly@test", "Weekly", "20261203T030000Z", "20261203T040000Z", "RRULE:FREQ=WEEKLY"), map[string]string{"Content-Type": "text/calendar"})
	assert.Equal(t, http.StatusConflict, r.Status)
	assert.Contains(t, string(r.Body), "valid-calendar-object-resource")
	r = s.dav(t, "PUT", cal+"alarm@test.ics", icsEvent("alarm@test", "Alarm", "20261204T030000Z", "20261204T040000Z",
		"ATTENDEE:mailto:kim@jungi.me", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER:-PT15M", "DESCRIPTION:x", "END:VALARM"), map[string]string{"Content-Type": "text/calendar"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	assert.Empty(t, r.Header.Get("ETag"), "no ETag for what was altered")
	assert.Contains(t, s.logs.String(), "dropped=ATTENDEE,VALARM")

	// An event the calendar's rules refuse: 400 naming the rule, nothing
	// stored.
	r = s.dav(t, "PUT", cal+"long@test.ics", icsEvent("long@test", "Too long", "20261201T000000Z", "20281201T000000Z"), map[string]string{"Content-Type": "text/calendar"})
	assert.Equal(t, http.StatusBadRequest, r.Status)
	assert.Contains(t, string(r.Body), "edate")
	r = s.dav(t, "GET", cal+"long@test.ics", "", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)

	// REPORT calendar-query by time range, calendar-multiget.
	query := `<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="20261204T000000Z" end="20261205T000000Z"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`
	r = s.dav(t, "REPORT", cal, query, map[string]string{"Depth": "1"})
	require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "alarm@test.ics")
	assert.NotContains(t, string(r.Body), "lunch-1@test.ics")
	multiget := `<?xml version="1.0"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>` + cal + `lunch-1@test.ics</d:href><d:href>` + cal + `nothing.ics</d:href></c:calendar-multiget>`
	r = s.dav(t, "REPORT", cal, multiget, map[string]string{"Depth": "1"})
	require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
	assert.Contains(t, string(r.Body), "Long lunch")
	assert.Contains(t, string(r.Body), "404")

	// Delete with the current ETag.
	r = s.dav(t, "DELETE", cal+"lunch-1@test.ics", "", map[string]string{"If-Match": newTag})
	assert.Equal(t, http.StatusNoContent, r.Status)
	r = s.dav(t, "GET", cal+"lunch-1@test.ics", "", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)

	// Another user's tree is not ours.
	r = s.dav(t, "PROPFIND", "/calendar/dav/999/calendars/personal/", propfindBody, map[string]string{"Depth": "1"})
	assert.Equal(t, http.StatusNotFound, r.Status)
}

// syncReport sends a sync-collection REPORT of the calendar at path with
// token.
func (s *davServer) syncReport(t *testing.T, path, token string) testkit.Response {
	t.Helper()
	return s.dav(t, "REPORT", path, `<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:sync-token>`+token+
		`</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:calendar-data/><d:displayname/></d:prop></d:sync-collection>`, map[string]string{"Depth": "0"})
}

var syncTokenRE = regexp.MustCompile(`<d:sync-token>(urn:hanok:sync:[0-9a-f]+)</d:sync-token>`)

func TestDAVSyncCollection(t *testing.T) {
	for _, store := range append([]string{"memory"}, davStores...) {
		t.Run(store, func(t *testing.T) {
			s := newDAVServer(t, store)
			ctx := t.Context()
			cal := fmt.Sprintf("/calendar/dav/%d/calendars/personal/", s.actor.ID)
			changed := s.apiEvent(t, "Changed", 1)
			deleted := s.apiEvent(t, "Deleted", 2)
			kept := s.apiEvent(t, "Kept", 3)

			// The calendar advertises sync-collection and its token.
			r := s.dav(t, "PROPFIND", cal, `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><d:sync-token/><cs:getctag/><d:supported-report-set/><d:displayname/></d:prop></d:propfind>`, map[string]string{"Depth": "0"})
			require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
			body := string(r.Body)
			assert.Regexp(t, `<sync-token xmlns="DAV:">urn:hanok:sync:[0-9a-f]+</sync-token>`, body)
			assert.Regexp(t, `<getctag xmlns="http://calendarserver.org/ns/">urn:hanok:sync:[0-9a-f]+</getctag>`, body)
			assert.Contains(t, body, "<sync-collection/>")
			assert.Contains(t, body, "<displayname xmlns=\"DAV:\">hanok</displayname>")
			assert.NotContains(t, body, "404 Not Found", "nothing asked is missing")

			// The first sync: everything.
			r = s.syncReport(t, cal, "")
			require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
			body = string(r.Body)
			for _, e := range []string{"Changed", "Deleted", "Kept"} {
				assert.Contains(t, body, "SUMMARY:"+e)
			}
			m := syncTokenRE.FindStringSubmatch(body)
			require.NotNil(t, m, "a sync token in %s", body)
			first := m[1]

			// Changes through the API: the next sync returns only them.
			_, err := s.cal.UpdateEvent(ctx, s.actor, changed.ID, calendar.EventInput{Subject: "Changed again", Start: changed.Start, End: changed.End})
			require.NoError(t, err)
			require.NoError(t, s.cal.DeleteEvent(ctx, s.actor, deleted.ID))
			s.apiEvent(t, "Added", 4)
			r = s.syncReport(t, cal, first)
			require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
			body = string(r.Body)
			assert.Contains(t, body, "SUMMARY:Changed again")
			assert.Contains(t, body, "SUMMARY:Added")
			assert.NotContains(t, body, "SUMMARY:Kept", "an unchanged event is not sent again")
			assert.Contains(t, body, "<d:href>"+cal+deleted.UID+".ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status>", "the deleted one is 404")
			assert.NotContains(t, body, kept.UID)
			m = syncTokenRE.FindStringSubmatch(body)
			require.NotNil(t, m)
			second := m[1]
			assert.NotEqual(t, first, second)

			// Nothing changed since: no response but the token.
			r = s.syncReport(t, cal, second)
			require.Equal(t, http.StatusMultiStatus, r.Status)
			assert.NotContains(t, string(r.Body), "<d:response>")
			assert.Contains(t, string(r.Body), second)

			// An unknown token: sync again from nothing.
			r = s.syncReport(t, cal, "urn:hanok:sync:0000")
			assert.Equal(t, http.StatusForbidden, r.Status)
			assert.Contains(t, string(r.Body), "valid-sync-token")
		})
	}
}

// TestDAVReportAgreesWithMonth checks that a calendar-query of a month
// holds what the month view holds, at the edges too: an event that ends
// as the month begins is in neither, one of zero length at its first
// instant is in both, one that spans it is in both.
func TestDAVReportAgreesWithMonth(t *testing.T) {
	s := newDAVServer(t, "memory")
	ctx := t.Context()
	loc := s.cal.Location()
	first := time.Date(2026, 12, 1, 0, 0, 0, 0, loc)
	next := first.AddDate(0, 1, 0)
	for _, ev := range []struct {
		subject    string
		start, end time.Time
	}{
		{"ends as it begins", first.Add(-time.Hour), first},
		{"zero length at its start", first, first},
		{"spans its start", first.Add(-24 * time.Hour), first.Add(24 * time.Hour)},
		{"inside", first.AddDate(0, 0, 9), first.AddDate(0, 0, 9).Add(time.Hour)},
		{"spans its end", next.Add(-time.Hour), next.Add(time.Hour)},
		{"starts as it ends", next, next.Add(time.Hour)},
	} {
		_, err := s.cal.CreateEvent(ctx, s.actor, calendar.EventInput{Subject: ev.subject, Start: ev.start, End: ev.end})
		require.NoError(t, err)
	}
	_, err := s.cal.SetBirthday(ctx, s.actor, calendar.Date{Year: 1990, Month: time.December, Day: 24})
	require.NoError(t, err)

	month, err := s.cal.Month(ctx, s.actor, 2026, time.December)
	require.NoError(t, err)
	var want []string
	for _, e := range month {
		want = append(want, "SUMMARY:"+e.Subject)
	}
	sort.Strings(want)
	require.Equal(t, []string{"SUMMARY:Birthday", "SUMMARY:inside", "SUMMARY:spans its end", "SUMMARY:spans its start", "SUMMARY:zero length at its start"}, want)

	cal := fmt.Sprintf("/calendar/dav/%d/calendars/personal/", s.actor.ID)
	query := fmt.Sprintf(`<?xml version="1.0"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-data/></d:prop>
<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="%s" end="%s"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
		first.UTC().Format("20060102T150405Z"), next.UTC().Format("20060102T150405Z"))
	r := s.dav(t, "REPORT", cal, query, map[string]string{"Depth": "1"})
	require.Equal(t, http.StatusMultiStatus, r.Status, "%s", r.Body)
	got := regexp.MustCompile(`SUMMARY:[^\r\n&]*`).FindAllString(string(r.Body), -1)
	sort.Strings(got)
	assert.Equal(t, want, got, "the REPORT of the month holds the month view's events")
}

// TestDAVConcurrentCreate sends one new event ten times at once, each
// If-None-Match: *: one is created, the others are 412.
func TestDAVConcurrentCreate(t *testing.T) {
	s := newDAVServer(t, "sqlite")
	cal := fmt.Sprintf("/calendar/dav/%d/calendars/personal/", s.actor.ID)
	body := icsEvent("once@test", "Once", "20261203T030000Z", "20261203T040000Z")
	statuses := make([]int, 10)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = s.dav(t, "PUT", cal+"once@test.ics", body, map[string]string{"Content-Type": "text/calendar", "If-None-Match": "*"}).Status
		})
	}
	wg.Wait()
	sort.Ints(statuses)
	assert.Equal(t, []int{201, 412, 412, 412, 412, 412, 412, 412, 412, 412}, statuses)
	evs, err := s.cal.ByUID(t.Context(), s.actor, "once@test")
	require.NoError(t, err)
	assert.Len(t, evs, 1)
}
