package odcloud_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// client returns a client of up with short waits: the tests assert what
// happens, never how long it takes.
func client(t *testing.T, endpoint, key string) *odcloud.Client {
	t.Helper()
	c, err := odcloud.New(odcloud.Config{Endpoint: endpoint, Key: key, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, Rate: -1, Retries: 3})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wantUnavailable(t *testing.T, err error, parts ...string) {
	t.Helper()
	if hanok.CodeOf(err) != hanok.Unavailable {
		t.Fatalf("error %v, want Unavailable", err)
	}
	msg := hanok.MessageOf(err)
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q lacks %q", msg, p)
		}
	}
	if strings.Contains(err.Error(), trialstest.UpstreamKey) || strings.Contains(msg, trialstest.UpstreamKey) {
		t.Errorf("error shows the key: %v", err)
	}
}

func TestPages(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	c := client(t, up.URL, trialstest.UpstreamKey)
	p, err := c.Page(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 145 || p.PerPage != 100 || len(p.Records) != 100 || p.Records[0].Number != "C130010" || p.Records[0].Phase != "코호트" {
		t.Fatalf("page 1: total %d per %d, %d records, first %+v", p.Total, p.PerPage, len(p.Records), p.Records[0])
	}
	p, err = c.Page(context.Background(), 2)
	if err != nil || len(p.Records) != 45 {
		t.Fatalf("page 2: %v %v", p, err)
	}
	if _, err := c.Page(context.Background(), 0); hanok.CodeOf(err) != hanok.Invalid {
		t.Fatalf("page 0: %v", err)
	}
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	up := trialstest.NewUpstream(t, trialstest.Synthetic(3))
	c := client(t, up.URL, trialstest.UpstreamKey)

	up.Fail(0, trialstest.Fail500)
	if _, err := c.Page(ctx, 1); err != nil || up.Requests() != 2 {
		t.Fatalf("500 then success: %v after %d requests", err, up.Requests())
	}
	up.Fail(0, trialstest.FailQuota, trialstest.FailQuota)
	if _, err := c.Page(ctx, 1); err != nil || up.Requests() != 5 {
		t.Fatalf("-10 twice then success: %v after %d requests", err, up.Requests())
	}
	up.Fail(0, trialstest.FailQuota, trialstest.FailQuota, trialstest.FailQuota, trialstest.FailQuota, trialstest.FailQuota)
	_, err := c.Page(ctx, 1)
	wantUnavailable(t, err, "-10", "quota", "gave up after 4 attempts")
	if up.Requests() != 9 {
		t.Fatalf("%d requests, want 4 more", up.Requests())
	}
}

func TestNoRetry(t *testing.T) {
	ctx := context.Background()
	up := trialstest.NewUpstream(t, trialstest.Synthetic(3))
	c := client(t, up.URL, trialstest.UpstreamKey)
	cases := []struct {
		fail  trialstest.Failure
		parts []string
	}{
		{trialstest.FailKey, []string{"upstream page 1", "-4", "service key is wrong", "등록되지 않은 인증키"}},
		{trialstest.FailHTML, []string{"not a JSON object", "<html><body><h1>Service temporarily unavailable"}},
		{trialstest.FailNoData, []string{`(no "data")`, `{\"page\":1`}},
	}
	for _, tc := range cases {
		before := up.Requests()
		up.Fail(0, tc.fail)
		_, err := c.Page(ctx, 1)
		wantUnavailable(t, err, tc.parts...)
		if up.Requests() != before+1 {
			t.Errorf("failure %d was retried", tc.fail)
		}
	}
	// A wrong key and no key are the upstream's -4 and -401.
	_, err := client(t, up.URL, "not-registered-7Q").Page(ctx, 1)
	wantUnavailable(t, err, "-4", "service key is wrong")
	if _, err := odcloud.New(odcloud.Config{Endpoint: up.URL}); hanok.CodeOf(err) != hanok.Invalid {
		t.Fatalf("no key: %v", err)
	}
	if _, err := odcloud.New(odcloud.Config{Endpoint: "ftp://x", Key: "k"}); hanok.CodeOf(err) != hanok.Invalid {
		t.Fatalf("bad endpoint: %v", err)
	}
}

func TestNetworkError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL + trialstest.EndpointPath
	srv.Close()
	_, err := client(t, endpoint, trialstest.UpstreamKey).Page(context.Background(), 1)
	wantUnavailable(t, err, "GET "+endpoint, "gave up after 4 attempts")
}

func TestKeyEncoding(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RawQuery)
		fmt.Fprint(w, `{"page":1,"perPage":100,"totalCount":0,"currentCount":0,"matchCount":0,"data":[]}`)
	}))
	defer srv.Close()
	for _, key := range []string{"a+b/c==", "a%2Bb%2Fc%3D%3D"} {
		if _, err := client(t, srv.URL+"/x?returnType=JSON", key).Page(context.Background(), 3); err != nil {
			t.Fatal(err)
		}
	}
	want := "page=3&perPage=100&returnType=JSON&serviceKey=a%2Bb%2Fc%3D%3D"
	if len(got) != 2 || got[0] != want || got[1] != want {
		t.Fatalf("queries %q, want %q twice", got, want)
	}
}

