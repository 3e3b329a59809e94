package trialshttp_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/trialshttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/apitest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// env is the adapter mounted at /trials on loopback, syncing from a fake
// upstream that serves the real records.
type env struct {
	url   string // the mount: http://127.0.0.1:port/trials
	up    *trialstest.Upstream
	clock *testkit.Clock
	svc   *trials.Service
	admin string // a superuser's token
	user  string // a plain user's token
}

func newEnv(t *testing.T, src trials.Source) *env {
	t.Helper()
	return newEnvConfig(t, trials.Config{Source: src})
}

// newEnvConfig is newEnv with the service's configuration cfg (its
// clock is the env's), and the adapter's options.
func newEnvConfig(t *testing.T, cfg trials.Config, opts ...trialshttp.Option) *env {
	t.Helper()
	ctx := context.Background()
	src := cfg.Source
	e := &env{clock: testkit.NewClock(time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC))}
	if src == nil {
		e.up = trialstest.NewUpstream(t, trialstest.RealRecords(t))
		c, err := odcloud.New(odcloud.Config{Endpoint: e.up.URL, Key: trialstest.UpstreamKey, BaseDelay: time.Millisecond, Rate: -1, Retries: 2})
		require.NoError(t, err)
		src = c
	}
	db := memory.New()
	cfg.Source, cfg.Now = src, e.clock.Now
	svc, err := trials.New(db.Trials(), cfg)
	require.NoError(t, err)
	e.svc = svc
	authn, err := auth.New(db.Auth(), auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	_, err = authn.EnsureSuperuser(ctx, "admin", "password123")
	require.NoError(t, err)
	s, err := authn.Login(ctx, auth.LoginInput{Username: "admin", Password: "password123"})
	require.NoError(t, err)
	e.admin = s.Token
	s, err = authn.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	e.user = s.Token
	mux := http.NewServeMux()
	mux.Handle("/trials/", http.StripPrefix("/trials", api.Wrap(t, trialshttp.NewHandler(svc, authn, opts...))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/trials"
	return e
}

func (e *env) get(t *testing.T, path string) testkit.Response {
	t.Helper()
	return testkit.Do(t, nil, testkit.Request{URL: e.url + path})
}

// getAs is a GET with token.
func (e *env) getAs(t *testing.T, path, token string) testkit.Response {
	t.Helper()
	return testkit.Do(t, nil, testkit.Request{URL: e.url + path, Token: token})
}

func (e *env) sync(t *testing.T, token string) testkit.Response {
	t.Helper()
	return testkit.Do(t, nil, testkit.Request{Method: http.MethodPost, URL: e.url + "/sync", Token: token})
}

func wantMessage(t *testing.T, r testkit.Response, status int, message string) map[string]any {
	t.Helper()
	r.Want(t, status)
	m := r.Map(t)
	require.Equal(t, message, m["message"], "body %s", r.Body)
	return m
}

func count(t *testing.T, r testkit.Response) (int, []map[string]any) {
	t.Helper()
	m := wantMessage(t, r, http.StatusOK, "SUCCESS")
	var items []map[string]any
	for _, it := range m["task_list"].([]any) {
		items = append(items, it.(map[string]any))
	}
	return int(m["count"].(float64)), items
}

func TestSyncAndChanges(t *testing.T) {
	e := newEnv(t, nil)
	wantMessage(t, e.sync(t, ""), http.StatusUnauthorized, "INVALID_TOKEN")
	wantMessage(t, e.sync(t, "not-a-token"), http.StatusUnauthorized, "INVALID_TOKEN")
	wantMessage(t, e.sync(t, e.user), http.StatusForbidden, "PERMISSION_DENIED")
	n, _ := count(t, e.get(t, "/tasks"))
	require.Zero(t, n, "trials before any sync")

	run := wantMessage(t, e.sync(t, e.admin), http.StatusOK, "SUCCESS")
	assert.Equal(t, 145.0, run["inserted"])
	assert.Equal(t, 2.0, run["pages"])
	assert.Equal(t, 145.0, run["total"])
	assert.Nil(t, run["error"])
	assert.Equal(t, 1.0, run["id"])
	assert.NotNil(t, run["finished_at"])
	n, items := count(t, e.get(t, "/tasks"))
	require.Equal(t, 145, n, "recent after the first sync")
	require.Len(t, items, 10)

	// A week and a day later, an identical sync: nothing is recent.
	e.clock.Add(8 * 24 * time.Hour)
	run = wantMessage(t, e.sync(t, e.admin), http.StatusOK, "SUCCESS")
	assert.Equal(t, 145.0, run["unchanged"])
	assert.Equal(t, 0.0, run["changed"])
	assert.Equal(t, 0.0, run["inserted"])
	n, _ = count(t, e.get(t, "/tasks"))
	require.Zero(t, n, "recent after an identical sync")

	// One field of one trial changes upstream, and one trial is dropped.
	e.clock.Add(24 * time.Hour)
	recs := e.up.Records()
	target := recs[3]
	recs[3].Institute = "서울대학교병원"
	dropped := recs[9].Number
	e.up.SetRecords(append(recs[:9:9], recs[10:]...))
	run = wantMessage(t, e.sync(t, e.admin), http.StatusOK, "SUCCESS")
	assert.Equal(t, 1.0, run["changed"])
	assert.Equal(t, 1.0, run["withdrawn"])
	assert.Equal(t, 143.0, run["unchanged"])
	n, items = count(t, e.get(t, "/tasks?days=7"))
	require.Equal(t, 1, n, "recent after the change")
	assert.Equal(t, target.Number, items[0]["number"])
	assert.Equal(t, "서울대학교병원", items[0]["institute"])
	for _, k := range []string{"id", "number", "title", "department", "institute", "number_of_target", "duration", "type", "trial_stage", "scope", "updated_at"} {
		assert.Contains(t, items[0], k, "a list item's field")
	}
	info := wantMessage(t, e.get(t, "/tasks/"+target.Number), http.StatusOK, "SUCCESS")["task_info"].(map[string]any)
	hist := info["history"].([]any)
	require.Len(t, hist, 1)
	h := hist[0].(map[string]any)
	assert.Equal(t, map[string]any{"field": "institute", "old": target.Institute, "new": "서울대학교병원", "run": 3.0, "changed_at": "2026-11-10T15:00:00Z"}, h)
	assert.Equal(t, "2026-11-10T15:00:00Z", info["last_changed"])
	assert.Equal(t, "2026-11-01T15:00:00Z", info["first_seen"])
	assert.Equal(t, false, info["withdrawn"])
	info = wantMessage(t, e.get(t, "/tasks/"+dropped), http.StatusOK, "SUCCESS")["task_info"].(map[string]any)
	assert.Equal(t, true, info["withdrawn"])
	assert.Equal(t, "2026-11-09T15:00:00Z", info["last_seen"])
	n, _ = count(t, e.get(t, "/tasks/search?limit=100"))
	assert.Equal(t, 144, n, "the withdrawn one is not listed")

	// A failure mid-run answers 502 with the run and changes nothing.
	before := string(e.get(t, "/tasks/export.csv").Body)
	e.clock.Add(time.Hour)
	recs[0].Title = "changed in a run that fails"
	e.up.SetRecords(recs)
	for _, f := range []trialstest.Failure{trialstest.FailHTML, trialstest.FailKey, trialstest.FailNoData} {
		e.up.Fail(2, f)
		run = wantMessage(t, e.sync(t, e.admin), http.StatusBadGateway, "SYNC_FAILED")
		assert.Contains(t, run["error"], "upstream page 2")
		assert.Equal(t, 0.0, run["inserted"])
		assert.NotEqual(t, 0.0, run["id"])
		require.Equal(t, before, string(e.get(t, "/tasks/export.csv").Body), "a failed sync changed the trials")
	}
	runs := wantMessage(t, e.getAs(t, "/sync/runs", e.admin), http.StatusOK, "SUCCESS")
	list := runs["runs"].([]any)
	require.Len(t, list, 6)
	assert.Equal(t, 6.0, runs["count"])
	assert.NotNil(t, list[0].(map[string]any)["error"])
	assert.Equal(t, 145.0, list[5].(map[string]any)["inserted"])
	r := wantMessage(t, e.getAs(t, "/sync/runs?limit=2", e.admin), http.StatusOK, "SUCCESS")
	assert.Len(t, r["runs"], 2)
	wantMessage(t, e.getAs(t, "/sync/runs?limit=x", e.admin), http.StatusBadRequest, "VALUE_ERROR")
	// The runs describe the operator's upstream: the superuser's only.
	wantMessage(t, e.get(t, "/sync/runs"), http.StatusUnauthorized, "INVALID_TOKEN")
	wantMessage(t, e.getAs(t, "/sync/runs", "not-a-token"), http.StatusUnauthorized, "INVALID_TOKEN")
	wantMessage(t, e.getAs(t, "/sync/runs", e.user), http.StatusForbidden, "PERMISSION_DENIED")
}

func TestReadAndSearch(t *testing.T) {
	e := newEnv(t, nil)
	wantMessage(t, e.sync(t, e.admin), http.StatusOK, "SUCCESS")

	info := wantMessage(t, e.get(t, "/tasks/C130010"), http.StatusOK, "SUCCESS")["task_info"].(map[string]any)
	for k, v := range map[string]any{
		"title": "조직구증식증 임상연구 네트워크 구축 및 운영(HLH)", "number_of_target": 120.0, "duration": "3년", "duration_months": 36.0,
		"type": "관찰연구", "trial_stage": "코호트", "scope": "국내다기관", "department": "Pediatrics", "institute": "서울아산병원", "history": []any{},
	} {
		assert.Equal(t, v, info[k], "C130010's %s", k)
	}
	byID := wantMessage(t, e.get(t, fmt.Sprintf("/tasks/%v", info["id"])), http.StatusOK, "SUCCESS")["task_info"].(map[string]any)
	assert.Equal(t, "C130010", byID["number"])
	noTarget := wantMessage(t, e.get(t, "/tasks/C100002"), http.StatusOK, "SUCCESS")["task_info"].(map[string]any)
	assert.Nil(t, noTarget["number_of_target"])
	assert.Equal(t, "", noTarget["number_of_target_text"])
	for _, key := range []string{"C999999", "999999", "0", "-1", "c130010", "%20"} {
		m := wantMessage(t, e.get(t, "/tasks/"+key), http.StatusNotFound, "TASK_DOES_NOT_EXIST")
		assert.Contains(t, m["detail"], "not found", key)
	}

	cases := []struct {
		query string
		want  int
	}{
		{"title=코호트", 25},
		{"title=%EC%BD%94%ED%98%B8%ED%8A%B8", 25},
		{"department=cardiology", 23},
		{"department=CARDIOLOGY&type=관찰연구", 15},
		{"trial_stage=phase+4", 17},
		{"scope=단일기관", 31},
		{"type=중재연구&scope=국내다기관", 22},
		{"institute=서울성모", 5},
		{"title=no+such+title", 0},
		{"unknown=param", 145},
		{"", 145},
	}
	for _, c := range cases {
		n, items := count(t, e.get(t, "/tasks/search?"+c.query))
		assert.Equal(t, c.want, n, "search %q", c.query)
		assert.Len(t, items, min(n, 10), "search %q", c.query)
	}
	// Pages follow one stable order and keep the total.
	var seen []string
	for offset := 0; offset < 30; offset += 7 {
		n, items := count(t, e.get(t, fmt.Sprintf("/tasks/search?title=코호트&offset=%d&limit=7", offset)))
		require.Equal(t, 25, n, "count of the page at %d", offset)
		for _, it := range items {
			seen = append(seen, it["number"].(string))
		}
	}
	require.Len(t, seen, 25)
	assert.True(t, slices.IsSorted(seen), "not ordered by number within one sync: %v", seen)
	assert.Len(t, slices.Compact(slices.Clone(seen)), 25, "a trial on two pages")

	for _, q := range []string{
		"/tasks/search?offset=abc", "/tasks/search?limit=ten", "/tasks/search?limit=0", "/tasks/search?limit=101",
		"/tasks/search?offset=-1", "/tasks/search?limit=1.5", "/tasks/search?title=%FF", "/tasks/search?institute=a%00b",
		"/tasks/search?title=" + strings.Repeat("가", 201), "/tasks?days=0", "/tasks?days=x", "/tasks?limit=-3",
		"/tasks?offset=99999999999999999999", "/tasks/export.csv?limit=x", "/tasks/export.xlsx?title=%FF",
	} {
		m := wantMessage(t, e.get(t, q), http.StatusBadRequest, "VALUE_ERROR")
		assert.NotEmpty(t, m["detail"], q)
	}
	wantMessage(t, e.get(t, "/nothing"), http.StatusNotFound, "NOT_FOUND")
	r := testkit.Do(t, nil, testkit.Request{Method: http.MethodDelete, URL: e.url + "/tasks/C130010"})
	wantMessage(t, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
	assert.NotEmpty(t, r.Header.Get("Allow"), "405 without Allow")
	wantMessage(t, testkit.Do(t, nil, testkit.Request{URL: e.url + "/sync"}), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
}

func TestExport(t *testing.T) {
	e := newEnv(t, nil)
	wantMessage(t, e.sync(t, e.admin), http.StatusOK, "SUCCESS")

	r := e.get(t, "/tasks/export.csv?title=코호트").Want(t, http.StatusOK)
	assert.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
	assert.Contains(t, r.Header.Get("Content-Disposition"), `filename="trials.csv"`)
	body := string(r.Body)
	require.True(t, strings.HasPrefix(body, "\uFEFF과제번호,"), "no BOM and header: %q", body[:30])
	assert.Len(t, strings.Split(strings.TrimSpace(body), "\n"), 26, "a header and 25 rows")
	all := e.get(t, "/tasks/export.csv").Want(t, http.StatusOK)
	assert.Len(t, strings.Split(strings.TrimSpace(string(all.Body)), "\n"), 146, "the full export")

	r = e.get(t, "/tasks/export.xlsx?department=Cardiology").Want(t, http.StatusOK)
	assert.Contains(t, r.Header.Get("Content-Type"), "spreadsheetml")
	f, err := excelize.OpenReader(bytes.NewReader(r.Body))
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("trials")
	require.NoError(t, err)
	require.Len(t, rows, 24)
	assert.Equal(t, "과제명", rows[0][1])
	assert.Equal(t, "Cardiology", rows[1][2])
	// Its filters are optional (apitest.Main checks that one request
	// goes without each): the whole mirror.
	e.get(t, "/tasks/export.xlsx").Want(t, http.StatusOK)
}

// blockingSource holds the first page until released.
type blockingSource struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingSource) Page(ctx context.Context, n int) (*trials.Page, error) {
	b.once.Do(func() { close(b.entered) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return (&trialstest.StaticSource{Records: trialstest.Synthetic(3)}).Page(ctx, n)
}

func TestOneSyncAtATime(t *testing.T) {
	src := &blockingSource{entered: make(chan struct{}), release: make(chan struct{})}
	e := newEnv(t, src)
	first := make(chan testkit.Response)
	go func() { first <- e.sync(t, e.admin) }()
	<-src.entered
	wantMessage(t, e.sync(t, e.admin), http.StatusConflict, "SYNC_IN_PROGRESS")
	close(src.release)
	run := wantMessage(t, <-first, http.StatusOK, "SUCCESS")
	assert.Equal(t, 3.0, run["inserted"])
}

func TestOpenAPI(t *testing.T) {
	e := newEnv(t, &trialstest.StaticSource{})
	doc := e.get(t, "/openapi.json").Want(t, http.StatusOK).Map(t)
	assert.Equal(t, "/trials", doc["servers"].([]any)[0].(map[string]any)["url"], "the mount point")
	var documented []string
	for path, ops := range doc["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(documented)
	routes := []string{"GET /openapi.json", "GET /sync/runs", "GET /sync/runs/{id}", "GET /tasks", "GET /tasks/export.csv", "GET /tasks/export.xlsx",
		"GET /tasks/search", "GET /tasks/{key}", "POST /sync"}
	require.Equal(t, routes, documented)
	// Every error message the renderer gives is in the document's enum.
	var enum []string
	for _, v := range doc["components"].(map[string]any)["schemas"].(map[string]any)["Error"].(map[string]any)["properties"].(map[string]any)["message"].(map[string]any)["enum"].([]any) {
		enum = append(enum, v.(string))
	}
	for _, r := range []testkit.Response{e.get(t, "/nothing"), e.get(t, "/tasks/C0"), e.get(t, "/tasks?limit=x"), e.sync(t, ""), e.sync(t, e.user),
		e.getAs(t, "/sync/runs/7", e.admin)} {
		assert.Contains(t, enum, r.Map(t)["message"], "an undocumented message")
	}
}

// With an upstream that hangs, POST /sync answers 202 within its wait,
// with the run and where to follow it; the run goes on and ends on its
// own.
func TestSyncAnswersWhileUpstreamHangs(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.Synthetic(3))
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case entered <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		up.Server.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(unblock)
	c, err := odcloud.New(odcloud.Config{Endpoint: hang.URL + trialstest.EndpointPath, Key: trialstest.UpstreamKey, Timeout: time.Minute, Rate: -1, Retries: -1})
	require.NoError(t, err)
	ended := make(chan trials.Run, 1)
	e := newEnvConfig(t, trials.Config{Source: c, OnRun: func(r trials.Run) { ended <- r }}, trialshttp.WithSyncWait(20*time.Millisecond))

	r := e.sync(t, e.admin)
	run := wantMessage(t, r, http.StatusAccepted, "SYNC_RUNNING")
	<-entered
	assert.Equal(t, 1.0, run["id"])
	assert.Nil(t, run["finished_at"])
	assert.Nil(t, run["error"])
	loc := r.Header.Get("Location")
	require.Equal(t, "/trials/sync/runs/1", loc)
	follow := strings.TrimPrefix(loc, "/trials")
	wantMessage(t, e.getAs(t, follow, e.admin), http.StatusOK, "SYNC_RUNNING")
	wantMessage(t, e.getAs(t, follow, e.user), http.StatusForbidden, "PERMISSION_DENIED")
	wantMessage(t, e.get(t, follow), http.StatusUnauthorized, "INVALID_TOKEN")
	for _, bad := range []string{"/sync/runs/2", "/sync/runs/0", "/sync/runs/x", "/sync/runs/99999999999999999999"} {
		m := wantMessage(t, e.getAs(t, bad, e.admin), http.StatusNotFound, "RUN_DOES_NOT_EXIST")
		assert.Contains(t, m["detail"], "sync run")
	}
	wantMessage(t, e.sync(t, e.admin), http.StatusConflict, "SYNC_IN_PROGRESS")

	unblock()
	done := <-ended
	assert.Equal(t, trials.RunID(1), done.ID)
	assert.Equal(t, 3, done.Inserted)
	got := wantMessage(t, e.getAs(t, follow, e.admin), http.StatusOK, "SUCCESS")
	assert.Equal(t, 3.0, got["inserted"])
	assert.NotNil(t, got["finished_at"])
	n, _ := count(t, e.get(t, "/tasks/search"))
	assert.Equal(t, 3, n)
}

// An upstream that lies fails the sync with 502 and the reason; a large
// withdrawal goes through when forced.
func TestSyncRefusesLyingUpstream(t *testing.T) {
	e := newEnv(t, nil)
	wantMessage(t, e.sync(t, e.admin), http.StatusOK, "SUCCESS")
	e.up.SetTotal(150)
	run := wantMessage(t, e.sync(t, e.admin), http.StatusBadGateway, "SYNC_FAILED")
	assert.Contains(t, run["error"], "145 records over 2 pages, and totalCount 150")
	// A total that hides the rest is consistent, and the bound holds.
	e.up.SetTotal(100)
	run = wantMessage(t, e.sync(t, e.admin), http.StatusBadGateway, "SYNC_FAILED")
	assert.Contains(t, run["error"], "would withdraw 45 of the 145 trials")
	e.up.SetTotal(-1)
	e.up.SetRecords(e.up.Records()[:100])
	run = wantMessage(t, e.sync(t, e.admin), http.StatusBadGateway, "SYNC_FAILED")
	assert.Contains(t, run["error"], "would withdraw 45 of the 145 trials")
	n, _ := count(t, e.get(t, "/tasks/search"))
	assert.Equal(t, 145, n, "a refused sync withdrew trials")
	wantMessage(t, testkit.Do(t, nil, testkit.Request{Method: http.MethodPost, URL: e.url + "/sync?force=maybe", Token: e.admin}), http.StatusBadRequest, "VALUE_ERROR")
	run = wantMessage(t, testkit.Do(t, nil, testkit.Request{Method: http.MethodPost, URL: e.url + "/sync?force=true", Token: e.admin}), http.StatusOK, "SUCCESS")
	assert.Equal(t, 45.0, run["withdrawn"])
	n, _ = count(t, e.get(t, "/tasks/search"))
	assert.Equal(t, 100, n)
}

// Whatever the upstream echoes back, the service key reaches no run
// record, no response and no log line.
func TestSyncHidesTheKey(t *testing.T) {
	for form := range trialstest.KeySpellings {
		t.Run(form, func(t *testing.T) {
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			c, err := odcloud.New(odcloud.Config{Endpoint: trialstest.NewEchoUpstream(t, form), Key: trialstest.EchoKey,
				BaseDelay: time.Millisecond, Rate: -1, Retries: 1, Logger: logger})
			require.NoError(t, err)
			e := newEnvConfig(t, trials.Config{Source: c, Logger: logger}, trialshttp.WithLogger(logger))
			var seen []string
			run := e.sync(t, e.admin)
			wantMessage(t, run, http.StatusBadGateway, "SYNC_FAILED")
			seen = append(seen, string(run.Body))
			runs := wantMessage(t, e.getAs(t, "/sync/runs", e.admin), http.StatusOK, "SUCCESS")
			require.Len(t, runs["runs"], 1)
			seen = append(seen, string(e.getAs(t, "/sync/runs", e.admin).Body))
			stored, err := e.svc.Runs(context.Background(), hanok.Actor{ID: 1, Superuser: true}, 0)
			require.NoError(t, err)
			require.Len(t, stored, 1)
			require.NotEmpty(t, stored[0].Error)
			seen = append(seen, stored[0].Error, logs.String())
			for _, text := range seen {
				for name, spelling := range trialstest.KeySpellings {
					assert.NotContains(t, text, spelling, "the key's %s spelling", name)
				}
				assert.NotContains(t, strings.ToLower(text), "ab3", "a part of the key")
			}
			assert.Contains(t, stored[0].Error, "[REDACTED]")
			assert.Contains(t, logs.String(), "sync failed")
		})
	}
}

// syncBuffer is a buffer that log handlers of several goroutines write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// api checks every exchange of this package's tests against the document.
var api = apitest.MustLoad(trialshttp.OpenAPI())

func TestMain(m *testing.M) { os.Exit(apitest.Main(m, api)) }
