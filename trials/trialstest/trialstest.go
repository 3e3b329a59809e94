// Package trialstest is the conformance suite of trials.Store, run by
// every store from its own tests through storetest.Maker, and the test
// doubles of the upstream: a fake of the public-data API on loopback
// (Upstream), the 145 real records (RealRecords), synthetic ones
// (Synthetic) and an in-memory Source (StaticSource).
package trialstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
)

// RunStoreTests runs the conformance suite; each subtest gets a fresh
// harness from mk, and they run in parallel.
func RunStoreTests(t *testing.T, mk storetest.Maker[trials.Store]) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s trials.Store)
	}{
		{"Empty", testEmpty},
		{"InsertRoundTrip", testInsertRoundTrip},
		{"UpdateHistorySeen", testUpdateHistorySeen},
		{"PlanErrorWritesNothing", testPlanErrorWritesNothing},
		{"UnknownUpdateWritesNothing", testUnknownUpdateWritesNothing},
		{"DuplicateInsertWritesNothing", testDuplicateInsertWritesNothing},
		{"Filter", testFilter},
		{"Paging", testPaging},
		{"WindowTotals", testWindowTotals},
		{"LoadUnknown", testLoadUnknown},
		{"Runs", testRuns},
		{"Copies", testCopies},
		{"Sync", testSync},
		{"RunLifecycle", testRunLifecycle},
		{"WithdrawalBound", testWithdrawalBound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, mk(t).Store)
		})
	}
}

// base has microseconds, so that a store that drops them is caught (the
// service keeps its times to the microsecond).
var base = time.Date(2026, 11, 20, 3, 4, 5, 123456000, time.UTC)

func must(t *testing.T, err error) {
	t.Helper()
	require.NoError(t, err)
}

// begin records a run started at at.
func begin(t *testing.T, s trials.Store, at time.Time) *trials.Run {
	t.Helper()
	run := &trials.Run{Started: at}
	require.NoError(t, s.BeginRun(context.Background(), run))
	require.NotZero(t, run.ID, "BeginRun did not set the run's id")
	return run
}

func trial(number, title string, at time.Time) trials.Trial {
	t := trials.FromRecord(trials.Record{
		Number: number, Title: title, Department: "Cardiology", Institute: "서울아산병원",
		TargetSize: "120", Duration: "3년", StudyType: "관찰연구", Phase: "코호트", Scope: "국내다기관",
	})
	t.FirstSeen, t.LastChanged, t.LastSeen = at, at, at
	return t
}

// apply applies cs as a run started at at, and returns what the plan
// saw: every stored trial, loaded whole.
func apply(t *testing.T, s trials.Store, at time.Time, cs trials.Changeset) (*trials.Run, []trials.Trial) {
	t.Helper()
	run := begin(t, s, at)
	run.Finished, run.Pages, run.Total = at.Add(time.Second+time.Microsecond), 1, len(cs.Insert)
	var seen []trials.Trial
	cs.Seen = at
	must(t, s.ApplySync(context.Background(), run, func(stored []trials.Stored, load trials.Load) (*trials.Changeset, error) {
		ids := make([]trials.ID, len(stored))
		for i, st := range stored {
			ids[i] = st.ID
		}
		loaded, err := load(ids)
		if err != nil {
			return nil, err
		}
		assert.Len(t, loaded, len(stored), "load of %d ids", len(ids))
		for i := range loaded {
			tr := &loaded[i]
			st := stored[slices.IndexFunc(stored, func(st trials.Stored) bool { return st.ID == tr.ID })]
			assert.Equal(t, trials.Stored{ID: tr.ID, Number: tr.Number, Digest: tr.Record().Digest(), Withdrawn: tr.Withdrawn}, st,
				"the Stored of a trial does not describe it")
		}
		seen = loaded
		run.Inserted = len(cs.Insert)
		return &cs, nil
	}))
	require.NotZero(t, run.ID, "the run has no id")
	return run, seen
}

func list(t *testing.T, s trials.Store, f trials.Filter) ([]trials.Trial, int) {
	t.Helper()
	ts, total, err := s.Trials(context.Background(), f)
	must(t, err)
	return ts, total
}

func numbers(ts []trials.Trial) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Number
	}
	return out
}

func wantNumbers(t *testing.T, ts []trials.Trial, want ...string) {
	t.Helper()
	require.Equal(t, want, numbers(ts))
}

