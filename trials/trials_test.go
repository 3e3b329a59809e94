package trials_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

var start = time.Date(2026, 11, 23, 1, 0, 0, 0, time.UTC)

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int{"120": 120, " 1,200 ": 1200, "1200명": 1200, "0": 0} {
		if got := trials.ParseCount(in); assert.NotNil(t, got, in) {
			assert.Equal(t, want, *got, in)
		}
	}
	for _, in := range []string{"", "약 100", "-5", "12.5", "many"} {
		assert.Nil(t, trials.ParseCount(in), in)
	}
}

func TestParseMonths(t *testing.T) {
	for in, want := range map[string]int{"3년": 36, "11개월": 11, "120개월": 120, "1년 6개월": 18, "24 개월": 24, "2년간": 24, " 5년 ": 60} {
		if got := trials.ParseMonths(in); assert.NotNil(t, got, in) {
			assert.Equal(t, want, *got, in)
		}
	}
	for _, in := range []string{"", "3", "년", "3주", "약 3년", "3년 이상", "99999999999999999999년"} {
		assert.Nil(t, trials.ParseMonths(in), in)
	}
}

func newService(t *testing.T, src trials.Source, clock *testkit.Clock) (*trials.Service, *memory.TrialsStore) {
	t.Helper()
	store := memory.New().Trials()
	svc, err := trials.New(store, trials.Config{Source: src, Now: clock.Now})
	require.NoError(t, err)
	return svc, store
}

func TestSyncRealRecords(t *testing.T) {
	ctx := context.Background()
	real := trialstest.RealRecords(t)
	clock := testkit.NewClock(start)
	src := &trialstest.StaticSource{Records: real, PerPage: 100}
	svc, _ := newService(t, src, clock)

	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 145, run.Inserted)
	assert.Equal(t, 2, run.Pages)
	assert.Equal(t, 145, run.Total)
	assert.Empty(t, run.Error)
	d, err := svc.Get(ctx, "C130010")
	require.NoError(t, err)
	assert.Equal(t, "조직구증식증 임상연구 네트워크 구축 및 운영(HLH)", d.Title)
	assert.Equal(t, 120, *d.TargetSize)
	assert.Equal(t, 36, *d.DurationMonths)
	assert.Equal(t, "Pediatrics", d.Department)
	byID, err := svc.Get(ctx, "1")
	require.NoError(t, err)
	assert.NotEmpty(t, byID.Number)

	clock.Add(24 * time.Hour)
	run, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 145, run.Unchanged)
	assert.Zero(t, run.Inserted+run.Changed+run.Withdrawn)
	recent, err := svc.Recent(ctx, 0, 0, 100)
	require.NoError(t, err)
	assert.Equal(t, 145, recent.Total, "first seen a day ago counts as changed")
	clock.Add(7 * 24 * time.Hour)
	recent, err = svc.Recent(ctx, 7, 0, 10)
	require.NoError(t, err)
	assert.Zero(t, recent.Total, "recent after a quiet week")
}

// failingSource fails the page fail with err.
type failingSource struct {
	trials.Source
	fail int
	err  error
}

func (f *failingSource) Page(ctx context.Context, n int) (*trials.Page, error) {
	if n == f.fail {
		return nil, f.err
	}
	return f.Source.Page(ctx, n)
}

func TestSyncFailureChangesNothing(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(start)
	src := &failingSource{Source: &trialstest.StaticSource{Records: trialstest.Synthetic(300)}}
	svc, _ := newService(t, src, clock)
	_, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	before, _ := svc.Search(ctx, trials.Query{Limit: 100})
	src.fail = 2
	src.err = hanok.Errorf(hanok.Unavailable, "upstream: HTTP 500")
	recs := trialstest.Synthetic(300)
	recs[0].Title = "changed"
	src.Source = &trialstest.StaticSource{Records: recs[:200]}
	clock.Add(time.Hour)
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	assert.Equal(t, hanok.Unavailable, hanok.CodeOf(err))
	require.NotNil(t, run)
	assert.Equal(t, "upstream: HTTP 500", run.Error)
	assert.NotZero(t, run.ID)
	assert.Contains(t, []int{1, 2}, run.Pages)
	after, _ := svc.Search(ctx, trials.Query{Limit: 100})
	assert.Equal(t, before, after, "a failed run changed trials")
	d, _ := svc.Get(ctx, recs[0].Number)
	assert.NotEqual(t, "changed", d.Title)
	assert.Empty(t, d.History)
	assert.True(t, d.LastSeen.Equal(start), "last seen %v", d.LastSeen)
	runs, _ := svc.Runs(ctx, admin, 0)
	require.Len(t, runs, 2)
	assert.NotEmpty(t, runs[0].Error)
	assert.Empty(t, runs[1].Error)

	// A canceled run is not recorded.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	src.err = context.Canceled
	_, err = svc.RunSync(cctx, trials.SyncOptions{})
	require.ErrorIs(t, err, context.Canceled)
	runs, _ = svc.Runs(ctx, admin, 0)
	assert.Len(t, runs, 2, "a run canceled before it began was recorded")
}

