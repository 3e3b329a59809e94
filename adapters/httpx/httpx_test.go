package httpx_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
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

func TestRequireUser(t *testing.T) {
	ctx := context.Background()
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := authn.Register(ctx, auth.RegisterInput{Username: "u", Password: "password123"})
	var gotErr error
	mw := httpx.RequireUser(authn, httpx.AuthOptions{Header: "X-Token", OnError: func(w http.ResponseWriter, r *http.Request, err error) {
		gotErr = err
		w.WriteHeader(401)
	}})
	srv := httptest.NewServer(mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := httpx.UserFrom(r.Context())
		if !ok || httpx.TokenFrom(r.Context()) == "" {
			t.Error("no user or token in context")
		}
		io.WriteString(w, u.Username)
	})))
	defer srv.Close()

	get := func(header, value string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("X-Token", s.Token); code != 200 || body != "u" {
		t.Fatalf("custom header: %d %q", code, body)
	}
	if code, body := get("Authorization", "Bearer "+s.Token); code != 200 || body != "u" {
		t.Fatalf("bearer: %d %q", code, body)
	}
	gotErr = nil
	if code, _ := get("", ""); code != 401 || gotErr != httpx.ErrNoToken {
		t.Fatalf("no token: %d, err %v", code, gotErr)
	}
	if code, _ := get("Authorization", "Bearer nope"); code != 401 || gotErr == httpx.ErrNoToken || hanok.CodeOf(gotErr) != hanok.Unauthenticated {
		t.Fatalf("bad token: %d, err %v", code, gotErr)
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

// brokenStore fails every revocation check, as a database that is down.
type brokenStore struct{ auth.Store }

func (brokenStore) IsRevoked(context.Context, string) (bool, error) {
	return false, errors.New("database is down")
}

// TestRequireUserDefaultLogsInternalErrors: without OnError, a failure of
// the store while authenticating answers 500 without details and is
// logged to the given logger, not lost.
func TestRequireUserDefaultLogsInternalErrors(t *testing.T) {
	ctx := context.Background()
	mem := memory.New().Auth()
	good, _ := auth.New(mem, auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	s, err := good.Register(ctx, auth.RegisterInput{Username: "u", Password: "password123"})
	if err != nil {
		t.Fatal(err)
	}
	broken, _ := auth.New(brokenStore{mem}, auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})

	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	h := httpx.RequireUser(broken, httpx.AuthOptions{Logger: logger})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("handler reached with a failing store")
	}))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", "Bearer "+s.Token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 500 || strings.Contains(w.Body.String(), "database is down") {
		t.Fatalf("store failure: %d %s", w.Code, w.Body.String())
	}
	if !strings.Contains(logs.String(), "database is down") {
		t.Fatalf("store failure not logged: %q", logs.String())
	}
}
