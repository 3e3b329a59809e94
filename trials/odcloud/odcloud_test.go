package odcloud_test

import (
	"context"
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
	require.NoError(t, err)
	return c
}

func wantUnavailable(t *testing.T, err error, parts ...string) {
	t.Helper()
	require.Equal(t, hanok.Unavailable, hanok.CodeOf(err), "error %v", err)
	msg := hanok.MessageOf(err)
	for _, p := range parts {
		assert.Contains(t, msg, p)
	}
	assert.NotContains(t, err.Error(), trialstest.UpstreamKey, "the error shows the key")
}

func TestPages(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	c := client(t, up.URL, trialstest.UpstreamKey)
	p, err := c.Page(context.Background(), 1)
	require.NoError(t, err)
	assert.Equal(t, 145, p.Total)
	assert.Equal(t, 100, p.PerPage)
	require.Len(t, p.Records, 100)
	require.NotNil(t, p.Current)
	assert.Equal(t, 100, *p.Current)
	assert.Equal(t, "C130010", p.Records[0].Number)
	assert.Equal(t, "코호트", p.Records[0].Phase)
	p, err = c.Page(context.Background(), 2)
	require.NoError(t, err)
	assert.Len(t, p.Records, 45)
	_, err = c.Page(context.Background(), 0)
	assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "page 0: %v", err)
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	up := trialstest.NewUpstream(t, trialstest.Synthetic(3))
	c := client(t, up.URL, trialstest.UpstreamKey)

	up.Fail(0, trialstest.Fail500)
	_, err := c.Page(ctx, 1)
	require.NoError(t, err, "500 then success")
	assert.Equal(t, 2, up.Requests())
	up.Fail(0, trialstest.FailQuota, trialstest.FailQuota)
	_, err = c.Page(ctx, 1)
	require.NoError(t, err, "-10 twice then success")
	assert.Equal(t, 5, up.Requests())
	up.Fail(0, trialstest.FailQuota, trialstest.FailQuota, trialstest.FailQuota, trialstest.FailQuota, trialstest.FailQuota)
	_, err = c.Page(ctx, 1)
	wantUnavailable(t, err, "-10", "quota", "gave up after 4 attempts")
	assert.Equal(t, 9, up.Requests(), "4 more requests")
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
		assert.Equal(t, before+1, up.Requests(), "failure %d was retried", tc.fail)
	}
	// A wrong key and no key are the upstream's -4 and -401.
	_, err := client(t, up.URL, "not-registered-7Q").Page(ctx, 1)
	wantUnavailable(t, err, "-4", "service key is wrong")
	_, err = odcloud.New(odcloud.Config{Endpoint: up.URL})
	assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "no key: %v", err)
	_, err = odcloud.New(odcloud.Config{Endpoint: "ftp://x", Key: "k"})
	assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "bad endpoint: %v", err)
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
		_, err := client(t, srv.URL+"/x?returnType=JSON", key).Page(context.Background(), 3)
		require.NoError(t, err)
	}
	want := "page=3&perPage=100&returnType=JSON&serviceKey=a%2Bb%2Fc%3D%3D"
	assert.Equal(t, []string{want, want}, got)
}

// A request canceled during a backoff ends at once.
func TestCanceled(t *testing.T) {
	served := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		select {
		case served <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(srv.Close)
	c, err := odcloud.New(odcloud.Config{Endpoint: srv.URL + trialstest.EndpointPath, Key: trialstest.UpstreamKey, BaseDelay: time.Hour, Rate: -1})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-served
		cancel()
	}()
	_, err = c.Page(ctx, 1)
	require.ErrorIs(t, err, context.Canceled, "canceled during a backoff")
}

// syncer is a service over a memory store that syncs from up.
func syncer(t *testing.T, up *trialstest.Upstream, clock *testkit.Clock) *trials.Service {
	t.Helper()
	svc, err := trials.New(memory.New().Trials(), trials.Config{Source: client(t, up.URL, trialstest.UpstreamKey), Now: clock.Now})
	require.NoError(t, err)
	return svc
}

// state is every stored trial with its history, for before/after
// comparisons.
func state(t *testing.T, svc *trials.Service) string {
	t.Helper()
	ctx := context.Background()
	list, err := svc.Export(ctx, trials.Query{})
	require.NoError(t, err)
	var b strings.Builder
	for _, tr := range list {
		d, err := svc.Get(ctx, tr.Number)
		require.NoError(t, err)
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
		require.NoError(t, err)
		return run
	}

	run := mustRun()
	assert.Equal(t, 145, run.Inserted)
	assert.Equal(t, 2, run.Pages)
	assert.Equal(t, 145, run.Total)
	first := state(t, svc)

	clock.Add(24 * time.Hour)
	run = mustRun()
	assert.Equal(t, 145, run.Unchanged)
	assert.Zero(t, run.Inserted+run.Changed+run.Withdrawn)
	d, _ := svc.Get(ctx, "C130010")
	assert.True(t, d.LastChanged.Equal(clock.Now().Add(-24*time.Hour)), "an identical sync moved LastChanged")
	assert.True(t, d.LastSeen.Equal(clock.Now()), "an identical sync kept LastSeen")

	// Ten days on, one field of one trial changes, one is dropped, one
	// added.
	clock.Add(10 * 24 * time.Hour)
	recs := up.Records()
	recs[5].Duration = "2년"
	dropped := recs[7].Number
	recs = append(recs[:7], recs[8:]...)
	recs = append(recs, trials.Record{Number: "C999001", Title: "새 과제", StudyType: "기타"})
	up.SetRecords(recs)
	run = mustRun()
	assert.Equal(t, [4]int{1, 1, 1, 143}, [4]int{run.Changed, run.Withdrawn, run.Inserted, run.Unchanged}, "changed, withdrawn, inserted, unchanged")
	recent, err := svc.Recent(ctx, 7, 0, 100)
	require.NoError(t, err)
	require.Equal(t, 2, recent.Total)
	assert.Equal(t, recs[5].Number, recent.Trials[0].Number)
	assert.Equal(t, "C999001", recent.Trials[1].Number)
	d, _ = svc.Get(ctx, recs[5].Number)
	require.Len(t, d.History, 1)
	assert.Equal(t, trials.FieldDuration, d.History[0].Field)
	assert.Equal(t, "2년", d.History[0].New)
	assert.Equal(t, run.ID, d.History[0].Run)
	assert.Equal(t, 24, *d.DurationMonths)
	d, _ = svc.Get(ctx, dropped)
	assert.True(t, d.Withdrawn, "the dropped trial is withdrawn")
	assert.NotEqual(t, first, state(t, svc))

	// A failure on the second page, of every kind, leaves the store as
	// it was.
	before := state(t, svc)
	up.SetRecords(trialstest.RealRecords(t)[:120])
	for _, f := range []trialstest.Failure{trialstest.FailKey, trialstest.FailHTML, trialstest.FailNoData} {
		clock.Add(time.Hour)
		up.Fail(2, f)
		run, err := svc.RunSync(ctx, trials.SyncOptions{})
		assert.Equal(t, hanok.Unavailable, hanok.CodeOf(err), "failure %d", f)
		assert.NotEmpty(t, run.Error)
		assert.NotZero(t, run.ID)
		require.Equal(t, before, state(t, svc), "failure %d changed the store", f)
	}
	up.Fail(2, trialstest.Fail500, trialstest.Fail500, trialstest.Fail500, trialstest.Fail500)
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	assert.Equal(t, hanok.Unavailable, hanok.CodeOf(err), "500s on page 2: %v", err)
	require.Equal(t, before, state(t, svc), "500s changed the store")
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