func equalTrial(t *testing.T, got, want trials.Trial) {
	t.Helper()
	ip := func(p *int) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	g, w := got, want
	require.True(t, g.FirstSeen.Equal(w.FirstSeen), "first seen of %s: %v, want %v", w.Number, g.FirstSeen, w.FirstSeen)
	require.True(t, g.LastChanged.Equal(w.LastChanged), "last changed of %s: %v, want %v", w.Number, g.LastChanged, w.LastChanged)
	require.True(t, g.LastSeen.Equal(w.LastSeen), "last seen of %s: %v, want %v", w.Number, g.LastSeen, w.LastSeen)
	require.Equal(t, ip(w.TargetSize), ip(g.TargetSize), "target size of %s", w.Number)
	require.Equal(t, ip(w.DurationMonths), ip(g.DurationMonths), "duration months of %s", w.Number)
	g.FirstSeen, g.LastChanged, g.LastSeen, g.TargetSize, g.DurationMonths = w.FirstSeen, w.LastChanged, w.LastSeen, w.TargetSize, w.DurationMonths
	require.Equal(t, w, g)
}

func testEmpty(t *testing.T, s trials.Store) {
	ctx := context.Background()
	_, err := s.Trial(ctx, 1)
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, err, trials.ErrTrialNotFound)
	_, err = s.Trial(ctx, 1<<40)
	require.ErrorIs(t, err, trials.ErrTrialNotFound)
	_, err = s.TrialByNumber(ctx, "C999999")
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, err, trials.ErrTrialNotFound)
	_, err = s.Run(ctx, 1)
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, err, trials.ErrRunNotFound)
	h, err := s.History(ctx, "C999999")
	must(t, err)
	require.Empty(t, h, "history of an unknown number")
	require.NotNil(t, h)
	ts, total := list(t, s, trials.Filter{IncludeWithdrawn: true})
	require.Empty(t, ts)
	require.Zero(t, total)
	runs, err := s.Runs(ctx, 10)
	must(t, err)
	require.Empty(t, runs)
	// The first run sees no trials.
	_, seen := apply(t, s, base, trials.Changeset{})
	require.Empty(t, seen)
}

func testInsertRoundTrip(t *testing.T, s trials.Store) {
	ctx := context.Background()
	a := trial("C130010", "조직구증식증 임상연구 네트워크 구축 및 운영(HLH)", base)
	b := trials.FromRecord(trials.Record{Number: "C100002", Title: "Lymphoma Study for Auto-PBSCT"})
	b.FirstSeen, b.LastChanged, b.LastSeen = base, base, base
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{a, b}})

	got, err := s.TrialByNumber(ctx, "C130010")
	must(t, err)
	require.Positive(t, got.ID)
	a.ID = got.ID
	equalTrial(t, *got, a)
	assert.Equal(t, 120, *got.TargetSize)
	assert.Equal(t, 36, *got.DurationMonths)
	byID, err := s.Trial(ctx, got.ID)
	must(t, err)
	equalTrial(t, *byID, a)

	gb, err := s.TrialByNumber(ctx, "C100002")
	must(t, err)
	require.NotEqual(t, got.ID, gb.ID, "two trials share an id")
	b.ID = gb.ID
	equalTrial(t, *gb, b)
	assert.Nil(t, gb.TargetSize)
	assert.Nil(t, gb.DurationMonths)
	// Numbers are keys as they are: another case is another number.
	_, err = s.TrialByNumber(ctx, "c130010")
	require.ErrorIs(t, err, trials.ErrTrialNotFound)

	// The next run's plan sees both.
	_, seen := apply(t, s, base.Add(time.Hour), trials.Changeset{})
	require.Len(t, seen, 2)
}

