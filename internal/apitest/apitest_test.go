package apitest_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/internal/apitest"
)

// check runs one exchange of GET /me through the auth document.
func check(t *testing.T, c *apitest.Checker, status int, body string) error {
	t.Helper()
	req := httptest.NewRequest("GET", "/me", nil)
	return c.Check(req, nil, status, http.Header{"Content-Type": {"application/json"}}, []byte(body))
}

// The checker fails what the document does not describe: a documented
// field removed from a response, a field of the wrong type, an
// undocumented status, and a route that is not in the document.
func TestCheckerFailsWhatTheDocumentDoesNotDescribe(t *testing.T) {
	c := apitest.MustNew(t, authhttp.OpenAPI())
	good := `{"user": {"id": 1, "username": "u", "email": "", "superuser": false, "created": "2026-11-23T10:00:00Z"}}`
	require.NoError(t, check(t, c, 200, good), "a documented response failed")
	for name, tc := range map[string]struct {
		status int
		body   string
		want   string
	}{
		"documented field removed": {200, strings.Replace(good, `"username": "u", `, "", 1), "username"},
		"wrong type":               {200, strings.Replace(good, `"id": 1`, `"id": "1"`, 1), "id"},
		"undocumented status":      {418, `{"error": "teapot", "code": "internal"}`, "418"},
		"error body without code":  {401, `{"error": "no token"}`, "code"},
	} {
		err := check(t, c, tc.status, tc.body)
		if assert.Error(t, err, "%s: %v, want an error mentioning %q", name, err, tc.want) {
			assert.Contains(t, err.Error(), tc.want, "%s: %v, want an error mentioning %q", name, err, tc.want)
		}
	}
	req := httptest.NewRequest("GET", "/undocumented", nil)
	err := c.Check(req, nil, 200, http.Header{}, []byte(`{}`))
	assert.Error(t, err, "a 200 from an undocumented route passed")
	err = c.Check(req, nil, 404, http.Header{}, []byte(`{}`))
	assert.NoError(t, err, "a 404 for an unknown route failed: %v", err)
	// An accepted request must be one the document describes.
	login := httptest.NewRequest("POST", "/login", strings.NewReader(`{"username": 5}`))
	login.Header.Set("Content-Type", "application/json")
	session := `{"token": "t", "expires_at": "2026-11-24T10:00:00Z", "user": {"id": 1, "username": "u", "email": "", "superuser": false, "created": "2026-11-23T10:00:00Z"}}`
	err = c.Check(login, []byte(`{"username": 5}`), 200, http.Header{"Content-Type": {"application/json"}}, []byte(session))
	assert.Error(t, err, "an accepted request the document does not describe passed")
}

// An optional query parameter counts as exercised absent only when a
// request without it was accepted: a 400 for a missing "optional"
// parameter is what the check is there to catch.
func TestOptionalQueryParamsAbsent(t *testing.T) {
	c := apitest.MustNew(t, calendarhttp.OpenAPI())
	const from, to = "GET /api/v1/calendar.ics ?from", "GET /api/v1/calendar.ics ?to"
	assert.Contains(t, c.OptionalQueryParams(), from)
	assert.Contains(t, c.OptionalQueryParams(), to)
	ics := http.Header{"Content-Type": {"text/calendar; charset=utf-8"}}
	bad := http.Header{"Content-Type": {"application/json"}}

	both := httptest.NewRequest("GET", "/api/v1/calendar.ics?from=2017-06-01&to=2017-07-01", nil)
	require.NoError(t, c.Check(both, nil, 200, ics, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")))
	assert.Empty(t, c.AbsentAccepted(), "a request with both parameters")

	refused := httptest.NewRequest("GET", "/api/v1/calendar.ics?to=2017-07-01", nil)
	require.NoError(t, c.Check(refused, nil, 400, bad, []byte(`{"meta": {"code": 40001, "message": "INVALID PARAMETER: from: is required"}}`)))
	assert.Empty(t, c.AbsentAccepted(), "a refused request without from")

	accepted := httptest.NewRequest("GET", "/api/v1/calendar.ics?to=2017-07-01", nil)
	require.NoError(t, c.Check(accepted, nil, 200, ics, []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")))
	assert.Equal(t, map[string]bool{from: true}, c.AbsentAccepted(), "an accepted request without from")
}
