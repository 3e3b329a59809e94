package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// trialsPair opens two DBs on one file, as a server and trials-sync
// beside it, and a service that syncs recs through the second at the
// time *now.
func trialsPair(t *testing.T, recs *[]trials.Record, now *time.Time) (server, other *DB, runSync func()) {
	t.Helper()
	ctx := context.Background()
	server = openTestDB(t)
	other = openAgain(t, server)
	src := &trialstest.StaticSource{}
	svc, err := trials.New(other.Trials(), trials.Config{Source: src, Now: func() time.Time { return *now }})
	require.NoError(t, err)
	return server, other, func() {
		t.Helper()
		src.Records = *recs
		_, err := svc.RunSync(ctx, trials.SyncOptions{})
		require.NoError(t, err)
	}
}

// TestTrialsCacheSeesOtherDBs: every read of the server's store (a trial
// by id and by number, its history, a search, a window of the last 7
// days) answers, at its next request, what a sync by the other DB wrote;
// a repeated read is answered without a query, also a window asked for
// at a later time that holds the same runs; a window the clock moved
// past a run's start is right.
func TestTrialsCacheSeesOtherDBs(t *testing.T) {
	ctx := context.Background()
	day := 24 * time.Hour
	start := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	now := start
	recs := trialstest.Synthetic(3)
	db, _, runSync := trialsPair(t, &recs, &now)
	runSync() // ids 1 to 3, changed at start
	queries := countReads(t, db)
	s := db.Trials()

	byID := func(id trials.ID) (*trials.Trial, error) { return s.Trial(ctx, id) }
	byNumber := func(number string) *trials.Trial {
		t.Helper()
		tr, err := s.TrialByNumber(ctx, number)
		require.NoError(t, err)
		return tr
	}
	history := func(number string) []trials.Change {
		t.Helper()
		h, err := s.History(ctx, number)
		require.NoError(t, err)
		return h
	}
	list := func(f trials.Filter) ([]string, int) {
		t.Helper()
		ts, total, err := s.Trials(ctx, f)
		require.NoError(t, err)
		numbers := []string{}
		for _, tr := range ts {
			numbers = append(numbers, tr.Number)
		}
		return numbers, total
	}
	// week is the window of the last 7 days at at, as the service asks.
	week := func(at time.Time) trials.Filter { return trials.Filter{ChangedSince: at.Add(-7 * day), Limit: 10} }
	search := trials.Filter{Title: hanok.Fold("Renamed"), Limit: 10}
	all := []string{recs[0].Number, recs[1].Number, recs[2].Number}

	// Fill the cache; the second reads are hits, also of the window at a
	// later time.
	fill := func() {
		byID(1)
		byID(4)
		byNumber(recs[1].Number)
		history(recs[1].Number)
		list(search)
		list(week(now))
	}
	fill()
	queries.Store(0)
	tr, err := byID(1)
	require.NoError(t, err)
	assert.Equal(t, recs[0].Number, tr.Number)
	_, err = byID(4)
	require.ErrorIs(t, err, trials.ErrTrialNotFound)
	assert.Equal(t, recs[1].Title, byNumber(recs[1].Number).Title)
	assert.Empty(t, history(recs[1].Number))
	got, total := list(search)
	assert.Empty(t, got)
	assert.Zero(t, total)
	for _, at := range []time.Time{now, now.Add(time.Hour), now.Add(3 * day)} {
		got, total = list(week(at))
		assert.Equal(t, all, got, "window at %v", at)
		assert.Equal(t, 3, total, "window at %v", at)
	}
	require.Zero(t, queries.Load(), "reads of cached rows")

	// The clock moves past the run's start: the window is empty.
	got, total = list(week(start.Add(7*day + time.Microsecond)))
	assert.Empty(t, got)
	assert.Zero(t, total)

	// What a caller does to what it got does not reach the cache.
	*byNumber(recs[1].Number).TargetSize = -1
	tr, err = byID(2)
	require.NoError(t, err)
	tr.Title = "changed"
	ts, _, err := s.Trials(ctx, week(now))
	require.NoError(t, err)
	ts[1].Title = "changed"
	*ts[1].TargetSize = -1
	assert.Equal(t, recs[1].Title, byNumber(recs[1].Number).Title)
	assert.NotEqual(t, -1, *byNumber(recs[1].Number).TargetSize)
	ts, _, err = s.Trials(ctx, week(now))
	require.NoError(t, err)
	assert.Equal(t, recs[1].Title, ts[1].Title)
	assert.NotEqual(t, -1, *ts[1].TargetSize)

	// Ten days later the other DB syncs: S2 renamed, a fourth trial.
	now = start.Add(10 * day)
	recs[1].Title = "Renamed"
	recs = append(recs, trialstest.Synthetic(4)[3])
	runSync()
	tr, err = byID(4)
	require.NoError(t, err, "a trial another DB inserted")
	assert.Equal(t, recs[3].Number, tr.Number)
	assert.Equal(t, "Renamed", byNumber(recs[1].Number).Title, "a trial another DB changed")
	h := history(recs[1].Number)
	require.Len(t, h, 1, "history after another DB's change")
	assert.Equal(t, "Renamed", h[0].New)
	got, total = list(search)
	assert.Equal(t, []string{recs[1].Number}, got, "search after another DB's change")
	assert.Equal(t, 1, total)
	got, total = list(week(now))
	assert.Equal(t, []string{recs[1].Number, recs[3].Number}, got, "window after another DB's sync")
	assert.Equal(t, 2, total)
	// A window that reaches back to the first run (asked by a clock
	// behind) holds them all.
	got, total = list(week(start.Add(6 * day)))
	assert.Equal(t, []string{recs[1].Number, recs[3].Number, recs[0].Number, recs[2].Number}, got)
	assert.Equal(t, 4, total)
	got, total = list(trials.Filter{ChangedSince: start.Add(-day), Offset: 3, Limit: 10})
	assert.Equal(t, []string{recs[2].Number}, got, "second page")
	assert.Equal(t, 4, total)

	// Unchanged since: hits again.
	fill()
	queries.Store(0)
	fill()
	list(week(now.Add(day)))
	require.Zero(t, queries.Load(), "reads of cached rows after the sync")

	// A sync of this DB's own: seen at once.
	own, err := trials.New(db.Trials(), trials.Config{Source: &trialstest.StaticSource{Records: recs[:3]}, Now: func() time.Time { return now.Add(day) }})
	require.NoError(t, err)
	_, err = own.RunSync(ctx, trials.SyncOptions{Force: true})
	require.NoError(t, err)
	tr, err = byID(4)
	require.NoError(t, err)
	assert.True(t, tr.Withdrawn, "a trial this DB withdrew")
	got, total = list(week(now.Add(day)))
	assert.Equal(t, []string{recs[1].Number}, got, "window after this DB's withdrawal")
	assert.Equal(t, 1, total)
}

