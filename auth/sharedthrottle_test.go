package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/internal/testkit"
)

// mapThrottles is a ThrottleStore in a map, one UpdateThrottle at a time:
// what a database gives servers, for services in one test.
type mapThrottles struct {
	mu      sync.Mutex
	buckets map[string]Bucket
}

func (m *mapThrottles) UpdateThrottle(ctx context.Context, keys []string, fn func([]Bucket) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	bs := make([]Bucket, len(keys))
	for i, k := range keys {
		bs[i] = m.buckets[k]
	}
	if err := fn(bs); err != nil {
		return err
	}
	for i, k := range keys {
		if bs[i] == (Bucket{}) {
			delete(m.buckets, k)
		} else {
			m.buckets[k] = bs[i]
		}
	}
	return nil
}

func (m *mapThrottles) PruneThrottle(ctx context.Context, before time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, b := range m.buckets {
		if b.At.Before(before) && (b.PendingAt.IsZero() || b.PendingAt.Before(before)) {
			delete(m.buckets, k)
		}
	}
	return nil
}

func (m *mapThrottles) len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}

// sharedUsers is the few users of a test, in a map.
type sharedUsers struct {
	Store
	mu    sync.Mutex
	users []*User
}

func (s *sharedUsers) CreateUser(_ context.Context, u *User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.users {
		if FoldKey(o.Username) == FoldKey(u.Username) {
			return ErrUsernameTaken
		}
	}
	c := *u
	c.ID = hanok.UserID(len(s.users) + 1)
	s.users = append(s.users, &c)
	u.ID = c.ID
	return nil
}

func (s *sharedUsers) UserByUsername(_ context.Context, name string) (*User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, u := range s.users {
		if FoldKey(u.Username) == FoldKey(name) {
			c := *u
			return &c, nil
		}
	}
	return nil, hanok.Errorf(hanok.NotFound, "user not found")
}

func (s *sharedUsers) UserByEmail(context.Context, string) (*User, error) {
	return nil, hanok.Errorf(hanok.NotFound, "user not found")
}

// sharingServices returns two Services over one user store and one
// ThrottleStore, as two servers on one database.
func sharingServices(t *testing.T) (a, b *Service, clk *testkit.Clock, th *mapThrottles) {
	t.Helper()
	clk = testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	th = &mapThrottles{buckets: map[string]Bucket{}}
	users := &sharedUsers{}
	mk := func() *Service {
		svc, err := New(users, Config{Secret: make([]byte, 32), BcryptCost: bcrypt.MinCost, Now: clk.Now, Throttles: th})
		require.NoError(t, err)
		return svc
	}
	return mk(), mk(), clk, th
}

func TestSharedLoginBudget(t *testing.T) {
	ctx := context.Background()
	a, b, clk, th := sharingServices(t)
	for _, name := range []string{"park", "choi"} {
		_, err := a.Register(ctx, RegisterInput{Username: name, Password: "password123"})
		require.NoError(t, err)
	}
	// Five failures spread over both services spend one budget; the sixth
	// attempt, on either, is throttled even with the right password.
	for i := range 5 {
		svc := []*Service{a, b}[i%2]
		_, err := svc.Login(ctx, LoginInput{Username: "park", Password: "wrong-password", ClientAddr: "10.0.0.1"})
		require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "failure %d = %v, want Unauthenticated", i+1, err)
	}
	for _, svc := range []*Service{a, b} {
		_, err := svc.Login(ctx, LoginInput{Username: "park", Password: "password123", ClientAddr: "10.0.0.2"})
		require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "sixth attempt = %v, want RateLimited", err)
		d := hanok.RetryAfterOf(err)
		require.GreaterOrEqual(t, d, time.Second, "RetryAfter")
		require.LessOrEqual(t, d, 12*time.Second, "RetryAfter")
	}
	// The address is spent too; another user from another address is not.
	_, err := b.Login(ctx, LoginInput{Username: "choi", Password: "password123", ClientAddr: "10.0.0.1"})
	require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "login from a spent address = %v, want RateLimited", err)
	_, err = b.Login(ctx, LoginInput{Username: "choi", Password: "password123", ClientAddr: "10.0.0.3"})
	require.NoError(t, err, "unrelated login: %v", err)
	// One interval later, one more attempt.
	clk.Add(13 * time.Second)
	_, err = b.Login(ctx, LoginInput{Username: "park", Password: "password123", ClientAddr: "10.0.0.2"})
	require.NoError(t, err, "login after waiting: %v", err)
	// Once every bucket has refilled, nothing is kept.
	clk.Add(time.Hour)
	_, err = a.Login(ctx, LoginInput{Username: "park", Password: "password123", ClientAddr: "10.0.0.1"})
	require.NoError(t, err)
	n := th.len()
	require.EqualValues(t, 0, n, "%d buckets kept after every one refilled, want 0", n)
}