func TestSyncWithdrawAndReturn(t *testing.T) {
	ctx := context.Background()
	clock := testkit.NewClock(start)
	recs := trialstest.Synthetic(5)
	src := &trialstest.StaticSource{Records: recs}
	svc, _ := newService(t, src, clock)
	// One of five is more than a run may withdraw unforced.
	mustRun := func() *trials.Run {
		t.Helper()
		run, err := svc.RunSync(ctx, trials.SyncOptions{Force: true})
		require.NoError(t, err)
		return run
	}
	mustRun()
	clock.Add(time.Hour)
	src.Records = recs[1:]
	run := mustRun()
	assert.Equal(t, 1, run.Withdrawn)
	assert.Equal(t, 4, run.Unchanged)
	list, _ := svc.Search(ctx, trials.Query{})
	assert.Equal(t, 4, list.Total, "a withdrawn trial is listed")
	clock.Add(time.Hour)
	run = mustRun()
	assert.Zero(t, run.Withdrawn, "a withdrawn trial is withdrawn once")
	assert.Equal(t, 4, run.Unchanged)
	clock.Add(time.Hour)
	src.Records = recs
	run = mustRun()
	assert.Equal(t, 1, run.Changed)
	assert.Equal(t, 4, run.Unchanged)
	d, _ := svc.Get(ctx, recs[0].Number)
	assert.False(t, d.Withdrawn)
	assert.True(t, d.LastChanged.Equal(clock.Now()))
	require.Len(t, d.History, 2)
	assert.Equal(t, "false", d.History[0].New)
	assert.Equal(t, "true", d.History[1].New)
}

// A record whose key is good and whose text is not is skipped; it is not
// withdrawn if it is stored.
func TestSyncSkipsBadRecords(t *testing.T) {
	ctx := context.Background()
	recs := trialstest.Synthetic(40)
	src := &trialstest.StaticSource{Records: recs}
	clock := testkit.NewClock(start)
	svc, _ := newService(t, src, clock)
	_, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)

	bad := append([]trials.Record(nil), recs...)
	bad[2].Title = "bad\x00title"
	bad = append(bad, trials.Record{Number: "N1", Title: "new but \x00 bad"})
	src.Records = bad
	clock.Add(time.Hour)
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2, run.Skipped)
	assert.Equal(t, 0, run.Inserted)
	assert.Equal(t, 0, run.Withdrawn)
	assert.Equal(t, 40, run.Unchanged)
	d, err := svc.Get(ctx, recs[2].Number)
	require.NoError(t, err)
	assert.False(t, d.Withdrawn)
	assert.Equal(t, recs[2].Title, d.Title)
}

// Keys that are missing or given twice fail the run, which changes
// nothing.
func TestSyncRefusesBadKeys(t *testing.T) {
	ctx := context.Background()
	for name, edit := range map[string]func([]trials.Record) []trials.Record{
		"missing":  func(r []trials.Record) []trials.Record { r[1].Number = ""; return r },
		"not text": func(r []trials.Record) []trials.Record { r[1].Number = "C\xff"; return r },
		"twice":    func(r []trials.Record) []trials.Record { r[3].Number = r[0].Number; return r },
	} {
		t.Run(name, func(t *testing.T) {
			src := &trialstest.StaticSource{Records: trialstest.Synthetic(30)}
			clock := testkit.NewClock(start)
			svc, _ := newService(t, src, clock)
			_, err := svc.RunSync(ctx, trials.SyncOptions{})
			require.NoError(t, err)
			before, err := svc.Export(ctx, trials.Query{})
			require.NoError(t, err)
			src.Records = edit(trialstest.Synthetic(30))
			clock.Add(time.Hour)
			run, err := svc.RunSync(ctx, trials.SyncOptions{Force: true})
			require.ErrorIs(t, err, trials.ErrInconsistent)
			assert.Contains(t, run.Error, "과제번호")
			after, err := svc.Export(ctx, trials.Query{})
			require.NoError(t, err)
			assert.Equal(t, before, after)
		})
	}
}

