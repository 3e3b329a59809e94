// Package testkit holds the helpers every hanok test shares: a settable
// clock for Config.Now, and one HTTP-call helper for adapter tests that run
// a real server on loopback.
package testkit

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Clock is a settable, concurrency-safe clock. Its Now method is what a
// service's Config.Now takes.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Response is what Do read back: status, headers and the whole body.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a value of type T, failing the test if it is
// not JSON of that shape.
func JSON[T any](t testing.TB, r Response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("response body is not JSON of %T: %v\n%s", v, err, r.Body)
	}
	return v
}

// Map decodes the body as a JSON object.
func (r Response) Map(t testing.TB) map[string]any {
	t.Helper()
	return JSON[map[string]any](t, r)
}

// Request describes one call of Do.
type Request struct {
	Method string
	URL    string
	// Body is sent as is: a string, []byte or io.Reader, or any other
	// value encoded as JSON. nil sends no body.
	Body any
	// Header is added to the request; ContentType defaults to
	// application/json when there is a body.
	Header http.Header
	// Token, if set, is sent as "Authorization: Bearer <Token>".
	Token string
}

// Do sends req with client (http.DefaultClient if nil) and reads the whole
// response. A transport error fails the test.
func Do(t testing.TB, client *http.Client, req Request) Response {
	t.Helper()
	if client == nil {
		client = http.DefaultClient
	}
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	case io.Reader:
		body = b
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("encoding request body: %v", err)
		}
		body = bytes.NewReader(data)
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	hr, err := http.NewRequest(method, req.URL, body)
	if err != nil {
		t.Fatalf("building request %s %s: %v", method, req.URL, err)
	}
	for k, vs := range req.Header {
		for _, v := range vs {
			hr.Header.Add(k, v)
		}
	}
	if body != nil && hr.Header.Get("Content-Type") == "" {
		hr.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		hr.Header.Set("Authorization", "Bearer "+req.Token)
	}
	resp, err := client.Do(hr)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.URL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, req.URL, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Want fails the test unless r has the status, showing the body if not.
func (r Response) Want(t testing.TB, status int) Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// ModuleFile returns the path of rel, a slash-separated path from the
// module's root (the directory of go.mod), found by walking up from the
// test's working directory. Tests read the project's own data this way
// (testdata/ at the root, auction/data/), never anything outside the
// repository.
func ModuleFile(tb testing.TB, rel string) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("working directory: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, filepath.FromSlash(rel))
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above %s: cannot find %s", dir, rel)
		}
		dir = parent
	}
}
