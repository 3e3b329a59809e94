package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

var debugRE = regexp.MustCompile(`msg="debug listening" addr=(http://\S+)`)

// command runs a subcommand through run, as main would.
func command(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, func(k string) string { return env[k] }, &out)
	return out.String(), err
}

func mustCommand(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	out, err := command(t, env, args...)
	require.NoError(t, err, "%q: %v\n%s", args, err, out)
	return out
}

func TestServerMetricsReadyzAndRequestIDs(t *testing.T) {
	dir := t.TempDir()
	s := start(t, nil, "-db", filepath.Join(dir, "a.db"), "-media", dir, "-superuser", "admin:secret123")
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/readyz", Header: http.Header{"X-Request-Id": {"ready-1"}}}).Want(t, 200)
	require.Equal(t, "ready-1", r.Header.Get("X-Request-ID"), "X-Request-ID %q", r.Header.Get("X-Request-ID"))
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	tok := body["token"].(string)
	for _, p := range []string{"/auction/cars/", "/auction/cars/42", "/auction/cars/?page=2"} {
		testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + p, Header: http.Header{"Authorization": {"JWT " + tok}}})
	}
	r = testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/metrics"}).Want(t, 200)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	require.NoError(t, err)
	var routes []string
	for _, m := range fams["hanok_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "route" {
				routes = append(routes, l.GetValue())
				assert.NotContains(t, l.GetValue(), "42", "route label holds an id: %s", l.GetValue())
			}
		}
	}
	for _, want := range []string{"GET /cars/{$}", "GET /cars/{id}", "GET /readyz", "POST /login"} {
		assert.Contains(t, strings.Join(routes, "|"), want, "no series of %s among %q", want, routes)
	}
	assert.Len(t, fams["go_sql_open_connections"].GetMetric(), 2, "pool stats: %v", fams["go_sql_open_connections"])
	// Every line of a request carries its id: the access line here.
	require.True(t, regexp.MustCompile(`msg=request .*request_id=ready-1`).MatchString(s.out.String()), "access line without the id:\n%s", s.out.String())
}

func TestServerDebugAddr(t *testing.T) {
	s := start(t, nil, "-db", "memory", "-debug-addr", "127.0.0.1:0")
	m := debugRE.FindStringSubmatch(s.out.String())
	require.NotNil(t, m, "debug listener not logged:\n%s", s.out.String())
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz"}).Want(t, 200)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/metrics"}).Want(t, 404)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/debug/pprof/"}).Want(t, 404)
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: m[1] + "/metrics"}).Want(t, 200)
	require.Contains(t, string(r.Body), `route="GET /healthz"`, "debug metrics lack the main listener's requests:\n%s", r.Body)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: m[1] + "/debug/pprof/cmdline"}).Want(t, 200)
}

func TestServerCORSFlag(t *testing.T) {
	s := start(t, map[string]string{"HANOK_CORS_ORIGINS": "http://localhost:5173"}, "-db", "memory")
	r := testkit.Do(t, nil, testkit.Request{Method: "OPTIONS", URL: s.url + "/calendar/api/v1/events", Header: http.Header{
		"Origin": {"http://localhost:5173"}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {"x-calendar-access-token"},
	}}).Want(t, 204)
	require.Equal(t, "http://localhost:5173", r.Header.Get("Access-Control-Allow-Origin"), "preflight: %v", r.Header)
	require.Contains(t, r.Header.Get("Access-Control-Allow-Headers"), "X-calendar-access-token", "preflight: %v", r.Header)
}

func TestLogFlags(t *testing.T) {
	var out bytes.Buffer
	c, err := parseConfig([]string{"-log-format", "json", "-log-level", "warn"}, func(string) string { return "" }, &out)
	require.NoError(t, err)
	l := c.logger(&out)
	l.Info("hidden")
	l.Warn("shown", "k", 1)
	var line map[string]any
	err = json.Unmarshal(out.Bytes(), &line)
	require.NoError(t, err, "json warn logger wrote %q", out.String())
	require.Equal(t, "shown", line["msg"], "json warn logger wrote %q", out.String())
	require.Equal(t, "WARN", line["level"], "json warn logger wrote %q", out.String())
	for _, bad := range [][]string{
		{"-log-format", "xml"}, {"-log-level", "loud"}, {"-debug-addr", "nope"}, {"-cors-origins", "example.com"}, {"-cors-origins", "*,https://a.com"},
	} {
		_, err := parseConfig(bad, func(string) string { return "" }, &out)
		if assert.Error(t, err, "parseConfig(%q) = %v, want an error naming %s", bad, err, bad[0]) {
			assert.Contains(t, err.Error(), bad[0], "parseConfig(%q) = %v, want an error naming %s", bad, err, bad[0])
		}
	}
	_, err = parseConfig(nil, func(k string) string { return map[string]string{"HANOK_LOG_FORMAT": "yaml"}[k] }, &out)
	assert.Error(t, err, "HANOK_LOG_FORMAT=yaml accepted")
}