func testUpdateHistorySeen(t *testing.T, s trials.Store) {
	ctx := context.Background()
	a, b, c := trial("C1", "one", base), trial("C2", "two", base), trial("C3", "three", base)
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{a, b, c}})
	stored, _ := list(t, s, trials.Filter{})
	ids := map[string]trials.ID{}
	for _, st := range stored {
		ids[st.Number] = st.ID
	}

	// Run 2: C1's title changes, C3 is withdrawn, C2 is only seen.
	t2 := base.Add(24 * time.Hour)
	a2 := a
	a2.ID, a2.Title, a2.LastChanged, a2.LastSeen = ids["C1"], "one, renamed", t2, t2
	c2 := c
	c2.ID, c2.Withdrawn = ids["C3"], true
	run2, seen := apply(t, s, t2, trials.Changeset{
		Update: []trials.Trial{a2, c2},
		Changes: []trials.Change{
			{Number: "C1", Field: trials.FieldTitle, Old: "one", New: "one, renamed", At: t2},
			{Number: "C3", Field: trials.FieldWithdrawn, Old: "false", New: "true", At: t2},
		},
	})
	require.Len(t, seen, 3)
	got, err := s.TrialByNumber(ctx, "C1")
	must(t, err)
	equalTrial(t, *got, a2)
	got, err = s.TrialByNumber(ctx, "C2")
	must(t, err)
	assert.True(t, got.LastSeen.Equal(t2), "C2 seen %v, want %v", got.LastSeen, t2)
	assert.True(t, got.LastChanged.Equal(base), "C2 changed %v, want %v", got.LastChanged, base)
	got, err = s.TrialByNumber(ctx, "C3")
	must(t, err)
	assert.True(t, got.Withdrawn)
	assert.True(t, got.LastSeen.Equal(base), "C3 seen %v, want %v", got.LastSeen, base)

	// Run 3: C1 changes twice more.
	t3 := t2.Add(24 * time.Hour)
	a3 := a2
	a3.Department, a3.Scope, a3.LastChanged, a3.LastSeen = "Neurology", "단일기관", t3, t3
	run3, _ := apply(t, s, t3, trials.Changeset{
		Update: []trials.Trial{a3},
		Changes: []trials.Change{
			{Number: "C1", Field: trials.FieldDepartment, Old: "Cardiology", New: "Neurology", At: t3},
			{Number: "C1", Field: trials.FieldScope, Old: "국내다기관", New: "단일기관", At: t3},
		},
	})
	h, err := s.History(ctx, "C1")
	must(t, err)
	want := []trials.Change{
		{Number: "C1", Run: run3.ID, Field: trials.FieldDepartment, Old: "Cardiology", New: "Neurology", At: t3},
		{Number: "C1", Run: run3.ID, Field: trials.FieldScope, Old: "국내다기관", New: "단일기관", At: t3},
		{Number: "C1", Run: run2.ID, Field: trials.FieldTitle, Old: "one", New: "one, renamed", At: t2},
	}
	require.Len(t, h, len(want))
	for i := range want {
		require.True(t, h[i].At.Equal(want[i].At), "history[%d] at %v, want %v", i, h[i].At, want[i].At)
		h[i].At = want[i].At
		require.Equal(t, want[i], h[i], "history[%d]", i)
	}
	h, err = s.History(ctx, "C3")
	must(t, err)
	require.Len(t, h, 1)
	assert.Equal(t, trials.FieldWithdrawn, h[0].Field)
	assert.Equal(t, run2.ID, h[0].Run)
}

var errPlan = errors.New("plan failed")

// snapshot is everything a store shows.
func snapshot(t *testing.T, s trials.Store) string {
	t.Helper()
	ctx := context.Background()
	ts, total := list(t, s, trials.Filter{IncludeWithdrawn: true})
	out := fmt.Sprintf("total %d\n", total)
	for _, tr := range ts {
		h, err := s.History(ctx, tr.Number)
		must(t, err)
		out += fmt.Sprintf("%d %s %q %v %v %v %v %d changes\n", tr.ID, tr.Number, tr.Title, tr.FirstSeen.UnixNano(), tr.LastChanged.UnixNano(), tr.LastSeen.UnixNano(), tr.Withdrawn, len(h))
	}
	runs, err := s.Runs(ctx, 100)
	must(t, err)
	return out + fmt.Sprintf("%d runs", len(runs))
}

func testPlanErrorWritesNothing(t *testing.T, s trials.Store) {
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{trial("C1", "one", base)}})
	run := begin(t, s, base.Add(time.Hour))
	before := snapshot(t, s)
	err := s.ApplySync(context.Background(), run, func([]trials.Stored, trials.Load) (*trials.Changeset, error) { return nil, errPlan })
	require.ErrorIs(t, err, errPlan)
	require.Equal(t, before, snapshot(t, s), "a failed plan changed the store")
}