func TestCanceled(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.Synthetic(3))
	up.Fail(0, trialstest.Fail500, trialstest.Fail500, trialstest.Fail500)
	c, _ := odcloud.New(odcloud.Config{Endpoint: up.URL, Key: trialstest.UpstreamKey, BaseDelay: time.Hour, Rate: -1})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for up.Requests() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := c.Page(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled during a backoff: %v", err)
	}
}

// syncer is a service over a memory store that syncs from up.
func syncer(t *testing.T, up *trialstest.Upstream, clock *testkit.Clock) *trials.Service {
	t.Helper()
	svc, err := trials.New(memory.New().Trials(), trials.Config{Source: client(t, up.URL, trialstest.UpstreamKey), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// state is every stored trial with its history, for before/after
// comparisons.
func state(t *testing.T, svc *trials.Service) string {
	t.Helper()
	ctx := context.Background()
	list, err := svc.Export(ctx, trials.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, tr := range list {
		d, err := svc.Get(ctx, tr.Number)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%+v %d\n", d.Trial.Record(), len(d.History))
		fmt.Fprintln(&b, d.ID, d.FirstSeen, d.LastChanged, d.LastSeen, d.Withdrawn)
	}
	return b.String()
}

func TestSyncAgainstFakeUpstream(t *testing.T) {
	ctx := context.Background()
	real := trialstest.RealRecords(t)
	up := trialstest.NewUpstream(t, real)
	clock := testkit.NewClock(time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC))
	svc := syncer(t, up, clock)
	mustRun := func() *trials.Run {
		t.Helper()
		run, err := svc.RunSync(ctx, trials.SyncOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return run
	}

	if run := mustRun(); run.Inserted != 145 || run.Pages != 2 || run.Total != 145 {
		t.Fatalf("first sync %+v", run)
	}
	first := state(t, svc)

	clock.Add(24 * time.Hour)
	if run := mustRun(); run.Unchanged != 145 || run.Inserted+run.Changed+run.Withdrawn != 0 {
		t.Fatalf("identical sync %+v", run)
	}
	if d, _ := svc.Get(ctx, "C130010"); !d.LastChanged.Equal(clock.Now().Add(-24*time.Hour)) || !d.LastSeen.Equal(clock.Now()) {
		t.Fatalf("identical sync moved LastChanged or kept LastSeen: %+v", d.Trial)
	}

	// Ten days on, one field of one trial changes, one is dropped, one
	// added.
	clock.Add(10 * 24 * time.Hour)
	recs := up.Records()
	recs[5].Duration = "2년"
	dropped := recs[7].Number
	recs = append(recs[:7], recs[8:]...)
	recs = append(recs, trials.Record{Number: "C999001", Title: "새 과제", StudyType: "기타"})
	up.SetRecords(recs)
	run := mustRun()
	if run.Changed != 1 || run.Withdrawn != 1 || run.Inserted != 1 || run.Unchanged != 143 {
		t.Fatalf("changing sync %+v", run)
	}
	recent, err := svc.Recent(ctx, 7, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if recent.Total != 2 || recent.Trials[0].Number != recs[5].Number || recent.Trials[1].Number != "C999001" {
		t.Fatalf("recent after the change: %+v", recent)
	}
	d, _ := svc.Get(ctx, recs[5].Number)
	if len(d.History) != 1 || d.History[0].Field != trials.FieldDuration || d.History[0].New != "2년" || d.History[0].Run != run.ID || *d.DurationMonths != 24 {
		t.Fatalf("changed trial %+v history %+v", d.Trial, d.History)
	}
	if d, _ := svc.Get(ctx, dropped); !d.Withdrawn {
		t.Fatalf("dropped trial not withdrawn: %+v", d.Trial)
	}
	if first == state(t, svc) {
		t.Fatal("state did not change")
	}

	// A failure on the second page, of every kind, leaves the store as
	// it was.
	before := state(t, svc)
	up.SetRecords(trialstest.RealRecords(t)[:120])
	for _, f := range []trialstest.Failure{trialstest.FailKey, trialstest.FailHTML, trialstest.FailNoData} {
		clock.Add(time.Hour)
		up.Fail(2, f)
		run, err := svc.RunSync(ctx, trials.SyncOptions{})
		if hanok.CodeOf(err) != hanok.Unavailable || run.Error == "" || run.ID == 0 {
			t.Fatalf("failure %d: %+v %v", f, run, err)
		}
		if after := state(t, svc); after != before {
			t.Fatalf("failure %d changed the store", f)
		}
	}
	up.Fail(2, trialstest.Fail500, trialstest.Fail500, trialstest.Fail500, trialstest.Fail500)
	if _, err := svc.RunSync(ctx, trials.SyncOptions{}); hanok.CodeOf(err) != hanok.Unavailable {
		t.Fatalf("500s on page 2: %v", err)
	}
	if after := state(t, svc); after != before {
		t.Fatal("500s changed the store")
	}
	// -10 then success on page 2 is a good run (forced: it withdraws
	// 26 of 145).
	up.Fail(2, trialstest.FailQuota)
	run, err = svc.RunSync(ctx, trials.SyncOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, 26, run.Withdrawn)
	assert.Equal(t, 2, run.Changed)
}

func TestErrorsHideTheKey(t *testing.T) {
	for form := range trialstest.KeySpellings {
		t.Run(form, func(t *testing.T) {
			var logs strings.Builder
			c, err := odcloud.New(odcloud.Config{Endpoint: trialstest.NewEchoUpstream(t, form), Key: trialstest.EchoKey, BaseDelay: time.Millisecond, Rate: -1, Retries: 1,
				Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			require.NoError(t, err)
			_, err = c.Page(context.Background(), 1)
			require.Error(t, err)
			assert.Equal(t, hanok.Unavailable, hanok.CodeOf(err))
			for name, spelling := range trialstest.KeySpellings {
				for _, text := range []string{err.Error(), hanok.MessageOf(err), logs.String()} {
					assert.NotContains(t, text, spelling, "the key's %s spelling", name)
					assert.NotContains(t, strings.ToLower(text), "ab3", "part of the key")
				}
			}
			assert.Contains(t, hanok.MessageOf(err), "[REDACTED]")
		})
	}
}

// An upstream that lies, in each of the ways it was seen to (issue 20),
// fails the run, which says why and changes nothing; a withdrawal above
// the bound goes through only when forced.
func TestLyingUpstreams(t *testing.T) {
	ctx := context.Background()
	recs := trialstest.Synthetic(250)
	up := trialstest.NewUpstream(t, recs)
	clock := testkit.NewClock(time.Date(2026, 11, 1, 15, 0, 0, 123456000, time.UTC))
	svc := syncer(t, up, clock)
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	require.Equal(t, 250, run.Inserted)
	before := state(t, svc)

	dupes := append(append([]trials.Record(nil), recs[:100]...), recs[:100]...)
	dupes = append(dupes, recs[200:]...)
	noKey := append([]trials.Record(nil), recs...)
	for i := 100; i < 200; i++ {
		noKey[i].Number = ""
	}
	cases := []struct {
		name    string
		records []trials.Record
		total   int
		want    error
		reason  string
	}{
		{"250 served, totalCount 150", recs, 150, trials.ErrInconsistent, "200 records over 2 pages, and totalCount 150"},
		{"duplicate ids on page 2", dupes, -1, trials.ErrInconsistent, "is the key of records 1 and 101"},
		{"records missing 과제번호", noKey, -1, trials.ErrInconsistent, "100 records without a valid 과제번호"},
		{"totalCount 0 with 250 stored", nil, -1, trials.ErrTooManyWithdrawals, "withdraw 250 of the 250 trials"},
		{"a withdrawal above 10%", recs[:200], -1, trials.ErrTooManyWithdrawals, "withdraw 50 of the 250 trials in the mirror, more than the 25"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clock.Add(time.Hour)
			up.SetRecords(c.records)
			up.SetTotal(c.total)
			run, err := svc.RunSync(ctx, trials.SyncOptions{})
			require.ErrorIs(t, err, c.want)
			assert.Equal(t, hanok.Unavailable, hanok.CodeOf(err))
			require.NotNil(t, run)
			assert.Contains(t, run.Error, c.reason)
			assert.Contains(t, run.Error, "nothing was changed")
			assert.Zero(t, run.Withdrawn)
			runs, err := svc.Runs(ctx, hanok.Actor{ID: 1, Superuser: true}, 1)
			require.NoError(t, err)
			require.Len(t, runs, 1)
			assert.Equal(t, run.ID, runs[0].ID, "case %d", i)
			assert.Equal(t, run.Error, runs[0].Error, "the run's record says why")
			assert.Equal(t, before, state(t, svc), "the store changed")
		})
	}

	// The operator who knows that 50 trials went away forces it.
	up.SetRecords(recs[:200])
	up.SetTotal(-1)
	clock.Add(time.Hour)
	run, err = svc.RunSync(ctx, trials.SyncOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, 50, run.Withdrawn)
	assert.Equal(t, 200, run.Unchanged)
	d, err := svc.Get(ctx, recs[249].Number)
	require.NoError(t, err)
	assert.True(t, d.Withdrawn)
	// Forcing lifts the bound only: a lying upstream still fails.
	up.SetTotal(150)
	_, err = svc.RunSync(ctx, trials.SyncOptions{Force: true})
	require.ErrorIs(t, err, trials.ErrInconsistent)
}
