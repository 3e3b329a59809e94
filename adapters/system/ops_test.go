package system_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// lockedBuffer is a bytes.Buffer the server's logger and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type sys struct {
	url   string
	logs  *lockedBuffer
	authn *auth.Service
	svc   *auction.Service
}

// newSys serves every service on memory stores through a real listener.
func newSys(t *testing.T, cfg system.Config) *sys {
	t.Helper()
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{})
	require.NoError(t, err)
	cal, err := calendar.New(db.Calendar(), calendar.Config{})
	require.NoError(t, err)
	logs := &lockedBuffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Auction: svc, Calendar: cal}, cfg))
	t.Cleanup(srv.Close)
	return &sys{url: srv.URL, logs: logs, authn: authn, svc: svc}
}

func (s *sys) superuser(t *testing.T) string {
	t.Helper()
	_, err := s.authn.EnsureSuperuser(context.Background(), "admin", "password123")
	require.NoError(t, err)
	r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/auction/users/login/", Body: `{"username":"admin","password":"password123"}`}).Want(t, 200)
	return r.Map(t)["token"].(string)
}

var hexID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestIDs(t *testing.T) {
	s := newSys(t, system.Config{Ready: func(context.Context) error { return errors.New("disk on fire") }})
	// A new id for a request without one, another for the next.
	a := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz"}).Want(t, 200)
	b := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz"}).Want(t, 200)
	idA, idB := a.Header.Get("X-Request-ID"), b.Header.Get("X-Request-ID")
	require.True(t, hexID.MatchString(idA), "generated ids %q, %q", idA, idB)
	require.True(t, hexID.MatchString(idB), "generated ids %q, %q", idA, idB)
	require.NotEqual(t, idB, idA, "generated ids %q, %q", idA, idB)
	// A sane incoming id is kept; a long or odd one is replaced.
	for in, keep := range map[string]bool{
		"abc-123_x.y:z":           true,
		"6f1c1a4e-2b0f-4c8e-9d1e": true,
		strings.Repeat("a", 129):  false,
		"has space":               false,
		"new\u00e9":               false,
		"<script>":                false,
	} {
		r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz", Header: http.Header{"X-Request-Id": {in}}}).Want(t, 200)
		got := r.Header.Get("X-Request-ID")
		if keep {
			assert.Equal(t, in, got, "incoming %q: echoed", in)
		} else {
			assert.Regexp(t, hexID, got, "incoming %q: a generated id instead", in)
		}
	}
	// A 5xx body names the id, and every log line of the request carries it.
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/readyz", Header: http.Header{"X-Request-Id": {"quote-me-42"}}}).Want(t, 503)
	require.Contains(t, string(r.Body), "request id quote-me-42", "503 body: %s", r.Body)
	require.NotContains(t, string(r.Body), "disk on fire", "503 body: %s", r.Body)
	var lines int
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, "quote-me-42") {
			lines++
			assert.Contains(t, line, `"request_id":"quote-me-42"`, "log line without the request_id attribute: %s", line)
		}
	}
	require.GreaterOrEqual(t, lines, 2, "log lines carrying the id (\"not ready\" and the access line):\n%s", s.logs.String())
}

func TestAccessLogNamesRouteAndUser(t *testing.T) {
	s := newSys(t, system.Config{})
	tok := s.superuser(t)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/auction/cars/77", Token: tok, Header: http.Header{"X-Request-Id": {"car-77"}}}).Want(t, 404)
	var line string
	for _, l := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(l, `"msg":"request"`) && strings.Contains(l, "car-77") {
			line = l
		}
	}
	for _, want := range []string{`"request_id":"car-77"`, `"method":"GET"`, `"service":"auction"`, `"route":"GET /cars/{id}"`, `"status":404`, `"duration":`, `"user_id":1`} {
		assert.Contains(t, line, want, "access line lacks %s: %s", want, line)
	}
}

// scrape parses GET /metrics back with the Prometheus text parser.
func scrape(t *testing.T, url string) map[string][]map[string]string {
	t.Helper()
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url}).Want(t, 200)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	require.NoError(t, err, "metrics do not parse: %v\n%s", err, r.Body)
	out := map[string][]map[string]string{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch {
			case m.Counter != nil:
				labels["value"] = fmt.Sprint(m.GetCounter().GetValue())
			case m.Gauge != nil:
				labels["value"] = fmt.Sprint(m.GetGauge().GetValue())
			case m.Histogram != nil:
				labels["value"] = fmt.Sprint(m.GetHistogram().GetSampleCount())
			}
			out[name] = append(out[name], labels)
		}
	}
	return out
}

func find(series []map[string]string, want map[string]string) map[string]string {
next:
	for _, s := range series {
		for k, v := range want {
			if s[k] != v {
				continue next
			}
		}
		return s
	}
	return nil
}