func testUnknownUpdateWritesNothing(t *testing.T, s trials.Store) {
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{trial("C1", "one", base)}})
	ghost := trial("C9", "ghost", base)
	ghost.ID = 1 << 40
	at := base.Add(time.Hour)
	run := begin(t, s, at)
	before := snapshot(t, s)
	err := s.ApplySync(context.Background(), run, func([]trials.Stored, trials.Load) (*trials.Changeset, error) {
		return &trials.Changeset{Insert: []trials.Trial{trial("C2", "two", at)}, Update: []trials.Trial{ghost}, Seen: at}, nil
	})
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, err, trials.ErrTrialNotFound)
	require.Equal(t, before, snapshot(t, s), "a failed apply changed the store")
}

func testDuplicateInsertWritesNothing(t *testing.T, s trials.Store) {
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{trial("C1", "one", base)}})
	at := base.Add(time.Hour)
	run := begin(t, s, at)
	before := snapshot(t, s)
	err := s.ApplySync(context.Background(), run, func([]trials.Stored, trials.Load) (*trials.Changeset, error) {
		return &trials.Changeset{Insert: []trials.Trial{trial("C2", "two", at), trial("C1", "again", at)}, Seen: at}, nil
	})
	storetest.WantCode(t, err, hanok.Conflict)
	require.ErrorIs(t, err, trials.ErrTrialExists)
	require.Equal(t, before, snapshot(t, s), "a failed apply changed the store")
}

func testLoadUnknown(t *testing.T, s trials.Store) {
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{trial("C1", "one", base)}})
	at := base.Add(time.Hour)
	run := begin(t, s, at)
	before := snapshot(t, s)
	err := s.ApplySync(context.Background(), run, func(stored []trials.Stored, load trials.Load) (*trials.Changeset, error) {
		if _, err := load([]trials.ID{stored[0].ID, 1 << 40}); err != nil {
			return nil, err
		}
		return &trials.Changeset{Seen: at}, nil
	})
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, err, trials.ErrTrialNotFound)
	require.Equal(t, before, snapshot(t, s), "a failed apply changed the store")
}

func testFilter(t *testing.T, s trials.Store) {
	mk := func(n, title, dept, inst, typ, phase, scope string, at time.Time, withdrawn bool) trials.Trial {
		tr := trials.FromRecord(trials.Record{Number: n, Title: title, Department: dept, Institute: inst, StudyType: typ, Phase: phase, Scope: scope})
		tr.FirstSeen, tr.LastChanged, tr.LastSeen, tr.Withdrawn = at, at, at, withdrawn
		return tr
	}
	day := 24 * time.Hour
	apply(t, s, base, trials.Changeset{Insert: []trials.Trial{
		mk("C1", "Lymphoma Study for Auto-PBSCT", "Hematology", "가톨릭대 서울성모병원", "관찰연구", "코호트", "단일기관", base.Add(-10*day), false),
		mk("C2", "대한민국 쇼그렌 증후군 코호트 구축", "Rheumatology", "가톨릭대 서울성모병원", "관찰연구", "코호트", "국내다기관", base.Add(-1*day), false),
		mk("C3", "우울증 임상연구센터", "Psychiatry", "가톨릭대 여의도성모병원", "중재연구", "Phase 4", "국내다기관", base, false),
		mk("C4", "LYMPHOMA registry", "Hematology", "서울아산병원", "기타", "Case-only", "단일기관", base.Add(-2*day), false),
		mk("C5", "withdrawn cohort 코호트", "Hematology", "서울아산병원", "관찰연구", "코호트", "단일기관", base, true),
	}})
	cases := []struct {
		f    trials.Filter
		want []string
	}{
		{trials.Filter{}, []string{"C3", "C2", "C4", "C1"}},
		{trials.Filter{IncludeWithdrawn: true}, []string{"C3", "C5", "C2", "C4", "C1"}},
		{trials.Filter{Title: "lymphoma"}, []string{"C4", "C1"}},
		{trials.Filter{Title: "코호트"}, []string{"C2"}},
		{trials.Filter{Title: "코호트", IncludeWithdrawn: true}, []string{"C5", "C2"}},
		{trials.Filter{Institute: "서울성모"}, []string{"C2", "C1"}},
		{trials.Filter{Department: "hematology"}, []string{"C4", "C1"}},
		{trials.Filter{Department: "hemat"}, nil},
		{trials.Filter{StudyType: "관찰연구"}, []string{"C2", "C1"}},
		{trials.Filter{Phase: "phase 4"}, []string{"C3"}},
		{trials.Filter{Phase: "phase"}, nil},
		{trials.Filter{Scope: "단일기관"}, []string{"C4", "C1"}},
		{trials.Filter{Scope: "단일기관", Department: "hematology", Title: "study"}, []string{"C1"}},
		{trials.Filter{ChangedSince: base.Add(-2 * day)}, []string{"C3", "C2", "C4"}},
		{trials.Filter{ChangedSince: base.Add(-2*day + time.Microsecond)}, []string{"C3", "C2"}},
		{trials.Filter{Title: "no such title"}, nil},
		{trials.Filter{Title: "%"}, nil},
		{trials.Filter{Title: "_"}, nil},
	}
	for _, c := range cases {
		ts, total := list(t, s, c.f)
		if c.want == nil {
			c.want = []string{}
		}
		assert.Equal(t, c.want, numbers(ts), "filter %+v", c.f)
		assert.Equal(t, len(c.want), total, "total of filter %+v", c.f)
	}
}

