package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/internal/testkit"
)

func TestStatusTable(t *testing.T) {
	want := map[hanok.Code]int{
		"":                    200,
		hanok.Invalid:         400,
		hanok.Unauthenticated: 401,
		hanok.Forbidden:       403,
		hanok.NotFound:        404,
		hanok.Conflict:        409,
		hanok.RateLimited:     429,
		hanok.Unavailable:     503,
		hanok.Internal:        500,
		"something-else":      500,
	}
	for code, status := range want {
		got := httpx.Status(code)
		assert.Equal(t, status, got, "Status(%q) = %d, want %d", code, got, status)
	}
}

type payload struct {
	Name  string   `json:"name"`
	Age   int      `json:"age"`
	Small int8     `json:"small"`
	Count uint16   `json:"count"`
	Tags  []string `json:"tags"`
	Inner struct {
		OK bool `json:"ok"`
	} `json:"inner"`
}

func decode(t *testing.T, body string, limit int64) (payload, error) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	return httpx.DecodeJSON[payload](httptest.NewRecorder(), r, limit)
}

func TestDecodeJSON(t *testing.T) {
	p, err := decode(t, `{"name":"kim","age":30,"tags":["a"],"inner":{"ok":true},"unknown":1}`, 0)
	require.NoError(t, err, "good body: %+v, %v", p, err)
	require.Equal(t, "kim", p.Name, "good body: %+v, %v", p, err)
	require.EqualValues(t, 30, p.Age, "good body: %+v, %v", p, err)
	require.Len(t, p.Tags, 1, "good body: %+v, %v", p, err)
	require.True(t, p.Inner.OK, "good body: %+v, %v", p, err)
	cases := []struct {
		name, body string
		limit      int64
		field      string // the field the error must name, if any
		contains   string // what the message must say
	}{
		{"empty", "", 0, "", "empty"},
		{"whitespace", "  \n", 0, "", "empty"},
		{"syntax", `{"name":`, 0, "", "malformed JSON"},
		{"bad token", `{"name" "x"}`, 0, "", "malformed JSON"},
		{"trailing data", `{"name":"x"} {"name":"y"}`, 0, "", "after the JSON value"},
		{"trailing bracket", `{"name":"x"}]`, 0, "", "after the JSON value"},
		{"trailing brace", `{"name":"x"} }`, 0, "", "after the JSON value"},
		{"string for number", `{"age":"thirty"}`, 0, "age", "age: must be a whole number, not string"},
		{"number for string", `{"name":5}`, 0, "name", "must be a string"},
		{"object for array", `{"tags":{}}`, 0, "tags", "must be an array"},
		{"nested wrong type", `{"inner":{"ok":"yes"}}`, 0, "inner.ok", "must be a boolean"},
		{"fraction for int", `{"age":1.5}`, 0, "age", "age: must be a whole number, not 1.5"},
		{"int out of range", `{"small":300}`, 0, "small", "small: must be a whole number from -128 to 127, not 300"},
		{"negative for uint", `{"count":-1}`, 0, "count", "count: must be a whole number from 0 to 65535, not -1"},
		{"array for object", `[1,2]`, 0, "", "must be an object, not array"},
		{"too big", `{"name":"` + strings.Repeat("x", 100) + `"}`, 50, "", "larger than 50 bytes"},
	}
	for _, c := range cases {
		_, err := decode(t, c.body, c.limit)
		if !assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "%s: code of %v", c.name, err) {
			continue
		}
		msg := hanok.MessageOf(err)
		assert.Contains(t, msg, c.contains, "%s: message %q does not say %q", c.name, msg, c.contains)
		if c.field != "" {
			assert.Contains(t, hanok.FieldsOf(err), c.field, "%s: fields", c.name)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"kim","age":3}`, `{"age":"x"}`, `[`, `{"tags":[1]}`, `null`, `{"inner":{"ok":true}} x`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var p payload
		err := httpx.Unmarshal(data, &p)
		if err == nil {
			return
		}
		// Every failure is a client error with a message, never a panic
		// or an internal error.
		require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "Unmarshal(%q) = %v, want Invalid with a message", data, err)
		require.NotEmpty(t, hanok.MessageOf(err), "Unmarshal(%q) = %v, want Invalid with a message", data, err)
	})
}

func TestWriteErrorAndRetryAfter(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	r := httptest.NewRequest("GET", "/x", nil)

	w := httptest.NewRecorder()
	httpx.WriteError(w, r, logger, &hanok.Error{Code: hanok.RateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond})
	require.EqualValues(t, 429, w.Code, "rate limited: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	require.Equal(t, "2", w.Header().Get("Retry-After"), "rate limited: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))

	w = httptest.NewRecorder()
	httpx.WriteError(w, r, logger, hanok.FieldError("age", "must be positive"))
	var body httpx.ErrorBody
	json.Unmarshal(w.Body.Bytes(), &body)
	require.EqualValues(t, 400, w.Code, "field error: %d %+v", w.Code, body)
	require.Equal(t, hanok.Invalid, body.Code, "field error: %d %+v", w.Code, body)
	require.Equal(t, "must be positive", body.Fields["age"], "field error: %d %+v", w.Code, body)
	require.Contains(t, body.Error, "age", "field error: %d %+v", w.Code, body)

	w = httptest.NewRecorder()
	httpx.WriteError(w, r, logger, errors.New("disk on fire: /secret/path"))
	require.EqualValues(t, 500, w.Code, "internal error leaked: %d %s", w.Code, w.Body.String())
	require.NotContains(t, w.Body.String(), "disk on fire", "internal error leaked: %d %s", w.Code, w.Body.String())
	require.Contains(t, logs.String(), "disk on fire", "internal error not logged: %s", logs.String())
}

func TestToken(t *testing.T) {
	cases := []struct {
		header, value, extra, want string
	}{
		{"Authorization", "Bearer abc", "", "abc"},
		{"Authorization", "bearer abc", "", "abc"},
		{"Authorization", "JWT abc", "", "abc"},
		{"Authorization", "jwt  abc ", "", "abc"},
		{"Authorization", "Basic abc", "", ""},
		{"Authorization", "abc", "", ""},
		{"X-calendar-access-token", "abc", "X-calendar-access-token", "abc"},
		{"X-calendar-access-token", "abc", "", ""},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set(c.header, c.value)
		got := httpx.Token(r, c.extra)
		assert.Equal(t, c.want, got, "%s: %q (extra %q) -> %q, want %q", c.header, c.value, c.extra, got, c.want)
	}
}

func TestRecoverAndLog(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	h := httpx.LogRequests(logger)(httpx.Recover(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("kaboom")
		}
		if r.URL.Path == "/late" {
			io.WriteString(w, "partial answer")
			http.NewResponseController(w).Flush()
			panic("late kaboom")
		}
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, "short and stout")
	})))
	srv := httptest.NewServer(h)
	defer srv.Close()

	r := testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/boom"}).Want(t, 500)
	require.NotContains(t, string(r.Body), "kaboom", "panic: the body")
	testkit.Do(t, nil, testkit.Request{URL: srv.URL + "/tea"}).Want(t, http.StatusTeapot)

	// A panic after the response began cannot become a 500: the response
	// is cut short, not completed with an error body appended.
	resp, err := http.Get(srv.URL + "/late")
	if err == nil {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Error(t, err, "late panic: complete response %d %q, want it aborted", resp.StatusCode, body)
	}

	srv.Close() // waits for the handlers, whose log lines come after the answers
	out := logs.String()
	require.Contains(t, out, `"panic":"kaboom"`, "panic not logged with stack: %s", out)
	require.Contains(t, out, "goroutine", "panic not logged with stack: %s", out)
	var teaLine map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		if m["msg"] == "request" && m["path"] == "/tea" {
			teaLine = m
		}
	}
	require.NotNil(t, teaLine, "request line: %v\nall logs: %s", teaLine, out)
	require.Equal(t, float64(418), teaLine["status"], "request line: %v\nall logs: %s", teaLine, out)
	require.Equal(t, "GET", teaLine["method"], "request line: %v\nall logs: %s", teaLine, out)
	require.Equal(t, float64(15), teaLine["bytes"], "request line: %v\nall logs: %s", teaLine, out)
	require.Contains(t, out, `"panic":"late kaboom"`, "late panic or its request line not logged: %s", out)
	require.Contains(t, out, `"path":"/late"`, "late panic or its request line not logged: %s", out)
}

func TestParseID(t *testing.T) {
	id, err := httpx.ParseID("car", "42")
	require.NoError(t, err)
	assert.Equal(t, int64(42), id)
	for _, raw := range []string{"", "0", "-1", "1.5", "abc", "99999999999999999999", " 1"} {
		_, err := httpx.ParseID("car", raw)
		assert.Equal(t, hanok.NotFound, hanok.CodeOf(err), raw)
		assert.Equal(t, fmt.Sprintf("car %q not found", raw), hanok.MessageOf(err), raw)
	}
}
