package trials_test

import (
	"bytes"
	"context"
	"errors"
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
		if got := trials.ParseCount(in); got == nil || *got != want {
			t.Errorf("ParseCount(%q) = %v, want %d", in, got, want)
		}
	}
	for _, in := range []string{"", "약 100", "-5", "12.5", "many"} {
		if got := trials.ParseCount(in); got != nil {
			t.Errorf("ParseCount(%q) = %d, want nil", in, *got)
		}
	}
}

func TestParseMonths(t *testing.T) {
	for in, want := range map[string]int{"3년": 36, "11개월": 11, "120개월": 120, "1년 6개월": 18, "24 개월": 24, "2년간": 24, " 5년 ": 60} {
		if got := trials.ParseMonths(in); got == nil || *got != want {
			t.Errorf("ParseMonths(%q) = %v, want %d", in, got, want)
		}
	}
	for _, in := range []string{"", "3", "년", "3주", "약 3년", "3년 이상", "99999999999999999999년"} {
		if got := trials.ParseMonths(in); got != nil {
			t.Errorf("ParseMonths(%q) = %d, want nil", in, *got)
		}
	}
}

func newService(t *testing.T, src trials.Source, clock *testkit.Clock) (*trials.Service, *memory.TrialsStore) {
	t.Helper()
	store := memory.New().Trials()
	svc, err := trials.New(store, trials.Config{Source: src, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc, store
}

func TestSyncRealRecords(t *testing.T) {
	ctx := context.Background()
	real := trialstest.RealRecords(t)
	clock := testkit.NewClock(start)
	src := &trialstest.StaticSource{Records: real, PerPage: 100}
	svc, _ := newService(t, src, clock)

	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Inserted != 145 || run.Pages != 2 || run.Total != 145 || run.Error != "" {
		t.Fatalf("first run %+v", run)
	}
	d, err := svc.Get(ctx, "C130010")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "조직구증식증 임상연구 네트워크 구축 및 운영(HLH)" || *d.TargetSize != 120 || *d.DurationMonths != 36 || d.Department != "Pediatrics" {
		t.Fatalf("C130010 = %+v", d.Trial)
	}
	byID, err := svc.Get(ctx, "1")
	if err != nil || byID.Number == "" {
		t.Fatalf("by id: %v %v", byID, err)
	}

	clock.Add(24 * time.Hour)
	run, err = svc.RunSync(ctx, trials.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if run.Unchanged != 145 || run.Inserted+run.Changed+run.Withdrawn != 0 {
		t.Fatalf("identical run %+v", run)
	}
	recent, err := svc.Recent(ctx, 0, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if recent.Total != 145 {
		t.Fatalf("recent %d (first seen a day ago counts as changed)", recent.Total)
	}
	clock.Add(7 * 24 * time.Hour)
	recent, err = svc.Recent(ctx, 7, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if recent.Total != 0 {
		t.Fatalf("recent after a quiet week: %d", recent.Total)
	}
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
	if _, err := svc.RunSync(ctx, trials.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	before, _ := svc.Search(ctx, trials.Query{Limit: 100})
	src.fail = 2
	src.err = hanok.Errorf(hanok.Unavailable, "upstream: HTTP 500")
	recs := trialstest.Synthetic(300)
	recs[0].Title = "changed"
	src.Source = &trialstest.StaticSource{Records: recs[:200]}
	clock.Add(time.Hour)
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	if hanok.CodeOf(err) != hanok.Unavailable || run == nil || run.Error != "upstream: HTTP 500" || run.ID == 0 || run.Pages < 1 || run.Pages > 2 {
		t.Fatalf("failed run %+v, %v", run, err)
	}
	after, _ := svc.Search(ctx, trials.Query{Limit: 100})
	if after.Total != before.Total || after.Trials[0] != before.Trials[0] && after.Trials[0].Title != before.Trials[0].Title {
		t.Fatal("a failed run changed trials")
	}
	d, _ := svc.Get(ctx, recs[0].Number)
	if d.Title == "changed" || len(d.History) != 0 || !d.LastSeen.Equal(start) {
		t.Fatalf("a failed run changed %+v", d)
	}
	runs, _ := svc.Runs(ctx, admin, 0)
	if len(runs) != 2 || runs[0].Error == "" || runs[1].Error != "" {
		t.Fatalf("runs %+v", runs)
	}

	// A canceled run is not recorded.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	src.err = context.Canceled
	if _, err := svc.RunSync(cctx, trials.SyncOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled run: %v", err)
	}
	if runs, _ := svc.Runs(ctx, admin, 0); len(runs) != 2 {
		t.Fatalf("a canceled run was recorded: %+v", runs[0])
	}
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
	if run := mustRun(); run.Withdrawn != 1 || run.Unchanged != 4 {
		t.Fatalf("drop run %+v", run)
	}
	list, _ := svc.Search(ctx, trials.Query{})
	if list.Total != 4 {
		t.Fatalf("a withdrawn trial is listed: %d", list.Total)
	}
	clock.Add(time.Hour)
	if run := mustRun(); run.Withdrawn != 0 || run.Unchanged != 4 {
		t.Fatalf("still-missing run %+v (a withdrawn trial is withdrawn once)", run)
	}
	clock.Add(time.Hour)
	src.Records = recs
	if run := mustRun(); run.Changed != 1 || run.Unchanged != 4 {
		t.Fatalf("return run %+v", run)
	}
	d, _ := svc.Get(ctx, recs[0].Number)
	if d.Withdrawn || !d.LastChanged.Equal(clock.Now()) || len(d.History) != 2 || d.History[0].New != "false" || d.History[1].New != "true" {
		t.Fatalf("returned trial %+v", d)
	}
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
	if !errors.Is(err, trials.ErrSyncRunning) || hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("second sync: %v", err)
	}
	close(src.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSyncNeedsSuperuser(t *testing.T) {
	svc, _ := newService(t, &trialstest.StaticSource{}, testkit.NewClock(start))
	_, err := svc.Sync(context.Background(), hanok.Actor{}, trials.SyncOptions{})
	if hanok.CodeOf(err) != hanok.Unauthenticated {
		t.Fatalf("anonymous: %v", err)
	}
	_, err = svc.Sync(context.Background(), hanok.Actor{ID: 2, Username: "mirim"}, trials.SyncOptions{})
	if hanok.CodeOf(err) != hanok.Forbidden {
		t.Fatalf("plain user: %v", err)
	}
	noSource, _ := trials.New(memory.New().Trials(), trials.Config{})
	_, err = noSource.RunSync(context.Background(), trials.SyncOptions{})
	if !errors.Is(err, trials.ErrNoSource) {
		t.Fatalf("no source: %v", err)
	}
}

func TestSearchValidation(t *testing.T) {
	svc, _ := newService(t, &trialstest.StaticSource{}, testkit.NewClock(start))
	ctx := context.Background()
	for _, q := range []trials.Query{
		{Limit: -1}, {Limit: trials.MaxLimit + 1}, {Offset: -1}, {Days: -1}, {Days: trials.MaxDays + 1},
		{Title: "bad\xff"}, {Institute: strings.Repeat("가", trials.MaxTermLen+1)}, {Scope: "a\u200bb"},
	} {
		if _, err := svc.Search(ctx, q); hanok.CodeOf(err) != hanok.Invalid {
			t.Errorf("Search(%+v) = %v, want Invalid", q, err)
		}
	}
	for _, key := range []string{"", "C999", "0", "-1", "99999999999999999999", "1"} {
		if _, err := svc.Get(ctx, key); hanok.CodeOf(err) != hanok.NotFound {
			t.Errorf("Get(%q) = %v, want NotFound", key, err)
		}
	}
}

func TestSchedule(t *testing.T) {
	sc, err := trials.ParseSchedule("00:00")
	if err != nil {
		t.Fatal(err)
	}
	// 2026-11-23 01:00 UTC is 10:00 in Seoul: the next midnight there is
	// 15:00 UTC the same day.
	if got, want := sc.Next(start), time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("Next = %v, want %v", got, want)
	}
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	if got := sc.Next(at); !got.Equal(at.Add(24 * time.Hour)) {
		t.Fatalf("Next at the time itself = %v, want the next day", got)
	}
	sc2, _ := trials.ParseSchedule("23:30")
	if got, want := sc2.Next(start), time.Date(2026, 11, 23, 14, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("23:30 Next = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "24:00", "7", "07:60", "off"} {
		if _, err := trials.ParseSchedule(bad); hanok.CodeOf(err) != hanok.Invalid {
			t.Errorf("ParseSchedule(%q) = %v", bad, err)
		}
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
	if err != nil {
		t.Fatal(err)
	}
	sc, _ := trials.ParseSchedule("00:00")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.RunDaily(ctx, sc) }()

	if d := <-waits; d != 14*time.Hour {
		t.Fatalf("first wait %v, want 14h (10:00 to midnight in Seoul)", d)
	}
	clock.Add(14 * time.Hour)
	fire <- clock.Now()
	if d := <-waits; d != 24*time.Hour {
		t.Fatalf("second wait %v, want 24h", d)
	}
	runs, _ := svc.Runs(context.Background(), admin, 0)
	if len(runs) != 1 || runs[0].Inserted != 3 || !runs[0].Started.Equal(clock.Now()) {
		t.Fatalf("runs after the first tick: %+v", runs)
	}
	clock.Add(24 * time.Hour)
	fire <- clock.Now()
	<-waits
	if runs, _ := svc.Runs(context.Background(), admin, 0); len(runs) != 2 || runs[0].Unchanged != 3 {
		t.Fatalf("runs after the second tick: %+v", runs)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
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
	if err := trials.WriteCSV(&buf, sampleTrials(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\uFEFF과제번호,과제명,") {
		t.Fatalf("no BOM and header: %q", out[:40])
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	if !strings.HasPrefix(lines[1], "C130010,조직구증식증 임상연구,,,120,3년,") || !strings.Contains(lines[1], "2026-11-23T01:00:00Z") {
		t.Fatalf("row %q", lines[1])
	}
	if !strings.Contains(lines[2], `"'=HYPERLINK(""x"")"`) || !strings.Contains(lines[2], ",-5,") {
		t.Fatalf("formula not neutralized or number changed: %q", lines[2])
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	if err := trials.WriteXLSX(&buf, sampleTrials(t)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("trials")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "과제번호" || rows[1][1] != "조직구증식증 임상연구" || rows[1][4] != "120" {
		t.Fatalf("rows %q", rows)
	}
	if typ, _ := f.GetCellType("trials", "E2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Fatalf("target size stored as text (%v)", typ)
	}
	panes, err := f.GetPanes("trials")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Fatalf("panes %+v, %v", panes, err)
	}
	if w, _ := f.GetColWidth("trials", "B"); w != 60 {
		t.Fatalf("title column width %v", w)
	}
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
	if err != nil || run.Inserted != 250 || run.Pages != 3 {
		t.Fatalf("run %+v, %v", run, err)
	}
}

var admin = hanok.Actor{ID: 1, Username: "admin", Superuser: true}
