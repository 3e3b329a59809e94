package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

func TestTrialsThroughServer(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	env := map[string]string{"HANOK_TRIALS_KEY": trialstest.UpstreamKey, "HANOK_TRIALS_SOURCE": up.URL}
	s := start(t, env, "-db", "memory", "-superuser", "admin:secret123", "-trials-sync-at", "off")
	require.Contains(t, s.out.String(), "no daily sync", "no word of the schedule being off:\n%s", s.out.String())
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	admin := body["token"].(string)
	code, body := s.do(t, "POST", "/trials/sync", "", "")
	require.EqualValues(t, 401, code, "sync without a token: %d %v", code, body)
	require.Equal(t, "INVALID_TOKEN", body["message"], "sync without a token: %d %v", code, body)
	code, body = s.do(t, "POST", "/trials/sync", admin, "")
	require.EqualValues(t, 200, code, "sync: %d %v", code, body)
	require.EqualValues(t, 145.0, body["inserted"], "sync: %d %v", code, body)
	code, body = s.do(t, "GET", "/trials/tasks/C130010", "", "")
	require.EqualValues(t, 200, code, "task: %d %v", code, body)
	require.Equal(t, "C130010", body["task_info"].(map[string]any)["number"], "task: %d %v", code, body)
	code, body = s.do(t, "GET", "/trials/tasks/search?title=코호트&limit=3", "", "")
	require.EqualValues(t, 200, code, "search: %d %v", code, body)
	require.EqualValues(t, 25.0, body["count"], "search: %d %v", code, body)
}

func TestTrialsWithoutKey(t *testing.T) {
	s := start(t, nil, "-db", "memory", "-superuser", "admin:secret123")
	require.Contains(t, s.out.String(), "no -trials-key", "no word of the sync being off:\n%s", s.out.String())
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	code, body := s.do(t, "POST", "/trials/sync", body["token"].(string), "")
	require.EqualValues(t, 503, code, "sync without a source: %d %v", code, body)
	require.Equal(t, "UNAVAILABLE", body["message"], "sync without a source: %d %v", code, body)
	var out bytes.Buffer
	err := run(context.Background(), []string{"trials-sync", "-db", "memory"}, func(string) string { return "" }, &out)
	require.Error(t, err, "trials-sync without a key: %v", err)
	require.Contains(t, err.Error(), "-trials-key", "trials-sync without a key: %v", err)
}

func TestTrialsFlagErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-trials-sync-at", "25:00"}, "-trials-sync-at"},
		{[]string{"-trials-sync-at", "noon"}, "-trials-sync-at"},
		{[]string{"-trials-source", "ftp://example.com/x"}, "-trials-source"},
		{[]string{"trials-sync", "-trials-key", "k", "extra"}, "extra"},
		{[]string{"-trials-max-withdraw", "1.5"}, "-trials-max-withdraw"},
		{[]string{"-trials-max-withdraw", "none"}, "-trials-max-withdraw"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), append(c.args, "-db", "memory"), func(string) string { return "" }, &out)
		if assert.Error(t, err, "run(%q) = %v, want an error naming %s", c.args, err, c.want) {
			assert.Contains(t, err.Error(), c.want, "run(%q) = %v, want an error naming %s", c.args, err, c.want)
		}
	}
}

// storedTrials opens the database file and counts its trials and runs.
func storedTrials(t *testing.T, path string) (int, []trials.Run) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	require.NoError(t, err)
	defer db.Close()
	_, n, err := db.Trials().Trials(context.Background(), trials.Filter{IncludeWithdrawn: true})
	require.NoError(t, err)
	runs, err := db.Trials().Runs(context.Background(), 100)
	require.NoError(t, err)
	return n, runs
}

