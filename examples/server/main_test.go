package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
)

// syncBuffer is a bytes.Buffer safe for the server's logger and the test
// to use at once.
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

var listenRE = regexp.MustCompile(`msg="hanok listening" addr=(http://\S+)`)

// server is a running run() with its base URL.
type server struct {
	url  string
	out  *syncBuffer
	stop func() error
}

// start runs the server with args on a free loopback port and waits until
// it listens.
func start(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	getenv := func(k string) string { return env[k] }
	// A free port, and the files under the test's own directory unless
	// the test names them: a test writes nothing into the tree.
	first := []string{"-addr", "127.0.0.1:0", "-drain", "0"}
	for _, f := range []string{"media", "mail-out"} {
		if _, ok := env[envName(f)]; !ok {
			first = append(first, "-"+f, filepath.Join(t.TempDir(), f))
		}
	}
	go func() { done <- run(ctx, append(first, args...), getenv, out) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listenRE.FindStringSubmatch(out.String()); m != nil {
			s := &server{url: m[1], out: out}
			var once sync.Once
			var err error
			s.stop = func() error {
				once.Do(func() { cancel(); err = <-done })
				return err
			}
			t.Cleanup(func() { s.stop() })
			return s
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("server exited before listening: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not start:\n%s", out.String())
		}
	}
}

func (s *server) do(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	r := testkit.Do(t, nil, testkit.Request{Method: method, URL: s.url + path, Token: token, Body: body})
	var m map[string]any
	json.Unmarshal(r.Body, &m)
	return r.Status, m
}

func TestServerAuthFlowSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "hanok.db")
	args := []string{"-db", db, "-media", filepath.Join(dir, "media"), "-superuser", "admin:secret123"}
	s := start(t, nil, args...)

	code, body := s.do(t, "GET", "/healthz", "", "")
	require.EqualValues(t, 200, code, "healthz: %d %v", code, body)
	require.Equal(t, "ok", body["status"], "healthz: %d %v", code, body)
	code, body = s.do(t, "POST", "/auth/register", "", `{"username":"mirim","password":"password123"}`)
	require.EqualValues(t, 201, code, "register: %d %v", code, body)
	code, body = s.do(t, "POST", "/auth/login", "", `{"username":"mirim","password":"password123"}`)
	require.EqualValues(t, 200, code, "login: %d %v", code, body)
	kept := body["token"].(string)
	_, body = s.do(t, "POST", "/auth/login", "", `{"username":"mirim","password":"password123"}`)
	dropped := body["token"].(string)
	code, _ = s.do(t, "POST", "/auth/logout", dropped, "")
	require.EqualValues(t, 200, code, "logout: %d", code)
	code, _ = s.do(t, "GET", "/auth/me", dropped, "")
	require.EqualValues(t, 401, code, "logged-out token: %d, want 401", code)
	code, body = s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	require.EqualValues(t, 200, code, "superuser login: %d %v", code, body)
	require.Equal(t, true, body["user"].(map[string]any)["superuser"], "superuser login: %d %v", code, body)
	adminToken := body["token"].(string)
	require.NoError(t, s.stop(), "shutdown")
	require.Contains(t, s.out.String(), "msg=request", "no request log lines:\n%s", s.out.String())
	require.Contains(t, s.out.String(), "path=/auth/login", "no request log lines:\n%s", s.out.String())

	// Restart on the same file: the token issued before still works, the
	// revoked one stays revoked.
	s = start(t, nil, args...)
	code, body = s.do(t, "GET", "/auth/me", kept, "")
	require.EqualValues(t, 200, code, "token after restart: %d %v", code, body)
	require.Equal(t, "mirim", body["user"].(map[string]any)["username"], "token after restart: %d %v", code, body)
	code, _ = s.do(t, "GET", "/auth/me", dropped, "")
	require.EqualValues(t, 401, code, "revoked token after restart: %d, want 401", code)
	// The restart set the same superuser password again: its tokens live on.
	code, body = s.do(t, "GET", "/auth/me", adminToken, "")
	require.EqualValues(t, 200, code, "superuser token after restart: %d %v", code, body)
	require.Equal(t, true, body["user"].(map[string]any)["superuser"], "superuser token after restart: %d %v", code, body)
}