func TestMaxWithdrawConfig(t *testing.T) {
	for _, bad := range []float64{-0.1, 1.5} {
		_, err := trials.New(memory.New().Trials(), trials.Config{MaxWithdraw: bad})
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "MaxWithdraw %g", bad)
	}
	// A quarter may go at once when the operator says so.
	src := &trialstest.StaticSource{Records: trialstest.Synthetic(100)}
	svc, err := trials.New(memory.New().Trials(), trials.Config{Source: src, MaxWithdraw: 0.25})
	require.NoError(t, err)
	_, err = svc.RunSync(context.Background(), trials.SyncOptions{})
	require.NoError(t, err)
	src.Records = src.Records[:74]
	_, err = svc.RunSync(context.Background(), trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrTooManyWithdrawals)
	src.Records = src.Records[:75]
	run, err := svc.RunSync(context.Background(), trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 25, run.Withdrawn)
}

// blockingSource blocks every page until release is closed.
type blockingSource struct {
	started chan struct{}
	release chan struct{}
	once    sync.Once
}

func (b *blockingSource) Page(ctx context.Context, n int) (*trials.Page, error) {
	b.once.Do(func() { close(b.started) })
	<-b.release
	return &trials.Page{Number: n, PerPage: 100}, nil
}

func TestOneSyncAtATime(t *testing.T) {
	src := &blockingSource{started: make(chan struct{}), release: make(chan struct{})}
	svc, _ := newService(t, src, testkit.NewClock(start))
	done := make(chan error)
	go func() {
		_, err := svc.RunSync(context.Background(), trials.SyncOptions{})
		done <- err
	}()
	<-src.started
	_, err := svc.Sync(context.Background(), hanok.Actor{ID: 1, Superuser: true}, trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrSyncRunning)
	assert.Equal(t, hanok.Conflict, hanok.CodeOf(err))
	close(src.release)
	require.NoError(t, <-done)
}

func TestSyncNeedsSuperuser(t *testing.T) {
	svc, _ := newService(t, &trialstest.StaticSource{}, testkit.NewClock(start))
	_, err := svc.Sync(context.Background(), hanok.Actor{}, trials.SyncOptions{})
	require.ErrorIs(t, err, hanok.ErrNotSignedIn)
	_, err = svc.Sync(context.Background(), hanok.Actor{ID: 2, Username: "mirim"}, trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrSuperuserOnly)
	_, err = svc.Runs(context.Background(), hanok.Actor{ID: 2, Username: "mirim"}, 0)
	require.ErrorIs(t, err, trials.ErrSuperuserOnly)
	_, err = svc.Run(context.Background(), hanok.Actor{}, 1)
	require.ErrorIs(t, err, hanok.ErrNotSignedIn)
	_, _, err = svc.StartSync(context.Background(), hanok.Actor{ID: 2, Username: "mirim"}, trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrSuperuserOnly)
	_, err = svc.Run(context.Background(), admin, 1)
	require.ErrorIs(t, err, trials.ErrRunNotFound)
	noSource, _ := trials.New(memory.New().Trials(), trials.Config{})
	_, err = noSource.RunSync(context.Background(), trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrNoSource)
}

func TestSearchValidation(t *testing.T) {
	svc, _ := newService(t, &trialstest.StaticSource{}, testkit.NewClock(start))
	ctx := context.Background()
	for _, q := range []trials.Query{
		{Limit: -1}, {Limit: trials.MaxLimit + 1}, {Offset: -1}, {Days: -1}, {Days: trials.MaxDays + 1},
		{Title: "bad\xff"}, {Institute: strings.Repeat("가", trials.MaxTermLen+1)}, {Scope: "a\u200bb"},
	} {
		_, err := svc.Search(ctx, q)
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "Search(%+v): %v", q, err)
	}
	for _, key := range []string{"", "C999", "0", "-1", "99999999999999999999", "1"} {
		_, err := svc.Get(ctx, key)
		assert.ErrorIs(t, err, trials.ErrTrialNotFound, "Get(%q)", key)
		assert.Equal(t, hanok.NotFound, hanok.CodeOf(err), "Get(%q): %v", key, err)
	}
}