// TestTrialsCacheConcurrent: readers of the server's store while the
// other DB syncs; once the syncs are done every read answers the last.
func TestTrialsCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	recs := trialstest.Synthetic(20)
	db, _, runSync := trialsPair(t, &recs, &now)
	runSync()
	s := db.Trials()
	week := func() trials.Filter { return trials.Filter{ChangedSince: now.Add(-7 * 24 * time.Hour), Limit: 5} }
	f := week()

	number := recs[0].Number
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				_, _, err := s.Trials(ctx, f)
				assert.NoError(t, err)
				_, err = s.TrialByNumber(ctx, number)
				assert.NoError(t, err)
				_, err = s.History(ctx, number)
				assert.NoError(t, err)
			}
		})
	}
	for i := range 5 {
		recs[0].Title = fmt.Sprintf("title %d", i)
		runSync()
	}
	close(done)
	wg.Wait()
	tr, err := s.TrialByNumber(ctx, recs[0].Number)
	require.NoError(t, err)
	assert.Equal(t, "title 4", tr.Title)
	h, err := s.History(ctx, recs[0].Number)
	require.NoError(t, err)
	assert.Len(t, h, 5)
	_, total, err := s.Trials(ctx, f)
	require.NoError(t, err)
	assert.Equal(t, 20, total)
}
