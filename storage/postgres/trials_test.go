package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

func trialsHarness(tb testing.TB) storetest.Harness[trials.Store] {
	db := openTestDB(tb)
	return storetest.Harness[trials.Store]{Store: db.Trials(), Users: authtest.Users(db.Auth())}
}

// openPools opens n pools on one new schema, as n servers would.
func openPools(t *testing.T, n int) []*postgres.DB {
	t.Helper()
	dsn := pgtest.DSN(t)
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		db, err := postgres.Open(context.Background(), dsn, postgres.WithMaxConns(4))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// upstreamClient is the real client of the fake upstream up.
func upstreamClient(t *testing.T, up *trialstest.Upstream) *odcloud.Client {
	t.Helper()
	c, err := odcloud.New(odcloud.Config{Endpoint: up.URL, Key: trialstest.UpstreamKey, BaseDelay: time.Millisecond, Rate: -1, Retries: 1})
	require.NoError(t, err)
	return c
}

// gatedSource holds its first page until released.
type gatedSource struct {
	src     trials.Source
	entered chan struct{}
	release chan struct{}
	once    sync.Once
}

func (g *gatedSource) Page(ctx context.Context, n int) (*trials.Page, error) {
	g.once.Do(func() { close(g.entered) })
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return g.src.Page(ctx, n)
}

// Two servers (two services, each with its own pool) on one database: a
// sync asked of one while the other's runs is refused with Conflict
// (ErrSyncRunning, the adapter's 409 SYNC_IN_PROGRESS) and changes
// nothing; once the first is done, and after a failed one, the other
// syncs.
func TestTrialsOneSyncAcrossServers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbs := openPools(t, 2)
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	gate := &gatedSource{src: upstreamClient(t, up), entered: make(chan struct{}), release: make(chan struct{})}
	a, err := trials.New(dbs[0].Trials(), trials.Config{Source: gate})
	require.NoError(t, err)
	b, err := trials.New(dbs[1].Trials(), trials.Config{Source: upstreamClient(t, up)})
	require.NoError(t, err)

	type result struct {
		run *trials.Run
		err error
	}
	first := make(chan result)
	go func() {
		run, err := a.RunSync(ctx, trials.SyncOptions{})
		first <- result{run, err}
	}()
	<-gate.entered
	requests := up.Requests()
	_, err = b.RunSync(ctx, trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrSyncRunning, "a sync on B while A syncs")
	assert.Equal(t, requests, up.Requests(), "the refused sync asked the upstream")
	close(gate.release)
	r := <-first
	require.NoError(t, r.err, "A's sync")
	assert.Equal(t, 145, r.run.Inserted)
	runs, err := b.Runs(ctx, hanok.Actor{ID: 1, Superuser: true}, 10)
	require.NoError(t, err)
	assert.Len(t, runs, 1, "runs after the refused sync: A's only")

	// A is done: B may sync.
	run, err := b.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err, "B's sync after A's")
	assert.Equal(t, 145, run.Unchanged)
	// A failed sync lets go of the lock too.
	up.Fail(1, trialstest.Fail500, trialstest.Fail500)
	_, err = b.RunSync(ctx, trials.SyncOptions{})
	assert.Equal(t, hanok.Unavailable, hanok.CodeOf(err), "B's sync of a failing upstream: %v", err)
	run, err = a.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err, "A's sync after B's failed one")
	assert.Equal(t, 145, run.Unchanged)
}

// A server whose connection dies mid-sync loses the lock with it: the
// other server may sync at once.
func TestTrialsSyncLockDiesWithItsConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbs := openPools(t, 2)
	unlock, ok, err := dbs[0].Trials().TryLockSync(ctx)
	require.NoError(t, err, "first lock: %v %v", ok, err)
	require.True(t, ok, "first lock: %v %v", ok, err)
	release := sync.OnceFunc(unlock)
	defer release()
	_, ok, err = dbs[1].Trials().TryLockSync(ctx)
	require.NoError(t, err, "second lock while the first is held: %v %v, want refused", ok, err)
	require.False(t, ok, "second lock while the first is held: %v %v, want refused", ok, err)
	// The holder's connection dies (its server crashed, or the network
	// went away); pg_terminate_backend waits until it has.
	var killed int
	err = dbs[1].Pool().QueryRow(ctx, `WITH holder AS MATERIALIZED (
			SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1 AND pid <> pg_backend_pid()
				AND objid::bigint = hashtext(current_schema())::bigint & 4294967295)
		SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 60000)) FROM holder`, 0x74726961).Scan(&killed)
	require.NoError(t, err, "terminating the holder: %d %v", killed, err)
	require.EqualValues(t, 1, killed, "terminating the holder: %d %v", killed, err)
	unlock2, ok, err := dbs[1].Trials().TryLockSync(ctx)
	require.NoError(t, err, "lock after the holder's connection died: %v %v", ok, err)
	require.True(t, ok, "lock after the holder's connection died: %v %v", ok, err)
	unlock2()
	release() // unlocking on a dead connection does no harm
	unlock, ok, err = dbs[0].Trials().TryLockSync(ctx)
	require.NoError(t, err, "the first pool locks again: %v %v", ok, err)
	require.True(t, ok, "the first pool locks again: %v %v", ok, err)
	unlock()
}

