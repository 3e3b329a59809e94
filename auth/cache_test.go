package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// TestTokenCacheSeesThisServicesWrites: a token answered from the cache
// is refused on the very next call after a logout, and a change of its
// user through the Service shows on the very next call.
func TestTokenCacheSeesThisServicesWrites(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	other, err := svc.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	for range 2 { // the second answer comes from the cache
		u, err := svc.Authenticate(ctx, s.Token)
		require.NoError(t, err)
		assert.False(t, u.Superuser)
		assert.Equal(t, "mirim", u.Username)
	}
	u, err := svc.Authenticate(ctx, s.Token)
	require.NoError(t, err)
	u.Username = "changed by the caller"
	u, err = svc.Authenticate(ctx, s.Token)
	require.NoError(t, err)
	assert.Equal(t, "mirim", u.Username, "a caller's change reached the cache")

	require.NoError(t, svc.SetSuperuser(ctx, s.User.ID, true))
	u, err = svc.Authenticate(ctx, s.Token)
	require.NoError(t, err)
	assert.True(t, u.Superuser, "after SetSuperuser")
	name := "mirim2"
	_, err = svc.UpdateProfile(ctx, hanok.Actor{ID: s.User.ID, Username: "mirim"}, auth.ProfileInput{Username: &name})
	require.NoError(t, err)
	u, err = svc.Authenticate(ctx, s.Token)
	require.NoError(t, err)
	assert.Equal(t, "mirim2", u.Username, "after UpdateProfile")

	require.NoError(t, svc.Logout(ctx, s.Token))
	_, err = svc.Authenticate(ctx, s.Token)
	require.ErrorIs(t, err, auth.ErrTokenRevoked, "a logged-out token")
	// The user's other token is still good.
	_, err = svc.Authenticate(ctx, other.Token)
	require.NoError(t, err, "the other token after a logout")
	// A new password ends every token at once.
	_, err = svc.EnsureSuperuser(ctx, "mirim2", "a new password")
	require.NoError(t, err)
	_, err = svc.Authenticate(ctx, other.Token)
	require.ErrorIs(t, err, auth.ErrTokenBeforePassword, "a token issued under the old password")
}

// TestTokenCacheBound: over a store that is no auth.ChangeCounter (the
// memory store, made for one process), a logout through another Service
// on the same store is seen once TokenCacheTTL has passed; the token's own
// expiry is checked at every call. (Over SQLite and PostgreSQL, which
// count changes, it is seen at once: authtest.RunSharedDatabaseTests.)
func TestTokenCacheBound(t *testing.T) {
	ctx := context.Background()
	clk := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	store := memory.New().Auth()
	_, counts := any(store).(auth.ChangeCounter)
	require.False(t, counts, "the memory store counts no changes")
	cfg := auth.Config{Secret: testSecret, BcryptCost: bcrypt.MinCost, Now: clk.Now, TokenCacheTTL: 10 * time.Second, TokenLifetime: time.Minute}
	a, err := auth.New(store, cfg)
	require.NoError(t, err)
	b, err := auth.New(store, cfg)
	require.NoError(t, err)
	s, err := a.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	_, err = a.Authenticate(ctx, s.Token)
	require.NoError(t, err)
	require.NoError(t, b.Logout(ctx, s.Token))
	_, err = b.Authenticate(ctx, s.Token)
	require.ErrorIs(t, err, auth.ErrTokenRevoked, "the server that logged out")
	clk.Add(9 * time.Second)
	_, err = a.Authenticate(ctx, s.Token)
	require.NoError(t, err, "within the bound the other server still answers from its cache")
	clk.Add(time.Second)
	_, err = a.Authenticate(ctx, s.Token)
	require.ErrorIs(t, err, auth.ErrTokenRevoked, "past the bound")

	// Expiry does not wait for the cache.
	s2, err := a.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	_, err = a.Authenticate(ctx, s2.Token)
	require.NoError(t, err)
	clk.Add(time.Minute)
	_, err = a.Authenticate(ctx, s2.Token)
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "an expired token from the cache: %v", err)

	// A negative TTL turns the cache off: the other server's logout is
	// seen at once.
	cfg.TokenCacheTTL = -1
	c, err := auth.New(store, cfg)
	require.NoError(t, err)
	s3, err := c.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	_, err = c.Authenticate(ctx, s3.Token)
	require.NoError(t, err)
	require.NoError(t, a.Logout(ctx, s3.Token))
	_, err = c.Authenticate(ctx, s3.Token)
	require.ErrorIs(t, err, auth.ErrTokenRevoked, "without a cache")
}

// TestTokenCacheConcurrent authenticates from several goroutines while
// tokens are logged out: once Logout returns, the token is refused. Run it
// with -race.
func TestTokenCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	svc, _, _ := newService(t)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "mirim", Password: "password123"})
	require.NoError(t, err)
	var tokens []string
	for range 20 {
		l, err := svc.Login(ctx, auth.LoginInput{Username: "mirim", Password: "password123"})
		require.NoError(t, err)
		tokens = append(tokens, l.Token)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, _ = svc.Authenticate(ctx, tokens[i%len(tokens)])
				_, _ = svc.Authenticate(ctx, s.Token)
			}
		})
	}
	for _, tok := range tokens {
		_, err := svc.Authenticate(ctx, tok)
		require.NoError(t, err)
		require.NoError(t, svc.Logout(ctx, tok))
		_, err = svc.Authenticate(ctx, tok)
		require.ErrorIs(t, err, auth.ErrTokenRevoked, "a token logged out a moment ago")
	}
}