func testPaging(t *testing.T, s trials.Store) {
	var ins []trials.Trial
	// Five trials share a time: they are ordered by number.
	for i := range 12 {
		at := base.Add(-time.Duration(i/5) * time.Hour)
		ins = append(ins, trial(fmt.Sprintf("C%02d", 20-i), "t", at))
	}
	apply(t, s, base, trials.Changeset{Insert: ins})
	all, total := list(t, s, trials.Filter{})
	wantNumbers(t, all, "C16", "C17", "C18", "C19", "C20", "C11", "C12", "C13", "C14", "C15", "C09", "C10")
	require.Equal(t, 12, total)
	page, total := list(t, s, trials.Filter{Offset: 3, Limit: 4})
	wantNumbers(t, page, "C19", "C20", "C11", "C12")
	require.Equal(t, 12, total, "paged total")
	page, total = list(t, s, trials.Filter{Offset: 10, Limit: 4})
	wantNumbers(t, page, "C09", "C10")
	require.Equal(t, 12, total, "last page total")
	page, total = list(t, s, trials.Filter{Offset: 50, Limit: 4})
	require.Empty(t, page, "past the end")
	require.Equal(t, 12, total, "total past the end")
}

// testWindowTotals checks the totals of time windows, paged and
// filtered, as the window moves past a run and after a later run changes
// and adds trials (a store that keeps totals per run must not answer the
// old ones).
func testWindowTotals(t *testing.T, s trials.Store) {
	hour := time.Hour
	var ins []trials.Trial
	for i := range 9 {
		title := "alpha"
		if i%3 == 0 {
			title = "beta"
		}
		ins = append(ins, trial(fmt.Sprintf("W%d", i), title, base.Add(-time.Duration(i/3)*hour)))
	}
	_, seen := apply(t, s, base, trials.Changeset{Insert: ins})
	require.Empty(t, seen)
	check := func(f trials.Filter, want int) {
		t.Helper()
		for _, page := range []trials.Filter{{Limit: 2}, {Offset: 2, Limit: 2}, {Offset: 20, Limit: 2}, {}} {
			page.ChangedSince, page.Title = f.ChangedSince, f.Title
			ts, total := list(t, s, page)
			assert.Equal(t, want, total, "total of %+v", page)
			if page.Limit == 0 {
				assert.Len(t, ts, want, "%+v", page)
			}
		}
	}
	check(trials.Filter{ChangedSince: base.Add(-2 * hour)}, 9)
	check(trials.Filter{ChangedSince: base.Add(-hour)}, 6)
	check(trials.Filter{ChangedSince: base.Add(-hour + time.Microsecond)}, 3)
	check(trials.Filter{ChangedSince: base.Add(-hour), Title: "beta"}, 2)
	check(trials.Filter{ChangedSince: base.Add(time.Microsecond)}, 0)

	// A later run changes W8 (the oldest) and adds W9.
	later := base.Add(hour)
	_, loaded := apply(t, s, later, trials.Changeset{Insert: []trials.Trial{trial("W9", "beta", later)}})
	i := slices.IndexFunc(loaded, func(tr trials.Trial) bool { return tr.Number == "W8" })
	require.GreaterOrEqual(t, i, 0)
	w8 := loaded[i]
	w8.Title, w8.LastChanged, w8.LastSeen = "beta changed", later, later
	apply(t, s, later.Add(hour), trials.Changeset{Update: []trials.Trial{w8}})
	check(trials.Filter{ChangedSince: base.Add(-2 * hour)}, 10)
	check(trials.Filter{ChangedSince: base.Add(-hour)}, 8)
	check(trials.Filter{ChangedSince: later}, 2)
	check(trials.Filter{ChangedSince: later, Title: "beta"}, 2)
	check(trials.Filter{ChangedSince: base.Add(-2 * hour), Title: "beta"}, 5)
}