func TestTrialsSyncCommand(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	path := filepath.Join(t.TempDir(), "hanok.db")
	args := []string{"trials-sync", "-db", path, "-trials-source", up.URL}
	getenv := func(k string) string {
		if k == "HANOK_TRIALS_KEY" {
			return trialstest.UpstreamKey
		}
		return ""
	}
	var out bytes.Buffer
	err := run(context.Background(), args, getenv, &out)
	require.NoError(t, err, "trials-sync: %v\n%s", err, out.String())
	// Not a terminal: a line a page, then the run.
	require.EqualValues(t, 2, strings.Count(out.String(), "trials-sync pages: "), "output:\n%s", out.String())
	require.Contains(t, out.String(), `"inserted": 145`, "output:\n%s", out.String())
	n, runs := storedTrials(t, path)
	require.EqualValues(t, 145, n, "%d trials, %d runs stored", n, len(runs))
	require.Len(t, runs, 1, "%d trials, %d runs stored", n, len(runs))

	// A failed run: exit status 1 (an error), the run recorded, no trial
	// changed.
	up.SetRecords(trialstest.RealRecords(t)[:120])
	up.Fail(2, trialstest.FailHTML)
	out.Reset()
	err = run(context.Background(), args, getenv, &out)
	require.Error(t, err, "failed trials-sync: %v\n%s", err, out.String())
	require.Contains(t, err.Error(), "<html>", "failed trials-sync: %v\n%s", err, out.String())
	n, runs = storedTrials(t, path)
	require.EqualValues(t, 145, n, "after a failed run: %d trials, runs %+v", n, runs)
	require.Len(t, runs, 2, "after a failed run: %d trials, runs %+v", n, runs)
	require.NotEmpty(t, runs[0].Error, "after a failed run: %d trials, runs %+v", n, runs)
	require.EqualValues(t, 0, runs[0].Withdrawn, "after a failed run: %d trials, runs %+v", n, runs)

	// 25 of 145 gone is more than -trials-max-withdraw (0.10) lets go
	// unforced; -force lets them go.
	out.Reset()
	err = run(context.Background(), args, getenv, &out)
	require.Error(t, err, "unforced large withdrawal: %v\n%s", err, out.String())
	require.Contains(t, err.Error(), "would withdraw 25 of the 145", "unforced large withdrawal: %v\n%s", err, out.String())
	out.Reset()
	err = run(context.Background(), append(args, "-force"), getenv, &out)
	require.NoError(t, err, "forced trials-sync: %v\n%s", err, out.String())
	require.Contains(t, out.String(), `"withdrawn": 25`, "forced trials-sync: %v\n%s", err, out.String())
}

// Ctrl-C during the fetch cancels the sync: no trial is stored, and the
// run is recorded as canceled.
func TestTrialsSyncCommandCanceled(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "2" {
			cancel()
			<-r.Context().Done()
			return
		}
		up.Server.Config.Handler.ServeHTTP(w, r)
	}))
	defer slow.Close()
	path := filepath.Join(t.TempDir(), "hanok.db")
	args := []string{"trials-sync", "-db", path, "-trials-source", slow.URL + trialstest.EndpointPath, "-trials-key", trialstest.UpstreamKey}
	var out bytes.Buffer
	err := run(ctx, args, func(string) string { return "" }, &out)
	require.Error(t, err, "canceled trials-sync: %v\n%s", err, out.String())
	require.Contains(t, err.Error(), "canceled; no trial was changed", "canceled trials-sync: %v\n%s", err, out.String())
	// The run is recorded as it started, and its end as canceled.
	n, runs := storedTrials(t, path)
	require.EqualValues(t, 0, n, "a canceled sync stored %d trials, runs %+v", n, runs)
	require.Len(t, runs, 1, "a canceled sync stored %d trials, runs %+v", n, runs)
	require.Contains(t, runs[0].Error, "canceled", "a canceled sync stored %d trials, runs %+v", n, runs)
	require.False(t, runs[0].Running(), "a canceled sync stored %d trials, runs %+v", n, runs)
}

func TestSyncProgress(t *testing.T) {
	var out bytes.Buffer
	show, bar := syncProgress(&out, "trials-sync pages", time.Now().Add(-time.Second))
	bar.term = true // as on a terminal
	show(trials.Progress{Page: 1, Pages: 4, Records: 100, Total: 400})
	show(trials.Progress{Page: 4, Pages: 4, Records: 400, Total: 400})
	lines := strings.Split(out.String(), "\r")
	require.Len(t, lines, 3, "bar %q", out.String())
	require.True(t, strings.HasPrefix(lines[1], "trials-sync pages [#######                       ] 1/4  25%, 100/400 records,"), "bar %q", out.String())
	require.True(t, strings.HasPrefix(lines[2], "trials-sync pages [##############################] 4/4 100%, 400/400 records,"), "bar %q", out.String())
	require.Contains(t, lines[2], "records/s", "bar %q", out.String())
	require.False(t, isTerminal(&out), "a buffer is not a terminal")
	out.Reset()
	show, _ = syncProgress(&out, "trials-sync pages", time.Now())
	show(trials.Progress{Page: 2, Pages: 4, Records: 200, Total: 400})
	got := out.String()
	require.True(t, strings.HasPrefix(got, "trials-sync pages: 2/4 (50%), 200/400 records,"), "plain line %q", got)
	require.True(t, strings.HasSuffix(got, "\n"), "plain line %q", got)
}