func TestUserCommands(t *testing.T) {
	db := []string{"-db", filepath.Join(t.TempDir(), "u.db"), "-media", t.TempDir()}
	pw := map[string]string{"HANOK_PASSWORD": "password123"}
	run := func(env map[string]string, args ...string) string { return mustCommand(t, env, append(db, args...)...) }
	out := run(pw, "user", "add", "-email", "root@example.com", "-superuser", "root")
	require.Contains(t, out, "created superuser root (id 1)", "user add: %s", out)
	run(pw, "user", "add", "alice")
	out = run(nil, "user", "list")
	require.True(t, regexp.MustCompile(`(?m)^1\s+root\s+root@example.com\s+true`).MatchString(out), "user list:\n%s", out)
	require.True(t, regexp.MustCompile(`(?m)^2\s+alice\s+false`).MatchString(out), "user list:\n%s", out)
	run(nil, "user", "superuser", "alice")
	run(nil, "user", "superuser", "-off", "root")
	out = run(nil, "user", "list")
	require.True(t, regexp.MustCompile(`(?m)^1\s+root\s+root@example.com\s+false`).MatchString(out), "after superuser:\n%s", out)
	require.True(t, regexp.MustCompile(`(?m)^2\s+alice\s+true`).MatchString(out), "after superuser:\n%s", out)
	run(map[string]string{"HANOK_PASSWORD": "another-pass"}, "user", "passwd", "alice")

	// The server sees the accounts.
	s := start(t, nil, db...)
	code, _ := s.do(t, "POST", "/auth/login", "", `{"username":"alice","password":"password123"}`)
	require.EqualValues(t, 401, code, "old password: %d", code)
	code, body := s.do(t, "POST", "/auth/login", "", `{"username":"alice","password":"another-pass"}`)
	require.EqualValues(t, 200, code, "new password: %d %v", code, body)
	require.Equal(t, true, body["user"].(map[string]any)["superuser"], "new password: %d %v", code, body)
	s.stop()

	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{pw, []string{"user"}, "usage: user add|passwd|list|superuser"},
		{pw, []string{"user", "delete", "x"}, `unknown command "user delete"`},
		{pw, []string{"user", "add"}, "usage: user add"},
		{pw, []string{"user", "add", "a", "b"}, "usage: user add"},
		{pw, []string{"user", "add", "ALICE"}, "user add"},
		{map[string]string{"HANOK_PASSWORD": "short"}, []string{"user", "add", "bob"}, "password"},
		{nil, []string{"user", "add", "bob"}, "no password"},
		{pw, []string{"user", "add", "-nope", "bob"}, "-nope"},
		{pw, []string{"user", "passwd", "nobody"}, `user passwd: there is no user "nobody"`},
		{pw, []string{"user", "superuser", "nobody"}, `user superuser: there is no user "nobody"`},
		{pw, []string{"user", "list", "extra"}, "usage: user list"},
		{pw, []string{"-db", "memory", "user", "list"}, "-db memory keeps nothing"},
		{pw, []string{"frobnicate"}, `unknown command "frobnicate"`},
	} {
		args := append(append([]string{}, db...), c.args...)
		out, err := command(t, c.env, args...)
		if assert.Error(t, err, "%q: %v (output %q), want an error naming %q", c.args, err, out, c.want) {
			assert.Contains(t, err.Error()+out, c.want, "%q: %v (output %q), want an error naming %q", c.args, err, out, c.want)
		}
	}
	out = run(nil, "user", "list")
	require.NotContains(t, out, "bob", "a refused command created a user:\n%s", out)
	out = mustCommand(t, nil, "help")
	require.Contains(t, out, "backup FILE", "help:\n%s", out)
	require.Contains(t, out, "auction seed [-n N]", "help:\n%s", out)
}

// catalog writes a small .xlsx catalog (브랜드 | 차종 | 모델).
func catalog(t *testing.T, rows ...[]string) string {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		require.NoError(t, f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &vals))
	}
	path := filepath.Join(t.TempDir(), "catalog.xlsx")
	require.NoError(t, f.SaveAs(path))
	return path
}