func TestServerMemoryAndEnvironment(t *testing.T) {
	env := map[string]string{"HANOK_DB": "memory", "HANOK_SUPERUSER": "root:password123", "HANOK_MEDIA": t.TempDir()}
	s := start(t, env)
	code, body := s.do(t, "POST", "/auth/login", "", `{"username":"root","password":"password123"}`)
	require.EqualValues(t, 200, code, "superuser from the environment: %d %v", code, body)
	code, _ = s.do(t, "GET", "/nowhere", "", "")
	require.EqualValues(t, 404, code, "unknown path: %d", code)
}

func TestJWTSecretFlag(t *testing.T) {
	dir := t.TempDir()
	secret := strings.Repeat("k", 32)
	s := start(t, nil, "-db", filepath.Join(dir, "a.db"), "-jwt-secret", secret, "-media", dir)
	s.do(t, "POST", "/auth/register", "", `{"username":"x","password":"password123"}`)
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"x","password":"password123"}`)
	tok := body["token"].(string)
	s.stop()
	// The same secret, from the environment this time: the token works.
	// Without it the server signs with the secret kept in the database,
	// and the token is refused.
	s = start(t, map[string]string{"HANOK_JWT_SECRET": secret}, "-db", filepath.Join(dir, "a.db"), "-media", dir)
	code, _ := s.do(t, "GET", "/auth/me", tok, "")
	require.EqualValues(t, 200, code, "token with the secret from the environment: %d", code)
	s.stop()
	s = start(t, nil, "-db", filepath.Join(dir, "a.db"), "-media", dir)
	code, _ = s.do(t, "GET", "/auth/me", tok, "")
	require.EqualValues(t, 401, code, "token signed with -jwt-secret accepted under the generated secret: %d", code)
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-nope"}, nil, "nope"},
		{[]string{"-addr", "no-port"}, nil, "-addr"},
		{nil, map[string]string{"HANOK_ADDR": "bad"}, "-addr"},
		{[]string{"-jwt-secret", "short"}, nil, "-jwt-secret"},
		{[]string{"-superuser", "admin:"}, nil, "-superuser"},
		{[]string{"-superuser", ":password123"}, nil, "-superuser"},
		{[]string{"-addr", "127.0.0.1:0", "-superuser", "admin:short"}, map[string]string{"HANOK_DB": "memory"}, "-superuser"},
		{[]string{"-db", ""}, nil, "-db"},
		{[]string{"extra"}, nil, "extra"},
		{[]string{"-media-grace", "-1h"}, nil, "-media-grace"},
		{nil, map[string]string{"HANOK_MEDIA_GRACE": "soon"}, "HANOK_MEDIA_GRACE"},
		{[]string{"-addr", "127.0.0.1:0", "-db", "/nonexistent-dir/x.db"}, nil, "-db /nonexistent-dir/x.db"},
		{[]string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "m.db"), "-media", "/dev/null"}, nil, "-media /dev/null"},
		{[]string{"-db", "memory", "-addr", "127.0.0.1:no-such-port"}, nil, "-addr 127.0.0.1:no-such-port"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &out)
		if assert.Error(t, err, "run(%q, %v) = %v (output %q), want an error naming %q", c.args, c.env, err, out.String(), c.want) {
			assert.Contains(t, err.Error()+out.String(), c.want, "run(%q, %v) = %v (output %q), want an error naming %q", c.args, c.env, err, out.String(), c.want)
		}
	}
}

func TestEnvName(t *testing.T) {
	for flag, want := range map[string]string{"addr": "HANOK_ADDR", "jwt-secret": "HANOK_JWT_SECRET", "trials-key": "HANOK_TRIALS_KEY"} {
		got := envName(flag)
		assert.Equal(t, want, got, "envName(%q) = %q, want %q", flag, got, want)
	}
}

// TestGracefulShutdownFinishesInFlightRequest starts a request, stops the
// server while the request body is still arriving, then finishes the body:
// the request must still be answered, and run must return cleanly.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	dir := t.TempDir()
	s := start(t, nil, "-db", filepath.Join(dir, "g.db"), "-media", dir)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", s.url+"/auth/register", pr)
	req.ContentLength = -1
	type result struct {
		code int
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{code: resp.StatusCode}
	}()
	io.WriteString(pw, `{"username":"late",`)
	// The server has the request in hand once its handler counts it in
	// flight (the scrape of /metrics is the other request counted).
	require.Eventually(t, func() bool { return inFlight(s.url) >= 2 }, 10*time.Second, 5*time.Millisecond,
		"the request never reached the handler:\n%s", s.out.String())
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	// The shutdown has begun once the listener is closed.
	host := strings.TrimPrefix(s.url, "http://")
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", host)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 10*time.Second, 5*time.Millisecond, "the server never stopped listening")
	select {
	case err := <-stopped:
		t.Fatalf("server stopped with a request in flight: %v", err)
	default:
	}
	io.WriteString(pw, `"password":"password123"}`)
	pw.Close()
	r := <-res
	require.NoError(t, r.err, "in-flight request: %d, %v", r.code, r.err)
	require.EqualValues(t, 201, r.code, "in-flight request: %d, %v", r.code, r.err)
	require.NoError(t, <-stopped, "run returned")
}

// realCatalog is the original service's full car catalog, as the
// repository ships it.
const realCatalog = "../../auction/data/brand_kind_model.xlsx"

func TestAuctionFlags(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	s := start(t, nil, "-db", db, "-media", filepath.Join(dir, "media"), "-superuser", "admin:secret123",
		"-auction-catalog", realCatalog, "-auction-duration", "1h")
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	tok := body["token"].(string)

	brands := s.list(t, "/auction/cars/search/", tok)
	require.Len(t, brands, 68, "brands after importing the real catalog: %d, want 68", len(brands))

	// Test data, then approve one waiting car: its auction lasts 1h.
	code, _ := s.do(t, "POST", "/auction/cars/test/", tok, "")
	require.EqualValues(t, 200, code, "cars/test: %d", code)
	var approved map[string]any
	for id := 1; id <= 600 && approved == nil; id++ {
		code, car := s.do(t, "PUT", fmt.Sprintf("/auction/cars/%d/approval/", id), tok, "")
		if code == 200 {
			approved = car
		}
	}
	require.NotNil(t, approved, "no waiting car could be approved")
	began, _ := time.Parse(time.RFC3339Nano, approved["auction_start"].(string))
	end, _ := time.Parse(time.RFC3339Nano, approved["auction_end"].(string))
	require.Equal(t, time.Hour, end.Sub(began), "auction runs %v, want 1h (-auction-duration)", end.Sub(began))
	s.stop()

	// Restarting without -auction-catalog keeps the imported catalog and
	// does not add the built-in one.
	s = start(t, nil, "-db", db, "-media", filepath.Join(dir, "media"))
	_, body = s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	n := len(s.list(t, "/auction/cars/search/", body["token"].(string)))
	require.EqualValues(t, 68, n, "brands after restart: %d, want 68", n)
}

func TestBuiltInCatalogAndCalendarZone(t *testing.T) {
	dir := t.TempDir()
	s := start(t, map[string]string{"HANOK_CALENDAR_ZONE": "UTC"}, "-db", filepath.Join(dir, "b.db"), "-media", dir)
	_, body := s.do(t, "POST", "/auth/register", "", `{"username":"kim","password":"password123"}`)
	n := len(s.list(t, "/auction/cars/search/", body["token"].(string)))
	require.EqualValues(t, 68, n, "%d brands on first start, want the 68 of the built-in catalog", n)
	_, body = s.do(t, "POST", "/calendar/api/v1/user/", "", `{"useremail":"kim@example.com","password":"password123"}`)
	cal := body["data"].(map[string]any)["token"].(string)
	code, body := s.do(t, "POST", "/calendar/api/v1/calendar/event", cal, `{"sdate":"2026-06-19 20:00:00","edate":"2026-06-19 23:00:00","subject":"x"}`)
	require.EqualValues(t, 200, code, "create event: %d %v", code, body)
	sdate := body["data"].(map[string]any)["sdate"]
	require.Equal(t, "Fri, 19 Jun 2026 20:00:00 +0000", sdate, "sdate in -calendar-zone UTC = %v", sdate)
}

func TestServiceFlagErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-auction-duration", "-1h"}, nil, "-auction-duration"},
		{[]string{"-auction-duration", "soon"}, nil, "auction-duration"},
		{nil, map[string]string{"HANOK_AUCTION_DURATION": "soon"}, "HANOK_AUCTION_DURATION"},
		{[]string{"-calendar-zone", "Mars/Olympus"}, nil, "-calendar-zone"},
		{[]string{"-addr", "127.0.0.1:0", "-db", "memory", "-auction-catalog", "/nonexistent/catalog.xlsx"}, nil, "-auction-catalog"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		err := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &out)
		if assert.Error(t, err, "run(%q, %v) = %v, want an error naming %q", c.args, c.env, err, c.want) {
			assert.Contains(t, err.Error()+out.String(), c.want, "run(%q, %v) = %v, want an error naming %q", c.args, c.env, err, c.want)
		}
	}
}

// list GETs path with a JWT token and decodes a JSON array.
func (s *server) list(t *testing.T, path, token string) []any {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	req.Header.Set("Authorization", "JWT "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var v []any
	err = json.NewDecoder(resp.Body).Decode(&v)
	require.NoError(t, err, "GET %s: %d, %v", path, resp.StatusCode, err)
	require.EqualValues(t, 200, resp.StatusCode, "GET %s: %d, %v", path, resp.StatusCode, err)
	return v
}

// TestHelpExitsZero runs the program itself with -h (and -help): it prints
// the usage to standard output and exits with status 0.
func TestHelpExitsZero(t *testing.T) {
	if os.Getenv("HANOK_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"server"}, strings.Fields(os.Getenv("HANOK_TEST_ARGS"))...)
		main()
		os.Exit(0)
	}
	for _, arg := range []string{"-h", "-help", "--help"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelpExitsZero$")
		cmd.Env = append(os.Environ(), "HANOK_TEST_RUN_MAIN=1", "HANOK_TEST_ARGS="+arg)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		require.NoError(t, err, "server %s: %v (stderr %q)", arg, err, stderr.String())
		out := stdout.String()
		for _, want := range []string{"usage: server [flags]", "-addr", "HANOK_DB", "trials import FILE.json"} {
			assert.Contains(t, out, want, "server %s: the usage", arg)
		}
		assert.Equal(t, 1, strings.Count(out, "  -addr string\n"), "server %s: -addr in the usage, once:\n%s", arg, out)
		assert.Empty(t, stderr.String(), "server %s: stderr", arg)
	}
}

// The microblog is served at /microblog with the seed's paths, on the
// SQLite file, and its data survive a restart.
func TestServerMicroblog(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-db", filepath.Join(dir, "hanok.db"), "-media", filepath.Join(dir, "media")}
	s := start(t, nil, args...)
	code, body := s.do(t, "POST", "/microblog/signup/", "", `{"user_id":"mirim","user_name":"Mirim","user_password":"password123","user_profile":"hi"}`)
	require.EqualValues(t, 201, code, "signup: %d %v", code, body)
	require.Equal(t, "Sign Up Success", body["message"], "signup: %d %v", code, body)
	code, body = s.do(t, "POST", "/microblog/login/", "", `{"user_id":"mirim","user_password":"password123"}`)
	require.EqualValues(t, 200, code, "login: %d %v", code, body)
	require.Equal(t, "Login Success", body["message"], "login: %d %v", code, body)
	tok := body["token"].(string)
	for i := range 3 {
		code, body := s.do(t, "POST", "/microblog/tweet/", tok, fmt.Sprintf(`{"user_content":"tweet %d"}`, i))
		require.EqualValues(t, 201, code, "tweet: %d %v", code, body)
		require.Equal(t, "Tweet Success", body["message"], "tweet: %d %v", code, body)
	}
	s.stop()

	s = start(t, nil, args...)
	req, _ := http.NewRequest("GET", s.url+"/microblog/tweet/?limit=2", nil)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	link := resp.Header.Get("Link")
	require.EqualValues(t, 200, resp.StatusCode, "GET /microblog/tweet/: %d, Link %q", resp.StatusCode, link)
	require.Contains(t, link, `</microblog/tweet/?limit=2&max_id=`, "GET /microblog/tweet/: %d, Link %q", resp.StatusCode, link)
	code, body = s.do(t, "GET", "/microblog/user_auth/", tok, "")
	require.EqualValues(t, 200, code, "user_auth after restart: %d %v", code, body)
	require.Equal(t, "mirim", body["data"].(map[string]any)["user_id"], "user_auth after restart: %d %v", code, body)
}

var inFlightRE = regexp.MustCompile(`(?m)^hanok_http_requests_in_flight (\d+)$`)

// inFlight is the server's count of requests in flight, from its
// /metrics (the scrape included), or -1 if it cannot be read.
func inFlight(url string) int {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	m := inFlightRE.FindSubmatch(body)
	if err != nil || m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