func TestSchedule(t *testing.T) {
	sc, err := trials.ParseSchedule("00:00")
	require.NoError(t, err)
	// 2026-11-23 01:00 UTC is 10:00 in Seoul: the next midnight there is
	// 15:00 UTC the same day.
	assert.Equal(t, time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC), sc.Next(start).UTC())
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	assert.Equal(t, at.Add(24*time.Hour), sc.Next(at).UTC(), "Next at the time itself is the next day")
	sc2, _ := trials.ParseSchedule("23:30")
	assert.Equal(t, time.Date(2026, 11, 23, 14, 30, 0, 0, time.UTC), sc2.Next(start).UTC())
	for _, bad := range []string{"", "24:00", "7", "07:60", "off"} {
		_, err := trials.ParseSchedule(bad)
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "ParseSchedule(%q): %v", bad, err)
	}
}

// The scheduler waits through Config.After, so the test moves the clock
// and fires the wait itself.
func TestRunDaily(t *testing.T) {
	clock := testkit.NewClock(start)
	waits := make(chan time.Duration)
	fire := make(chan time.Time)
	store := memory.New().Trials()
	src := &trialstest.StaticSource{Records: trialstest.Synthetic(3)}
	svc, err := trials.New(store, trials.Config{Source: src, Now: clock.Now, After: func(d time.Duration) <-chan time.Time {
		waits <- d
		return fire
	}})
	require.NoError(t, err)
	sc, _ := trials.ParseSchedule("00:00")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.RunDaily(ctx, sc) }()

	require.Equal(t, 14*time.Hour, <-waits, "10:00 to midnight in Seoul")
	clock.Add(14 * time.Hour)
	fire <- clock.Now()
	require.Equal(t, 24*time.Hour, <-waits)
	runs, _ := svc.Runs(context.Background(), admin, 0)
	require.Len(t, runs, 1)
	assert.Equal(t, 3, runs[0].Inserted)
	assert.True(t, runs[0].Started.Equal(clock.Now()))
	clock.Add(24 * time.Hour)
	fire <- clock.Now()
	<-waits
	runs, _ = svc.Runs(context.Background(), admin, 0)
	require.Len(t, runs, 2)
	assert.Equal(t, 3, runs[0].Unchanged)
	cancel()
	require.NoError(t, <-done)
}

func sampleTrials(t *testing.T) []trials.Trial {
	t.Helper()
	a := trials.FromRecord(trials.Record{Number: "C130010", Title: "조직구증식증 임상연구", TargetSize: "120", Duration: "3년"})
	b := trials.FromRecord(trials.Record{Number: "C1", Title: "=HYPERLINK(\"x\")", TargetSize: "", Department: "-5"})
	a.LastChanged = start
	return []trials.Trial{a, b}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trials.WriteCSV(&buf, sampleTrials(t)))
	out := buf.String()
	require.True(t, strings.HasPrefix(out, "\uFEFF과제번호,과제명,"), "no BOM and header: %q", out[:40])
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[1], "C130010,조직구증식증 임상연구,,,120,3년,"), lines[1])
	assert.Contains(t, lines[1], "2026-11-23T01:00:00Z")
	assert.Contains(t, lines[2], `"'=HYPERLINK(""x"")"`, "the formula is neutralized")
	assert.Contains(t, lines[2], ",-5,", "a number is kept")
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trials.WriteXLSX(&buf, sampleTrials(t)))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	rows, err := f.GetRows("trials")
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, "과제번호", rows[0][0])
	assert.Equal(t, "조직구증식증 임상연구", rows[1][1])
	assert.Equal(t, "120", rows[1][4])
	typ, _ := f.GetCellType("trials", "E2")
	assert.NotContains(t, []excelize.CellType{excelize.CellTypeSharedString, excelize.CellTypeInlineString}, typ, "target size stored as text")
	panes, err := f.GetPanes("trials")
	require.NoError(t, err)
	assert.True(t, panes.Freeze)
	assert.Equal(t, 1, panes.YSplit)
	w, _ := f.GetColWidth("trials", "B")
	assert.Equal(t, 60.0, w, "title column width")
}

// noPageSize is a source whose pages do not say their size.
type noPageSize struct{ trials.Source }

func (n noPageSize) Page(ctx context.Context, i int) (*trials.Page, error) {
	p, err := n.Source.Page(ctx, i)
	if p != nil {
		p.PerPage = 0
	}
	return p, err
}

func TestSyncWithoutPageSize(t *testing.T) {
	svc, _ := newService(t, noPageSize{&trialstest.StaticSource{Records: trialstest.Synthetic(250), PerPage: 100}}, testkit.NewClock(start))
	run, err := svc.RunSync(context.Background(), trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 250, run.Inserted)
	assert.Equal(t, 3, run.Pages)
}

var admin = hanok.Actor{ID: 1, Username: "admin", Superuser: true}
