package httpx_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

func TestRedactPath(t *testing.T) {
	for in, want := range map[string]string{
		"/calendar/feeds/abcDEF_-123.ics": "/calendar/feeds/REDACTED",
		"/calendar/feeds/abc/more":        "/calendar/feeds/REDACTED/more",
		"/calendar/feeds/":                "/calendar/feeds/",
		"/calendar/api/v1/feed/":          "/calendar/api/v1/feed/",
		"/auction/cars/1":                 "/auction/cars/1",
		"":                                "",
	} {
		assert.Equal(t, want, httpx.RedactPath(in), "RedactPath(%q)", in)
	}
}

// TestLogsRedactSecrets checks the two lines that name a request's path:
// the access log's and a panic's.
func TestLogsRedactSecrets(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	h := httpx.LogRequests(logger)(httpx.Recover(logger)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("boom")
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/calendar/feeds/s3cr3t-value.ics", nil))
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, logs.String(), "panic serving request")
	assert.Contains(t, logs.String(), "path=/calendar/feeds/REDACTED")
	assert.NotContains(t, logs.String(), "s3cr3t")
}
