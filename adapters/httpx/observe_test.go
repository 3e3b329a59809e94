package httpx_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/internal/testkit"
)

// Every 5xx body names the request id, whether an error was returned or a
// handler panicked; a 4xx body does not need it.
func TestFiveHundredsNameTheRequestID(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(httpx.NewLogHandler(slog.NewTextHandler(&logs, nil)))
	rt := httpx.NewRouter(func(w http.ResponseWriter, r *http.Request, err error) { httpx.WriteError(w, r, logger, err) }, nil, "")
	rt.Public("GET /fail", func(w http.ResponseWriter, r *http.Request) error { return errors.New("db exploded") })
	rt.Public("GET /panic", func(w http.ResponseWriter, r *http.Request) error { panic("boom") })
	srv := httptest.NewServer(httpx.RequestIDs(httpx.Recover(logger)(rt)))
	defer srv.Close()
	for _, path := range []string{"/fail", "/panic"} {
		r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + path, Header: http.Header{"X-Request-Id": {"id-" + path[1:]}}}).Want(t, 500)
		got := r.Map(t)["error"]
		assert.Equal(t, "internal error (request id id-"+path[1:]+")", got, "%s body: %s", path, r.Body)
		assert.Contains(t, logs.String(), "request_id=id-"+path[1:], "%s: log lacks the id:\n%s", path, logs.String())
	}
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + "/nope", Header: http.Header{"X-Request-Id": {"four"}}}).Want(t, 404)
	assert.NotContains(t, string(r.Body), "four", "404: the body")
	assert.Equal(t, "four", r.Header.Get("X-Request-ID"), "404: X-Request-ID")
}

// Wrapping a log handler twice adds the id once; WithAttrs keeps it.
func TestNewLogHandlerOnce(t *testing.T) {
	var logs bytes.Buffer
	h := httpx.NewLogHandler(httpx.NewLogHandler(slog.NewTextHandler(&logs, nil)))
	logger := slog.New(h).With("svc", "x")
	srv := httptest.NewServer(httpx.RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "hello")
	})))
	defer srv.Close()
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL, Header: http.Header{"X-Request-Id": {"abc"}}}).Want(t, 200)
	got := strings.Count(logs.String(), "request_id=abc")
	require.EqualValues(t, 1, got, "log: %s", logs.String())
	require.Contains(t, logs.String(), "svc=x", "log: %s", logs.String())
}