func TestMetrics(t *testing.T) {
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/m.db")
	require.NoError(t, err)
	defer db.Close()
	s := newSys(t, system.Config{DBStats: db.Stats})
	tok := s.superuser(t)
	get := func(path string, status int) {
		testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + path, Token: tok}).Want(t, status)
	}
	get("/auction/cars/123456", 404)
	get("/auction/cars/987654/", 404)
	get("/auction/cars/555/bids", 404) // redirected to .../bids/ first
	get("/auction/no/such/31337", 404)
	get("/calendar/api/v1/nope/4242", 404)
	get("/nothing/here/8080", 404)
	get("/auction/cars/", 200)
	get("/media/cars/2020/abc.png", 404)

	m := scrape(t, s.url+"/metrics")
	reqs := m["hanok_http_requests_total"]
	require.NotEmpty(t, reqs, "no hanok_http_requests_total: %v", m)
	ids := regexp.MustCompile(`123456|987654|555|31337|4242|8080|abc`)
	for _, fam := range []string{"hanok_http_requests_total", "hanok_http_request_duration_seconds"} {
		for _, l := range m[fam] {
			assert.NotRegexp(t, ids, l["route"], "%s: the route label holds a raw path", fam)
			assert.NotRegexp(t, ids, l["service"], "%s: the service label holds a raw path", fam)
		}
	}
	for _, want := range []map[string]string{
		{"service": "auction", "route": "GET /cars/{id}", "method": "GET", "code": "404"},
		{"service": "auction", "route": "GET /cars/{id}/{$}", "code": "404"},
		{"service": "auction", "route": "GET /cars/{id}/bids/{$}", "code": "307"},
		{"service": "auction", "route": "unmatched", "code": "404"},
		{"service": "calendar", "route": "unmatched", "code": "404"},
		{"service": "none", "route": "unmatched", "code": "404"},
		{"service": "auction", "route": "GET /cars/{$}", "code": "200", "value": "1"},
		{"service": "auction", "route": "POST /users/login/{$}", "code": "200"},
		{"service": "auction", "route": "GET /media/{path...}", "code": "404"},
	} {
		assert.NotNil(t, find(reqs, want), "no request series %v among %v", want, reqs)
	}
	assert.NotNil(t, find(m["hanok_http_request_duration_seconds"], map[string]string{"service": "auction", "route": "GET /cars/{$}", "value": "1"}), "no latency histogram for the list: %v", m["hanok_http_request_duration_seconds"])
	// The scrape itself is in flight while it is gathered.
	assert.NotNil(t, find(m["hanok_http_requests_in_flight"], map[string]string{"value": "1"}), "in flight: %v", m["hanok_http_requests_in_flight"])
	assert.NotNil(t, find(m["go_sql_max_open_connections"], map[string]string{"db_name": "writer", "value": "1"}), "writer pool's max open connections: %v", m["go_sql_max_open_connections"])
	assert.NotNil(t, find(m["go_sql_open_connections"], map[string]string{"db_name": "reader"}), "reader pool's open connections: %v", m["go_sql_open_connections"])
	assert.NotEmpty(t, m["go_goroutines"], "no Go runtime metrics")
}

func TestMetricsElsewhereAndPprofOnlyThere(t *testing.T) {
	reg := system.NewRegistry()
	s := newSys(t, system.Config{Registry: reg, NoMetricsRoute: true})
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/metrics"}).Want(t, 404)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/debug/pprof/"}).Want(t, 404)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz"}).Want(t, 200)
	debug := httptest.NewServer(system.DebugHandler(reg))
	defer debug.Close()
	m := scrape(t, debug.URL+"/metrics")
	assert.NotNil(t, find(m["hanok_http_requests_total"], map[string]string{"service": "system", "route": "GET /healthz", "code": "200"}), "main listener's requests not in the debug listener's metrics: %v", m["hanok_http_requests_total"])
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: debug.URL + "/debug/pprof/"}).Want(t, 200)
	require.Contains(t, string(r.Body), "goroutine", "pprof index: %s", r.Body)
}

func TestReadyz(t *testing.T) {
	var fail error
	var mu sync.Mutex
	s := newSys(t, system.Config{Ready: func(context.Context) error { mu.Lock(); defer mu.Unlock(); return fail }})
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/readyz"}).Want(t, 200)
	require.Equal(t, "ready", r.Map(t)["status"], "readyz: %s", r.Body)
	mu.Lock()
	fail = errors.New("unreachable")
	mu.Unlock()
	r = testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/readyz"}).Want(t, 503)
	m := r.Map(t)
	require.Equal(t, "unavailable", m["code"], "readyz when down: %s", r.Body)
	require.Contains(t, m["error"].(string), "not ready", "readyz when down: %s", r.Body)
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz"}).Want(t, 200)
}