// Two servers' daily schedules on one database: each day's sync runs
// once, by whichever server claims the day first, not once per server.
func TestTrialsScheduleOncePerDayAcrossServers(t *testing.T) {
	t.Parallel()
	dbs := openPools(t, 2)
	up := trialstest.NewUpstream(t, trialstest.Synthetic(30))
	sc, err := trials.ParseSchedule("03:00")
	require.NoError(t, err)
	// 02:00 in Seoul on 2026-11-23.
	clock := testkit.NewClock(time.Date(2026, 11, 22, 17, 0, 0, 0, time.UTC))
	waiting := make(chan int)
	var fire [2]chan time.Time
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range dbs {
		fire[i] = make(chan time.Time, 1)
		svc, err := trials.New(dbs[i].Trials(), trials.Config{
			Source: upstreamClient(t, up),
			Now:    clock.Now,
			After: func(time.Duration) <-chan time.Time {
				waiting <- i
				return fire[i]
			},
		})
		require.NoError(t, err)
		wg.Go(func() {
			err := svc.RunDaily(ctx, sc)
			assert.NoError(t, err)
		})
	}
	defer func() {
		cancel()
		// Let a schedule blocked on handing over its wait go.
		go func() {
			for range waiting {
			}
		}()
		wg.Wait()
		close(waiting)
	}()
	bothWaiting := func() {
		t.Helper()
		seen := map[int]bool{}
		for len(seen) < 2 {
			seen[<-waiting] = true
		}
	}
	runs := func() []trials.Run {
		t.Helper()
		rs, err := dbs[0].Trials().Runs(context.Background(), 10)
		require.NoError(t, err)
		return rs
	}

	bothWaiting()
	for day := range 3 {
		// The schedule's time comes on both servers at once.
		clock.Set(time.Date(2026, 11, 22+day, 18, 0, 0, 0, time.UTC))
		fire[0] <- clock.Now()
		fire[1] <- clock.Now()
		bothWaiting() // each has claimed (or not), run, and waits again
		rs := runs()
		require.Len(t, rs, day+1, "after day %d: runs %+v, want one a day", day+1, rs)
		require.Empty(t, rs[0].Error, "after day %d: runs %+v, want one a day", day+1, rs)
		if day == 0 {
			require.Equal(t, 30, rs[0].Inserted, "the first run's Inserted: %+v", rs[0])
		}
	}
}

// Two applies on two pools at once, without the sync lock (as two
// programs using the store directly would), run one after the other: the
// second plans with what the first wrote, so each trial is inserted once.
func TestTrialsApplySerializedAcrossPools(t *testing.T) {
	t.Parallel()
	dbs := openPools(t, 2)
	records := trialstest.Synthetic(50)
	apply := func(s trials.Store) (int, error) {
		inserted := 0
		run := &trials.Run{Started: time.Now()}
		if err := s.BeginRun(context.Background(), run); err != nil {
			return 0, err
		}
		run.Finished = time.Now()
		err := s.ApplySync(context.Background(), run, func(stored []trials.Stored, _ trials.Load) (*trials.Changeset, error) {
			have := map[string]bool{}
			for _, st := range stored {
				have[st.Number] = true
			}
			cs := &trials.Changeset{Seen: run.Started}
			for _, r := range records {
				if !have[r.Number] {
					tr := trials.FromRecord(r)
					tr.FirstSeen, tr.LastChanged, tr.LastSeen = run.Started, run.Started, run.Started
					cs.Insert = append(cs.Insert, tr)
				}
			}
			inserted = len(cs.Insert)
			return cs, nil
		})
		return inserted, err
	}
	var wg sync.WaitGroup
	var n [2]int
	var errs [2]error
	for i := range dbs {
		wg.Go(func() { n[i], errs[i] = apply(dbs[i].Trials()) })
	}
	wg.Wait()
	require.Nil(t, errs[0], "applies: %v, %v", errs[0], errs[1])
	require.Nil(t, errs[1], "applies: %v, %v", errs[0], errs[1])
	require.Equal(t, len(records), n[0]+n[1], "inserted %d and %d, want %d in all", n[0], n[1], len(records))
	_, total, err := dbs[0].Trials().Trials(context.Background(), trials.Filter{IncludeWithdrawn: true})
	require.NoError(t, err, "%d trials stored (%v), want %d", total, err, len(records))
	require.Equal(t, len(records), total, "%d trials stored (%v), want %d", total, err, len(records))
}