func TestSharedRegistrationBudget(t *testing.T) {
	ctx := context.Background()
	a, b, _, _ := sharingServices(t)
	for i := range 10 {
		svc := []*Service{a, b}[i%2]
		_, err := svc.Register(ctx, RegisterInput{Username: "user" + string(rune('a'+i)), Password: "password123", ClientAddr: "10.0.0.9"})
		require.NoError(t, err, "registration %d: %v", i+1, err)
	}
	_, err := b.Register(ctx, RegisterInput{Username: "onemore", Password: "password123", ClientAddr: "10.0.0.9"})
	require.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "eleventh registration = %v, want RateLimited", err)
}

// Concurrent wrong guesses on two services reach the password check at
// most as often as one budget allows.
func TestSharedBudgetConcurrentFailures(t *testing.T) {
	ctx := context.Background()
	a, b, _, _ := sharingServices(t)
	_, err := a.Register(ctx, RegisterInput{Username: "target", Password: "password123"})
	require.NoError(t, err)
	const n = 20
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		svc := []*Service{a, b}[i%2]
		wg.Go(func() {
			_, err := svc.Login(ctx, LoginInput{Username: "target", Password: "wrong-password"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	checked := 0
	for err := range errs {
		switch hanok.CodeOf(err) {
		case hanok.Unauthenticated:
			checked++
		case hanok.RateLimited:
		default:
			t.Errorf("login = %v", err)
		}
	}
	require.LessOrEqual(t, checked, 5, "concurrent guesses that checked the password")
}

// An attempt whose server stopped before ending it stops counting after
// pendingLifetime.
func TestSharedPendingExpires(t *testing.T) {
	ctx := context.Background()
	th := &mapThrottles{buckets: map[string]Bucket{}}
	st := newSharedThrottle(th, 1, time.Minute, 0)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	wait, _, err := st.begin(ctx, now, []string{"u:x"}, nil)
	require.EqualValues(t, 0, wait, "first attempt: %v %v", wait, err)
	require.NoError(t, err, "first attempt: %v %v", wait, err)
	// Never ended: the one token is held.
	wait, _, _ = st.begin(ctx, now.Add(time.Second), []string{"u:x"}, nil)
	require.NotEqualValues(t, 0, wait, "second attempt while the first is in progress was let through")
	wait, end, err := st.begin(ctx, now.Add(pendingLifetime+time.Second), []string{"u:x"}, nil)
	require.EqualValues(t, 0, wait, "attempt after the first was abandoned: %v %v", wait, err)
	require.NoError(t, err, "attempt after the first was abandoned: %v %v", wait, err)
	end(false)
	n := th.len()
	require.EqualValues(t, 0, n, "%d buckets kept after a success on a full bucket, want 0", n)
}

// Buckets nobody tries again are pruned once every budget would be full,
// and not before.
func TestSharedThrottlePrunes(t *testing.T) {
	ctx := context.Background()
	a, _, clk, th := sharingServices(t)
	for i := range 3 {
		a.Login(ctx, LoginInput{Username: fmt.Sprint("nobody", i), Password: "wrong-password", ClientAddr: "10.0.0.1"})
	}
	a.Register(ctx, RegisterInput{Username: "new", Password: "password123", ClientAddr: "10.0.0.2"})
	n := th.len()
	require.EqualValues(t, 5, n, "%d buckets after 3 failures and a registration, want 5", n)
	// A minute on, login buckets are full but the registration's is not
	// (10 every 30s): nothing is pruned that is not idle.
	clk.Add(2 * time.Minute)
	a.Login(ctx, LoginInput{Username: "nobody0", Password: "wrong-password", ClientAddr: "10.0.0.3"})
	_, ok := th.buckets["r:10.0.0.2"]
	require.True(t, ok, "a registration budget was pruned before it refilled")
	clk.Add(10 * time.Minute)
	a.Login(ctx, LoginInput{Username: "other", Password: "wrong-password", ClientAddr: "10.0.0.4"})
	n = th.len()
	require.EqualValues(t, 2, n, "%d buckets after every old one refilled, want 2 (the last failure's)", n)
}