func TestGate(t *testing.T) {
	g := system.NewGate("starting: migrating the database")
	srv := httptest.NewServer(g)
	defer srv.Close()
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + "/healthz"}).Want(t, 200)
	for _, path := range []string{"/readyz", "/auction/cars/"} {
		r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + path}).Want(t, 503)
		require.Contains(t, string(r.Body), "migrating the database (request id "+r.Header.Get("X-Request-ID")+")", "%s while starting: %v %s", path, r.Header, r.Body)
		require.Equal(t, "1", r.Header.Get("Retry-After"), "%s while starting: %v %s", path, r.Header, r.Body)
	}
	g.Open(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + "/readyz"}).Want(t, 418)
}

func TestCORS(t *testing.T) {
	s := newSys(t, system.Config{CORSOrigins: []string{"https://app.example.com"}})
	preflight := func(origin, method, headers string) testkit.Response {
		return testkit.Do(t, nil, testkit.Request{Method: "OPTIONS", URL: s.url + "/calendar/api/v1/events", Header: http.Header{
			"Origin": {origin}, "Access-Control-Request-Method": {method}, "Access-Control-Request-Headers": {headers},
		}})
	}
	r := preflight("https://app.example.com", "POST", "x-calendar-access-token, content-type").Want(t, 204)
	h := r.Header
	require.Equal(t, "https://app.example.com", h.Get("Access-Control-Allow-Origin"), "preflight headers: %v", h)
	require.Equal(t, "true", h.Get("Access-Control-Allow-Credentials"), "preflight headers: %v", h)
	require.Contains(t, h.Get("Access-Control-Allow-Methods"), "POST", "preflight headers: %v", h)
	require.Contains(t, h.Get("Access-Control-Allow-Methods"), "DELETE", "preflight headers: %v", h)
	require.Contains(t, h.Get("Access-Control-Allow-Headers"), "Authorization", "preflight headers: %v", h)
	require.Contains(t, h.Get("Access-Control-Allow-Headers"), "X-calendar-access-token", "preflight headers: %v", h)
	require.Contains(t, strings.Join(h.Values("Vary"), ","), "Origin", "preflight headers: %v", h)
	// Another origin gets no grant.
	r = preflight("https://evil.example.com", "POST", "authorization").Want(t, 403)
	require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), "disallowed origin granted: %v", r.Header)
	// A simple request from the allowed origin can read the id and counts.
	r = testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + "/healthz", Header: http.Header{"Origin": {"https://app.example.com"}}}).Want(t, 200)
	require.Equal(t, "https://app.example.com", r.Header.Get("Access-Control-Allow-Origin"), "simple request: %v", r.Header)
	require.Contains(t, r.Header.Get("Access-Control-Expose-Headers"), "X-Total-Count", "simple request: %v", r.Header)
	// Without an Origin nothing changes: OPTIONS is not a route.
	testkit.Do(t, nil, testkit.Request{Method: "OPTIONS", URL: s.url + "/auction/cars/"}).Want(t, 405)

	// "*": every origin, never with credentials.
	s = newSys(t, system.Config{CORSOrigins: []string{"*"}})
	r = testkit.Do(t, nil, testkit.Request{Method: "OPTIONS", URL: s.url + "/auction/cars/", Header: http.Header{"Origin": {"http://localhost:5173"}, "Access-Control-Request-Method": {"GET"}}}).Want(t, 204)
	require.Equal(t, "*", r.Header.Get("Access-Control-Allow-Origin"), "wildcard preflight: %v", r.Header)
	require.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"), "wildcard preflight: %v", r.Header)
	// CORS off by default: a preflight is just an OPTIONS request.
	s = newSys(t, system.Config{})
	r = testkit.Do(t, nil, testkit.Request{Method: "OPTIONS", URL: s.url + "/auction/cars/", Header: http.Header{"Origin": {"http://localhost:5173"}, "Access-Control-Request-Method": {"GET"}}}).Want(t, 405)
	require.Empty(t, r.Header.Get("Access-Control-Allow-Origin"), "CORS off answered: %v", r.Header)
}

func TestParseOrigins(t *testing.T) {
	got, err := system.ParseOrigins(" https://A.example.com ,http://localhost:5173, ")
	require.NoError(t, err, "ParseOrigins = %q, %v", got, err)
	require.Len(t, got, 2, "ParseOrigins = %q, %v", got, err)
	require.Equal(t, "https://a.example.com", got[0], "ParseOrigins = %q, %v", got, err)
	require.Equal(t, "http://localhost:5173", got[1], "ParseOrigins = %q, %v", got, err)
	got, err = system.ParseOrigins("")
	require.NoError(t, err, "empty: %q %v", got, err)
	require.Len(t, got, 0, "empty: %q %v", got, err)
	for _, bad := range []string{"example.com", "https://a.com/path", "ftp://a.com", "*,https://a.com", "https://u@a.com"} {
		_, err := system.ParseOrigins(bad)
		assert.Error(t, err, "ParseOrigins(%q) accepted", bad)
	}
}
