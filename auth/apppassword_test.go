package auth_test

import (
	"bytes"
	"context"
	"strings"
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

func TestAppPasswordSignIn(t *testing.T) {
	ctx := t.Context()
	clk := testkit.NewClock(time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC))
	store := &barrierStore{AuthStore: memory.New().Auth()}
	svc, err := auth.New(store, auth.Config{Secret: bytes.Repeat([]byte("s"), 32), BcryptCost: bcrypt.MinCost, Now: clk.Now, LoginAttempts: 3})
	require.NoError(t, err)
	s, err := svc.Register(ctx, auth.RegisterInput{Username: "park", Email: "park@jungi.me", Password: "account-password"})
	require.NoError(t, err)
	other, err := svc.Register(ctx, auth.RegisterInput{Username: "kim", Email: "kim@jungi.me", Password: "account-password"})
	require.NoError(t, err)
	actor := s.User.Actor()

	p, password, err := svc.CreateAppPassword(ctx, actor, " phone ")
	require.NoError(t, err)
	assert.Equal(t, "phone", p.Name)
	_, otherPassword, err := svc.CreateAppPassword(ctx, other.User.Actor(), "kim's phone")
	require.NoError(t, err)

	u, err := svc.CheckAppPassword(ctx, auth.LoginInput{Username: "Park@Jungi.me", Password: password})
	require.NoError(t, err, "by email, any case")
	assert.Equal(t, s.User.ID, u.ID)
	_, err = svc.CheckAppPassword(ctx, auth.LoginInput{Username: "park", Password: strings.ToUpper(strings.ReplaceAll(password, "-", ""))})
	require.NoError(t, err, "by username, without dashes, in capitals")
	ps, err := svc.AppPasswords(ctx, actor)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	assert.True(t, clk.Now().Equal(ps[0].LastUsed), "the use is recorded: %v", ps[0].LastUsed)

	// A calendar app sends several requests at once: more than the
	// budget of failures, all signed in. The store holds every lookup
	// until all ten are in flight.
	var wg sync.WaitGroup
	errs := make([]error, 10)
	store.arm(len(errs))
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = svc.CheckAppPassword(ctx, auth.LoginInput{Username: "park@jungi.me", Password: password, ClientAddr: "192.0.2.9"})
		})
	}
	wg.Wait()
	store.arm(0)
	for _, err := range errs {
		require.NoError(t, err, "concurrent sign-ins with the right app password")
	}

	for _, tc := range []struct{ name, user, password string }{
		{"the account password", "park@jungi.me", "account-password"},
		{"another user's app password", "park@jungi.me", otherPassword},
		{"an unknown user", "nobody@jungi.me", password},
	} {
		_, err := svc.CheckAppPassword(ctx, auth.LoginInput{Username: tc.user, Password: tc.password, ClientAddr: "192.0.2.1"})
		require.Error(t, err, tc.name)
		assert.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), tc.name)
		assert.Equal(t, "wrong username or password", hanok.MessageOf(err), tc.name)
	}

	// The failures spent the login budget: the next attempt, even a right
	// one, is throttled, as Login is.
	_, err = svc.CheckAppPassword(ctx, auth.LoginInput{Username: "park@jungi.me", Password: "account-password", ClientAddr: "192.0.2.1"})
	require.Error(t, err)
	_, err = svc.CheckAppPassword(ctx, auth.LoginInput{Username: "park@jungi.me", Password: password, ClientAddr: "192.0.2.1"})
	assert.Equal(t, hanok.RateLimited, hanok.CodeOf(err), "throttled: %v", err)
	clk.Add(time.Hour)
	_, err = svc.CheckAppPassword(ctx, auth.LoginInput{Username: "park@jungi.me", Password: password, ClientAddr: "192.0.2.1"})
	require.NoError(t, err, "the budget refills")

	// Revoked: refused from the next request on.
	require.ErrorIs(t, svc.RevokeAppPassword(ctx, other.User.Actor(), p.ID), auth.ErrAppPasswordNotFound)
	require.NoError(t, svc.RevokeAppPassword(ctx, actor, p.ID))
	_, err = svc.CheckAppPassword(ctx, auth.LoginInput{Username: "park@jungi.me", Password: password})
	assert.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err))

	// At most MaxAppPasswords.
	for range auth.MaxAppPasswords {
		_, _, err := svc.CreateAppPassword(ctx, actor, "device")
		require.NoError(t, err)
	}
	_, _, err = svc.CreateAppPassword(ctx, actor, "one too many")
	require.ErrorIs(t, err, auth.ErrTooManyAppPasswords)
}

// barrierStore holds each AppPasswordByHash, once armed for n callers,
// until n are in it (or a second has passed, so that a test that fails
// does not hang).
type barrierStore struct {
	*memory.AuthStore
	mu      sync.Mutex
	n       int
	in      int
	release chan struct{}
}

func (b *barrierStore) arm(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n, b.in, b.release = n, 0, make(chan struct{})
}

func (b *barrierStore) AppPasswordByHash(ctx context.Context, hash []byte) (*auth.AppPassword, error) {
	b.mu.Lock()
	release := b.release
	if b.n > 0 {
		b.in++
		if b.in == b.n {
			close(b.release)
		}
	}
	armed := b.n > 0
	b.mu.Unlock()
	if armed {
		select {
		case <-release:
		case <-time.After(time.Second):
		}
	}
	return b.AuthStore.AppPasswordByHash(ctx, hash)
}