func TestAuctionCommands(t *testing.T) {
	dir := t.TempDir()
	db := []string{"-db", filepath.Join(dir, "a.db"), "-media", filepath.Join(dir, "media")}
	run := func(args ...string) string {
		return mustCommand(t, map[string]string{"HANOK_PASSWORD": "password123"}, append(db, args...)...)
	}
	file := catalog(t, []string{"브랜드", "차종", "모델"}, []string{"현대", "아반떼", "아반떼 N"}, []string{"현대", "아반떼", "아반떼 하이브리드"})
	out := run("auction", "import", file)
	require.Contains(t, out, "new: 1 brands, 1 kinds, 2 models", "import: %s", out)
	out = run("auction", "import", file)
	require.Contains(t, out, "new: 0 brands, 0 kinds, 0 models", "second import: %s", out)
	// Seeding needs a superuser.
	_, err := command(t, nil, append(db, "auction", "seed", "-n", "3")...)
	require.Error(t, err, "seed without a superuser: %v", err)
	require.Contains(t, err.Error(), "no superuser", "seed without a superuser: %v", err)
	run("user", "add", "-superuser", "admin")
	out = run("auction", "seed", "-n", "600")
	// Not a terminal: plain progress lines, one a batch.
	for _, want := range []string{"seeding cars: 500/600 (83%)\n", "seeding cars: 600/600 (100%)\n", "generated 600 test cars owned by admin\n"} {
		assert.Contains(t, out, want, "seed output lacks %q:\n%s", want, out)
	}
	assert.NotContains(t, out, "\r", "a bar drawn on a pipe: %q", out)

	s := start(t, nil, db...)
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"password123"}`)
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/auction/cars/", Header: http.Header{"Authorization": {"JWT " + body["token"].(string)}}}).Want(t, 200)
	require.Equal(t, "480", r.Header.Get("X-Total-Count"), "after seeding 600: %v", r.Header)
	require.Contains(t, r.Header.Get("Link"), `rel="next"`, "after seeding 600: %v", r.Header)
	s.stop()

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"auction"}, "usage: auction import"},
		{[]string{"auction", "sell"}, `unknown command "auction sell"`},
		{[]string{"auction", "import"}, "usage: auction import FILE.xlsx"},
		{[]string{"auction", "import", filepath.Join(dir, "missing.xlsx")}, "missing.xlsx"},
		{[]string{"auction", "import", db[1]}, "auction import"}, // not a workbook
		{[]string{"auction", "seed", "-n", "0"}, "-n 0: must be between 1 and 100000"},
		{[]string{"auction", "seed", "-n", "100001"}, "must be between"},
		{[]string{"auction", "seed", "-n", "many"}, "-n"},
		{[]string{"auction", "seed", "extra"}, "usage: auction seed"},
		{[]string{"auction", "seed", "-owner", "nobody"}, "-owner nobody"},
	} {
		out, err := command(t, nil, append(append([]string{}, db...), c.args...)...)
		if assert.Error(t, err, "%q: %v (output %q), want an error naming %q", c.args, err, out, c.want) {
			assert.Contains(t, err.Error()+out, c.want, "%q: %v (output %q), want an error naming %q", c.args, err, out, c.want)
		}
	}
}

// A backup taken while the server writes opens as a database holding
// what was written before it.
func TestBackupCommandWhileServing(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "live.db")
	s := start(t, nil, "-db", dbPath, "-media", filepath.Join(dir, "media"))
	for i := range 5 {
		code, _ := s.do(t, "POST", "/auth/register", "", fmt.Sprintf(`{"username":"before%d","password":"password123"}`, i))
		require.EqualValues(t, 201, code, "register: %d", code)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			// Not s.do: a failure here must not end the test from this goroutine.
			resp, err := http.Post(s.url+"/auth/register", "application/json", strings.NewReader(fmt.Sprintf(`{"username":"during%d","password":"password123"}`, i)))
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		}
	}()
	backup := filepath.Join(dir, "backup.db")
	out, err := command(t, nil, "-db", dbPath, "backup", backup)
	close(stop)
	wg.Wait()
	require.NoError(t, err, "backup: %v\n%s", err, out)
	require.Contains(t, out, "backed up "+dbPath+" to "+backup, "backup: %v\n%s", err, out)
	list := mustCommand(t, nil, "-db", backup, "-media", filepath.Join(dir, "media"), "user", "list")
	for i := range 5 {
		require.Contains(t, list, fmt.Sprintf("before%d", i), "before%d missing from the backup:\n%s", i, list)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-db", dbPath, "backup"}, "usage: backup FILE"},
		{[]string{"-db", dbPath, "backup", backup}, "exists"},
		{[]string{"-db", filepath.Join(dir, "none.db"), "backup", filepath.Join(dir, "b2.db")}, "none.db"},
		{[]string{"-db", "memory", "backup", filepath.Join(dir, "b3.db")}, "-db memory"},
		{[]string{"-db", "postgres://hanok:s3cret-pw@127.0.0.1:1/hanok", "backup", filepath.Join(dir, "b4.db")}, "pg_dump"},
	} {
		out, err := command(t, nil, c.args...)
		if assert.Error(t, err, "%q: %v (output %q), want an error naming %q", c.args, err, out, c.want) {
			assert.Contains(t, err.Error()+out, c.want, "%q: %v (output %q), want an error naming %q", c.args, err, out, c.want)
		}
		if err != nil && strings.Contains(err.Error()+out, "s3cret-pw") {
			t.Errorf("%q: the error shows the database password: %v", c.args, err)
		}
	}
	_, err = os.Stat(filepath.Join(dir, "none.db"))
	assert.Error(t, err, "backup of a missing database created it")
}

func TestProgressBar(t *testing.T) {
	var out bytes.Buffer
	p := &progress{out: &out, term: true, label: "seeding cars", total: 4}
	p.set(0)
	p.set(2)
	p.set(4)
	p.finish()
	want := "\rseeding cars [                              ] 0/4   0%" +
		"\rseeding cars [###############               ] 2/4  50%" +
		"\rseeding cars [##############################] 4/4 100%\n"
	require.Equal(t, want, out.String(), "bar:\n%q\nwant\n%q", out.String(), want)
	require.False(t, isTerminal(&out), "a buffer is a terminal")
}

var startingRE = regexp.MustCompile(`msg="hanok starting" addr=(http://\S+)`)

// While the database cannot be migrated (another connection holds its
// write lock), the server listens: alive, not ready. It gets ready when
// the lock is released.
func TestNotReadyWhileMigrating(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.db")
	db, err := sqlite.Open(context.Background(), path)
	require.NoError(t, err)
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	require.NoError(t, err)
	defer raw.Close()
	tx, err := raw.Begin() // BEGIN IMMEDIATE: the write lock
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-drain", "0", "-db", path, "-media", dir}, func(string) string { return "" }, out)
	}()
	url := waitFor(t, out, startingRE, done)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url + "/healthz"}).Want(t, 200)
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url + "/readyz"}).Want(t, 503)
	require.Contains(t, string(r.Body), "migrating the database", "readyz while migrating: %s", r.Body)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url + "/auction/cars/"}).Want(t, 503)
	tx.Rollback()
	waitFor(t, out, listenRE, done)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url + "/readyz"}).Want(t, 200)
	cancel()
	require.NoError(t, <-done)
}

