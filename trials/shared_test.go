package trials_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// sharedStore is a memory store that acts as a store shared with other
// processes: heldElsewhere says another process holds the sync lock, and
// claimed the days other processes have claimed.
type sharedStore struct {
	trials.Store
	mu            sync.Mutex
	heldElsewhere bool
	locked        bool
	lockErr       error
	claimed       map[string]bool
	claimErr      error
	claims        []string
}

func (s *sharedStore) TryLockSync(context.Context) (func(), bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lockErr != nil {
		return nil, false, s.lockErr
	}
	if s.heldElsewhere || s.locked {
		return nil, false, nil
	}
	s.locked = true
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.locked = false
	}, true, nil
}

func (s *sharedStore) ClaimScheduledSync(_ context.Context, day string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = append(s.claims, day)
	if s.claimErr != nil {
		return false, s.claimErr
	}
	if s.claimed[day] {
		return false, nil
	}
	s.claimed[day] = true
	return true, nil
}

func newShared() *sharedStore {
	return &sharedStore{Store: memory.New().Trials(), claimed: map[string]bool{}}
}

// On a SharedStore a sync runs only while it holds the store's lock: held
// by another process, the sync is refused as in one process, before the
// upstream is asked; a lock that cannot be taken is an error; the lock is
// let go after every run.
func TestSharedStoreSyncLock(t *testing.T) {
	ctx := context.Background()
	store := newShared()
	up := &countingSource{src: &trialstest.StaticSource{Records: trialstest.Synthetic(3)}}
	svc, err := trials.New(store, trials.Config{Source: up, Now: testkit.NewClock(start).Now})
	require.NoError(t, err)
	store.heldElsewhere = true
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.ErrorIs(t, err, trials.ErrSyncRunning, "a sync while another process holds the lock")
	store.heldElsewhere, store.lockErr = false, errors.New("connection refused")
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.Error(t, err)
	assert.NotEqual(t, hanok.Conflict, hanok.CodeOf(err), "a lock that cannot be taken is no conflict")
	assert.Zero(t, up.pages(), "refused syncs asked the upstream")
	runs, err := svc.Runs(ctx, admin, 0)
	require.NoError(t, err)
	assert.Empty(t, runs, "refused syncs recorded runs")
	store.lockErr = nil
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 3, run.Inserted)
	assert.False(t, store.locked, "the lock is still held after the run")
}

// On a SharedStore the schedule claims each day before it runs: a day
// another process has claimed, or one that cannot be claimed, is skipped.
func TestSharedStoreRunDailyClaims(t *testing.T) {
	clock := testkit.NewClock(start) // 10:00 on 2026-11-23 in Seoul
	waits := make(chan time.Duration)
	fire := make(chan time.Time)
	store := newShared()
	store.claimed["2026-11-24"] = true // another server's
	svc, err := trials.New(store, trials.Config{
		Source: &trialstest.StaticSource{Records: trialstest.Synthetic(3)},
		Now:    clock.Now,
		After: func(d time.Duration) <-chan time.Time {
			waits <- d
			return fire
		},
	})
	require.NoError(t, err)
	sc, _ := trials.ParseSchedule("00:00")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.RunDaily(ctx, sc) }()
	tick := func() {
		t.Helper()
		<-waits
		clock.Set(sc.Next(clock.Now()))
		fire <- clock.Now()
	}
	runs := func() int {
		t.Helper()
		rs, err := svc.Runs(context.Background(), admin, 0)
		require.NoError(t, err)
		return len(rs)
	}

	tick() // midnight of 11-24: claimed elsewhere
	tick() // midnight of 11-25: this server's
	<-waits
	require.Equal(t, 1, runs(), "the run of 11-25")
	store.mu.Lock()
	store.claimErr = errors.New("connection refused")
	store.mu.Unlock()
	clock.Set(sc.Next(clock.Now())) // midnight of 11-26: the claim fails
	fire <- clock.Now()
	<-waits
	require.Equal(t, 1, runs(), "runs after a failed claim")
	cancel()
	require.NoError(t, <-done)
	store.mu.Lock()
	defer store.mu.Unlock()
	want := []string{"2026-11-24", "2026-11-25", "2026-11-26"}
	assert.Equal(t, want, store.claims)
}

// countingSource counts the pages asked of src.
type countingSource struct {
	src trials.Source
	mu  sync.Mutex
	n   int
}

func (c *countingSource) Page(ctx context.Context, n int) (*trials.Page, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.src.Page(ctx, n)
}

func (c *countingSource) pages() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}
