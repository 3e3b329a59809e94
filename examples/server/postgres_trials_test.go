package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// TestPostgresOneTrialsSyncAcrossServers runs two servers on one
// PostgreSQL database, both syncing from one upstream that holds its first
// answer: a sync asked of B while A's runs is refused with 409
// SYNC_IN_PROGRESS, as a second sync on one server is; once A's is done,
// B sees its trials and syncs.
func TestPostgresOneTrialsSyncAcrossServers(t *testing.T) {
	dsn := pgtest.DSN(t)
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	gate := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			close(entered)
			<-release
		})
		up.Server.Config.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(gate.Close)
	var releaseOnce sync.Once
	open := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(open) // runs before gate.Close, so that Close does not wait on a held request
	mirror := []string{"-trials-source", gate.URL + trialstest.EndpointPath, "-trials-key", trialstest.UpstreamKey, "-trials-sync-at", "off"}
	a := start(t, nil, append([]string{"-db", dsn, "-media", filepath.Join(t.TempDir(), "media"), "-superuser", "admin:secret123"}, mirror...)...)
	b := start(t, nil, append([]string{"-db", dsn, "-media", filepath.Join(t.TempDir(), "media")}, mirror...)...)

	code, body := a.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	require.EqualValues(t, 200, code, "login: %d %v", code, body)
	admin := body["token"].(string)

	type answer struct {
		status int
		body   map[string]any
		err    error
	}
	first := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", a.url+"/trials/sync", nil)
		req.Header.Set("Authorization", "Bearer "+admin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var m map[string]any
		err = json.NewDecoder(resp.Body).Decode(&m)
		first <- answer{resp.StatusCode, m, err}
	}()
	<-entered
	code, body = b.do(t, "POST", "/trials/sync", admin, "")
	require.EqualValues(t, 409, code, "sync on B while A syncs: %d %v, want 409 SYNC_IN_PROGRESS", code, body)
	require.Equal(t, "SYNC_IN_PROGRESS", body["message"], "sync on B while A syncs: %d %v, want 409 SYNC_IN_PROGRESS", code, body)
	open()
	r := <-first
	require.NoError(t, r.err, "sync on A: %d %v %v", r.status, r.body, r.err)
	require.EqualValues(t, 200, r.status, "sync on A: %d %v %v", r.status, r.body, r.err)
	require.EqualValues(t, 145.0, r.body["inserted"], "sync on A: %d %v %v", r.status, r.body, r.err)
	code, body = b.do(t, "GET", "/trials/tasks/C130010", "", "")
	require.EqualValues(t, 200, code, "A's trial on B: %d %v", code, body)
	code, body = b.do(t, "POST", "/trials/sync", admin, "")
	require.EqualValues(t, 200, code, "sync on B after A's: %d %v", code, body)
	require.EqualValues(t, 145.0, body["unchanged"], "sync on B after A's: %d %v", code, body)
	code, body = a.do(t, "GET", "/trials/sync/runs", admin, "")
	require.EqualValues(t, 200, code, "runs on A: %d %v, want A's and B's", code, body)
	require.Len(t, body["runs"].([]any), 2, "runs on A: %d %v, want A's and B's", code, body)
}

// The trials-sync command syncs a PostgreSQL database too.
func TestPostgresTrialsSyncCommand(t *testing.T) {
	dsn := pgtest.DSN(t)
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	var out bytes.Buffer
	args := []string{"trials-sync", "-db", dsn, "-trials-source", up.URL, "-trials-key", trialstest.UpstreamKey}
	err := run(context.Background(), args, func(string) string { return "" }, &out)
	require.NoError(t, err, "trials-sync: %v\n%s", err, out.String())
	require.False(t, pgtest.ContainsPassword(out.String(), dsn), "the output holds the DSN's password:\n%s", out.String())
	db, err := postgres.Open(context.Background(), dsn)
	require.NoError(t, err)
	defer db.Close()
	runs, err := db.Trials().Runs(context.Background(), 10)
	require.NoError(t, err, "runs after trials-sync: %+v %v", runs, err)
	require.Len(t, runs, 1, "runs after trials-sync: %+v %v", runs, err)
	require.EqualValues(t, 145, runs[0].Inserted, "runs after trials-sync: %+v %v", runs, err)
}