// waitFor waits until out holds a match of re and returns its group.
func waitFor(t *testing.T, out *syncBuffer, re *regexp.Regexp, done chan error) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("server exited: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		require.False(t, time.Now().After(deadline), "no %s in:\n%s", re, out.String())
	}
}

// With -log-format json every line is a JSON object; the lines a request
// causes, its access line and the service's own, carry its id.
func TestServerJSONLogs(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-drain", "0", "-db", "memory", "-log-format", "json"}, func(string) string { return "" }, out)
	}()
	url := waitFor(t, out, regexp.MustCompile(`"msg":"hanok listening","addr":"(http://[^"]+)"`), done)
	testkit.Do(t, nil, testkit.Request{Method: "POST", URL: url + "/auth/register", Body: `{"username":"jay","password":"password123"}`,
		Header: http.Header{"X-Request-Id": {"reg-1"}}}).Want(t, 201)
	cancel()
	require.NoError(t, <-done)
	var msgs []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		err := json.Unmarshal([]byte(line), &m)
		require.NoError(t, err, "not a JSON line: %q", line)
		if m["request_id"] == "reg-1" {
			msgs = append(msgs, m["msg"].(string))
			if m["msg"] == "request" {
				assert.Equal(t, "POST /register", m["route"], "access line's route: %s", line)
				assert.Equal(t, "auth", m["service"], "access line's service: %s", line)
				assert.Equal(t, float64(201), m["status"], "access line's status: %s", line)
			}
		}
	}
	require.Equal(t, "user registered,request", strings.Join(msgs, ","), "lines of the request: %q\n%s", msgs, out.String())
}