func testRuns(t *testing.T, s trials.Store) {
	ctx := context.Background()
	r1, _ := apply(t, s, base, trials.Changeset{Insert: []trials.Trial{trial("C1", "one", base)}})
	failed := begin(t, s, base.Add(time.Hour))
	failed.Finished, failed.Pages, failed.Total, failed.Error = base.Add(time.Hour+time.Second+time.Microsecond), 2, 145, "upstream: 500"
	must(t, s.FinishRun(ctx, failed))
	require.NotEqual(t, r1.ID, failed.ID)
	r3, _ := apply(t, s, base.Add(2*time.Hour), trials.Changeset{})
	runs, err := s.Runs(ctx, 10)
	must(t, err)
	require.Len(t, runs, 3)
	assert.Equal(t, []trials.RunID{r3.ID, failed.ID, r1.ID}, []trials.RunID{runs[0].ID, runs[1].ID, runs[2].ID})
	got := runs[1]
	assert.True(t, got.Started.Equal(failed.Started), "started %v, want %v", got.Started, failed.Started)
	assert.True(t, got.Finished.Equal(failed.Finished), "finished %v, want %v", got.Finished, failed.Finished)
	got.Started, got.Finished = failed.Started, failed.Finished
	assert.Equal(t, *failed, got)
	assert.Equal(t, 1, runs[2].Inserted)
	assert.Empty(t, runs[2].Error)
	runs, err = s.Runs(ctx, 2)
	must(t, err)
	require.Len(t, runs, 2)
	assert.Equal(t, r3.ID, runs[0].ID)
	// A failed run changed no trial.
	_, total := list(t, s, trials.Filter{})
	assert.Equal(t, 1, total)
}

func testCopies(t *testing.T, s trials.Store) {
	ctx := context.Background()
	in := trial("C1", "one", base)
	cs := trials.Changeset{Insert: []trials.Trial{in}}
	apply(t, s, base, cs)
	*cs.Insert[0].TargetSize = 999
	cs.Insert[0].Title = "changed after insert"
	got, err := s.TrialByNumber(ctx, "C1")
	must(t, err)
	require.Equal(t, 120, *got.TargetSize, "the store aliases the inserted value")
	require.Equal(t, "one", got.Title, "the store aliases the inserted value")
	*got.TargetSize = 7
	got.Title = "changed after read"
	again, err := s.TrialByNumber(ctx, "C1")
	must(t, err)
	require.Equal(t, 120, *again.TargetSize, "the store aliases a returned value")
	require.Equal(t, "one", again.Title, "the store aliases a returned value")
	ts, _ := list(t, s, trials.Filter{})
	*ts[0].TargetSize = 8
	again, err = s.Trial(ctx, got.ID)
	must(t, err)
	require.Equal(t, 120, *again.TargetSize, "the store aliases a listed value")
}

// testSync runs the service's sync over the store: the rules are the
// domain's, the store must keep what they decide.
func testSync(t *testing.T, s trials.Store) {
	ctx := context.Background()
	src := &StaticSource{Records: Synthetic(250), PerPage: 100}
	now := base
	svc, err := trials.New(s, trials.Config{Source: src, Now: func() time.Time { return now }})
	must(t, err)
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	must(t, err)
	assert.Equal(t, 250, run.Inserted)
	assert.Equal(t, 3, run.Pages)
	assert.Equal(t, 250, run.Total)
	now = base.Add(48 * time.Hour)
	recs := Synthetic(250)
	recs[10].Title = "renamed"
	recs[20].TargetSize = ""
	src.Records = recs[:249]
	run, err = svc.RunSync(ctx, trials.SyncOptions{})
	must(t, err)
	assert.Equal(t, [4]int{0, 2, 247, 1}, [4]int{run.Inserted, run.Changed, run.Unchanged, run.Withdrawn}, "inserted, changed, unchanged, withdrawn")
	d, err := svc.Get(ctx, recs[20].Number)
	must(t, err)
	assert.Nil(t, d.TargetSize)
	assert.Empty(t, d.TargetSizeText)
	assert.True(t, d.LastChanged.Equal(now), "last changed %v, want %v", d.LastChanged, now)
	require.Len(t, d.History, 1)
	assert.Equal(t, trials.FieldTargetSize, d.History[0].Field)
	d, err = svc.Get(ctx, recs[249].Number)
	must(t, err)
	assert.True(t, d.Withdrawn)
	assert.True(t, d.LastSeen.Equal(base), "last seen %v, want %v", d.LastSeen, base)
	d, err = svc.Get(ctx, recs[0].Number)
	must(t, err)
	assert.True(t, d.LastChanged.Equal(base), "last changed %v, want %v", d.LastChanged, base)
	assert.True(t, d.LastSeen.Equal(now), "last seen %v, want %v", d.LastSeen, now)
	require.NotNil(t, d.TargetSize)
	assert.Equal(t, 100, *d.TargetSize)
	list, err := svc.Recent(ctx, 1, 0, 10)
	must(t, err)
	assert.Equal(t, 2, list.Total, "recent: the 2 changed")
}

