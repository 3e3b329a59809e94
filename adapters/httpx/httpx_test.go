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

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
		if got := httpx.Status(code); got != status {
			t.Errorf("Status(%q) = %d, want %d", code, got, status)
		}
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
	if err != nil || p.Name != "kim" || p.Age != 30 || len(p.Tags) != 1 || !p.Inner.OK {
		t.Fatalf("good body: %+v, %v", p, err)
	}
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
		if hanok.CodeOf(err) != hanok.Invalid {
			t.Errorf("%s: %v, want Invalid", c.name, err)
			continue
		}
		msg := hanok.MessageOf(err)
		if !strings.Contains(msg, c.contains) {
			t.Errorf("%s: message %q does not say %q", c.name, msg, c.contains)
		}
		if c.field != "" && hanok.FieldsOf(err)[c.field] == "" {
			t.Errorf("%s: fields %v do not name %q", c.name, hanok.FieldsOf(err), c.field)
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
		if hanok.CodeOf(err) != hanok.Invalid || hanok.MessageOf(err) == "" {
			t.Fatalf("Unmarshal(%q) = %v, want Invalid with a message", data, err)
		}
	})
}

func TestWriteErrorAndRetryAfter(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	r := httptest.NewRequest("GET", "/x", nil)

	w := httptest.NewRecorder()
	httpx.WriteError(w, r, logger, &hanok.Error{Code: hanok.RateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond})
	if w.Code != 429 || w.Header().Get("Retry-After") != "2" {
		t.Fatalf("rate limited: %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}

	w = httptest.NewRecorder()
	httpx.WriteError(w, r, logger, hanok.FieldError("age", "must be positive"))
	var body httpx.ErrorBody
	json.Unmarshal(w.Body.Bytes(), &body)
	if w.Code != 400 || body.Code != hanok.Invalid || body.Fields["age"] != "must be positive" || !strings.Contains(body.Error, "age") {
		t.Fatalf("field error: %d %+v", w.Code, body)
	}

	w = httptest.NewRecorder()
	httpx.WriteError(w, r, logger, errors.New("disk on fire: /secret/path"))
	if w.Code != 500 || strings.Contains(w.Body.String(), "disk on fire") {
		t.Fatalf("internal error leaked: %d %s", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Fatalf("internal error not logged: %s", logs.String())
	}
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
		if got := httpx.Token(r, c.extra); got != c.want {
			t.Errorf("%s: %q (extra %q) -> %q, want %q", c.header, c.value, c.extra, got, c.want)
		}
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

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || strings.Contains(string(body), "kaboom") {
		t.Fatalf("panic: %d %s", resp.StatusCode, body)
	}
	resp, err = http.Get(srv.URL + "/tea")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	// A panic after the response began cannot become a 500: the response
	// is cut short, not completed with an error body appended.
	resp, err = http.Get(srv.URL + "/late")
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Fatalf("late panic: complete response %d %q, want it aborted", resp.StatusCode, body)
		}
	}

	srv.Close() // waits for the handlers, whose log lines come after the answers
	out := logs.String()
	if !strings.Contains(out, `"panic":"kaboom"`) || !strings.Contains(out, "goroutine") {
		t.Fatalf("panic not logged with stack: %s", out)
	}
	var teaLine map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		json.Unmarshal([]byte(line), &m)
		if m["msg"] == "request" && m["path"] == "/tea" {
			teaLine = m
		}
	}
	if teaLine == nil || teaLine["status"] != float64(418) || teaLine["method"] != "GET" || teaLine["bytes"] != float64(15) {
		t.Fatalf("request line: %v\nall logs: %s", teaLine, out)
	}
	if !strings.Contains(out, `"panic":"late kaboom"`) || !strings.Contains(out, `"path":"/late"`) {
		t.Fatalf("late panic or its request line not logged: %s", out)
	}
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
