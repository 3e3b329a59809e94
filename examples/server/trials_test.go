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

	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

func TestTrialsThroughServer(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	env := map[string]string{"HANOK_TRIALS_KEY": trialstest.UpstreamKey, "HANOK_TRIALS_SOURCE": up.URL}
	s := start(t, env, "-db", "memory", "-superuser", "admin:secret123", "-trials-sync-at", "off")
	if !strings.Contains(s.out.String(), "no daily sync") {
		t.Fatalf("no word of the schedule being off:\n%s", s.out.String())
	}
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	admin := body["token"].(string)
	if code, body := s.do(t, "POST", "/trials/sync", "", ""); code != 401 || body["message"] != "INVALID_TOKEN" {
		t.Fatalf("sync without a token: %d %v", code, body)
	}
	if code, body := s.do(t, "POST", "/trials/sync", admin, ""); code != 200 || body["inserted"] != 145.0 {
		t.Fatalf("sync: %d %v", code, body)
	}
	if code, body := s.do(t, "GET", "/trials/tasks/C130010", "", ""); code != 200 || body["task_info"].(map[string]any)["number"] != "C130010" {
		t.Fatalf("task: %d %v", code, body)
	}
	if code, body := s.do(t, "GET", "/trials/tasks/search?title=코호트&limit=3", "", ""); code != 200 || body["count"] != 25.0 {
		t.Fatalf("search: %d %v", code, body)
	}
}

func TestTrialsWithoutKey(t *testing.T) {
	s := start(t, nil, "-db", "memory", "-superuser", "admin:secret123")
	if !strings.Contains(s.out.String(), "no -trials-key") {
		t.Fatalf("no word of the sync being off:\n%s", s.out.String())
	}
	_, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	if code, body := s.do(t, "POST", "/trials/sync", body["token"].(string), ""); code != 503 || body["message"] != "UNAVAILABLE" {
		t.Fatalf("sync without a source: %d %v", code, body)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"trials-sync", "-db", "memory"}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "-trials-key") {
		t.Fatalf("trials-sync without a key: %v", err)
	}
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
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run(%q) = %v, want an error naming %s", c.args, err, c.want)
		}
	}
}

// storedTrials opens the database file and counts its trials and runs.
func storedTrials(t *testing.T, path string) (int, []trials.Run) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, n, err := db.Trials().Trials(context.Background(), trials.Filter{IncludeWithdrawn: true})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := db.Trials().Runs(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
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
	if err := run(context.Background(), args, getenv, &out); err != nil {
		t.Fatalf("trials-sync: %v\n%s", err, out.String())
	}
	// Not a terminal: a line a page, then the run.
	if strings.Count(out.String(), "trials-sync pages: ") != 2 || !strings.Contains(out.String(), `"inserted": 145`) {
		t.Fatalf("output:\n%s", out.String())
	}
	if n, runs := storedTrials(t, path); n != 145 || len(runs) != 1 {
		t.Fatalf("%d trials, %d runs stored", n, len(runs))
	}

	// A failed run: exit status 1 (an error), the run recorded, no trial
	// changed.
	up.SetRecords(trialstest.RealRecords(t)[:120])
	up.Fail(2, trialstest.FailHTML)
	out.Reset()
	err := run(context.Background(), args, getenv, &out)
	if err == nil || !strings.Contains(err.Error(), "<html>") {
		t.Fatalf("failed trials-sync: %v\n%s", err, out.String())
	}
	if n, runs := storedTrials(t, path); n != 145 || len(runs) != 2 || runs[0].Error == "" || runs[0].Withdrawn != 0 {
		t.Fatalf("after a failed run: %d trials, runs %+v", n, runs)
	}

	// 25 of 145 gone is more than -trials-max-withdraw (0.10) lets go
	// unforced; -force lets them go.
	out.Reset()
	if err := run(context.Background(), args, getenv, &out); err == nil || !strings.Contains(err.Error(), "would withdraw 25 of the 145") {
		t.Fatalf("unforced large withdrawal: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), append(args, "-force"), getenv, &out); err != nil || !strings.Contains(out.String(), `"withdrawn": 25`) {
		t.Fatalf("forced trials-sync: %v\n%s", err, out.String())
	}
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
	if err == nil || !strings.Contains(err.Error(), "canceled; no trial was changed") {
		t.Fatalf("canceled trials-sync: %v\n%s", err, out.String())
	}
	// The run is recorded as it started, and its end as canceled.
	if n, runs := storedTrials(t, path); n != 0 || len(runs) != 1 || !strings.Contains(runs[0].Error, "canceled") || runs[0].Running() {
		t.Fatalf("a canceled sync stored %d trials, runs %+v", n, runs)
	}
}

func TestSyncProgress(t *testing.T) {
	var out bytes.Buffer
	show, bar := syncProgress(&out, "trials-sync pages", time.Now().Add(-time.Second))
	bar.term = true // as on a terminal
	show(trials.Progress{Page: 1, Pages: 4, Records: 100, Total: 400})
	show(trials.Progress{Page: 4, Pages: 4, Records: 400, Total: 400})
	lines := strings.Split(out.String(), "\r")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "trials-sync pages [#######                       ] 1/4  25%, 100/400 records,") ||
		!strings.HasPrefix(lines[2], "trials-sync pages [##############################] 4/4 100%, 400/400 records,") || !strings.Contains(lines[2], "records/s") {
		t.Fatalf("bar %q", out.String())
	}
	if isTerminal(&out) {
		t.Fatal("a buffer is not a terminal")
	}
	out.Reset()
	show, _ = syncProgress(&out, "trials-sync pages", time.Now())
	show(trials.Progress{Page: 2, Pages: 4, Records: 200, Total: 400})
	if got := out.String(); !strings.HasPrefix(got, "trials-sync pages: 2/4 (50%), 200/400 records,") || !strings.HasSuffix(got, "\n") {
		t.Fatalf("plain line %q", got)
	}
}