// testRunLifecycle: a run is recorded when it begins, without a finished
// time, and its end is written into the same record.
func testRunLifecycle(t *testing.T, s trials.Store) {
	ctx := context.Background()
	run := begin(t, s, base)
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.True(t, got.Running(), "a begun run has no finished time: %+v", got)
	assert.True(t, got.Started.Equal(base), "started %v, want %v", got.Started, base)
	runs, err := s.Runs(ctx, 5)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	assert.True(t, runs[0].Running())

	run.Finished, run.Pages, run.Total, run.Error = base.Add(1500*time.Millisecond+time.Microsecond), 1, 3, "upstream: HTTP 500"
	require.NoError(t, s.FinishRun(ctx, run))
	got, err = s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.False(t, got.Running())
	assert.True(t, got.Finished.Equal(run.Finished), "finished %v, want %v", got.Finished, run.Finished)
	assert.Equal(t, "upstream: HTTP 500", got.Error)
	assert.Equal(t, 3, got.Total)

	// A run that was not begun is not found, and nothing is written.
	ghost := &trials.Run{ID: run.ID + 100, Started: base, Finished: base}
	err = s.FinishRun(ctx, ghost)
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, err, trials.ErrRunNotFound)
	before := snapshot(t, s)
	err = s.ApplySync(ctx, ghost, func([]trials.Stored, trials.Load) (*trials.Changeset, error) {
		return &trials.Changeset{Insert: []trials.Trial{trial("C1", "one", base)}, Seen: base}, nil
	})
	require.ErrorIs(t, err, trials.ErrRunNotFound)
	assert.Equal(t, before, snapshot(t, s))
	_, err = s.Run(ctx, ghost.ID)
	require.ErrorIs(t, err, trials.ErrRunNotFound)
}

// testWithdrawalBound: a sync that would withdraw more than the bound
// fails inside the store's transaction and the store keeps nothing of it;
// forced, it withdraws. And a run a dead process left unfinished is
// recorded as failed by the next one.
func testWithdrawalBound(t *testing.T, s trials.Store) {
	ctx := context.Background()
	src := &StaticSource{Records: Synthetic(250), PerPage: 100}
	now := base
	svc, err := trials.New(s, trials.Config{Source: src, Now: func() time.Time { return now }})
	require.NoError(t, err)
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	before := snapshot(t, s)

	now = now.Add(time.Hour)
	src.Records = Synthetic(250)[:200]
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrTooManyWithdrawals)
	assert.Contains(t, run.Error, "withdraw 50 of the 250")
	after := snapshot(t, s)
	// One more run recorded; the trials as they were.
	assert.Equal(t, before[:len(before)-len("2 runs")], after[:len(after)-len("2 runs")])
	got, err := s.Run(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, run.Error, got.Error)
	assert.False(t, got.Running())

	// A process died in the middle of a run.
	stale := begin(t, s, now.Add(time.Minute))
	now = now.Add(time.Hour)
	run, err = svc.RunSync(ctx, trials.SyncOptions{Force: true})
	require.NoError(t, err)
	assert.Equal(t, 50, run.Withdrawn)
	got, err = s.Run(ctx, stale.ID)
	require.NoError(t, err)
	assert.False(t, got.Running())
	assert.Contains(t, got.Error, "interrupted")
	_, total := list(t, s, trials.Filter{})
	assert.Equal(t, 200, total)
}
