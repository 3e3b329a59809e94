package trials_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
	store.heldElsewhere = true
	if _, err := svc.RunSync(ctx, trials.SyncOptions{}); !errors.Is(err, trials.ErrSyncRunning) {
		t.Fatalf("sync while another process holds the lock: %v, want ErrSyncRunning", err)
	}
	store.heldElsewhere, store.lockErr = false, errors.New("connection refused")
	if _, err := svc.RunSync(ctx, trials.SyncOptions{}); err == nil || hanok.CodeOf(err) == hanok.Conflict {
		t.Fatalf("sync when the lock cannot be taken: %v, want an error that is not Conflict", err)
	}
	if n := up.pages(); n != 0 {
		t.Fatalf("refused syncs asked the upstream %d times", n)
	}
	if runs, _ := svc.Runs(ctx, admin, 0); len(runs) != 0 {
		t.Fatalf("refused syncs recorded runs %+v", runs)
	}
	store.lockErr = nil
	if run, err := svc.RunSync(ctx, trials.SyncOptions{}); err != nil || run.Inserted != 3 {
		t.Fatalf("sync: %+v %v", run, err)
	}
	if store.locked {
		t.Fatal("the lock is still held after the run")
	}
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
	if err != nil {
		t.Fatal(err)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}

	tick() // midnight of 11-24: claimed elsewhere
	tick() // midnight of 11-25: this server's
	<-waits
	if n := runs(); n != 1 {
		t.Fatalf("%d runs, want the one of 11-25", n)
	}
	store.mu.Lock()
	store.claimErr = errors.New("connection refused")
	store.mu.Unlock()
	clock.Set(sc.Next(clock.Now())) // midnight of 11-26: the claim fails
	fire <- clock.Now()
	<-waits
	if n := runs(); n != 1 {
		t.Fatalf("%d runs after a failed claim, want 1", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	want := []string{"2026-11-24", "2026-11-25", "2026-11-26"}
	if len(store.claims) != len(want) {
		t.Fatalf("claims %v, want %v", store.claims, want)
	}
	for i := range want {
		if store.claims[i] != want[i] {
			t.Fatalf("claims %v, want %v", store.claims, want)
		}
	}
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
