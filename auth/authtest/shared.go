package authtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// TwoStores opens one database twice, as two processes would (a server
// and the CLI, two servers), and returns a store over each handle.
type TwoStores func(tb testing.TB) (a, b auth.Store)

// RunSharedDatabaseTests checks that what one process writes ends the
// tokens another has cached at its next request, long before
// Config.TokenCacheTTL: a password set, a superuser withdrawn, a logout,
// each made through a Service over the second handle while the first
// Service, over the first handle, has the token in its cache. The stores
// must be auth.ChangeCounter.
func RunSharedDatabaseTests(t *testing.T, two TwoStores) {
	ctx := context.Background()
	setup := func(t *testing.T) (server, cli *auth.Service, sess *auth.Session) {
		a, b := two(t)
		_, ok := a.(auth.ChangeCounter)
		require.True(t, ok, "the store must be an auth.ChangeCounter")
		// The server's clock stands still: only the count of changes
		// can end a cached entry, never its age.
		now := func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }
		cfg := auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost, TokenCacheTTL: time.Hour, Now: now}
		server, err := auth.New(a, cfg)
		require.NoError(t, err)
		cli, err = auth.New(b, cfg)
		require.NoError(t, err)
		_, err = cli.CreateUser(ctx, auth.RegisterInput{Username: "admin", Password: "old-password"}, true)
		require.NoError(t, err)
		sess, err = server.Login(ctx, auth.LoginInput{Username: "admin", Password: "old-password"})
		require.NoError(t, err)
		// Twice: the second answer is the cache's.
		for range 2 {
			u, err := server.Authenticate(ctx, sess.Token)
			require.NoError(t, err)
			require.True(t, u.Superuser)
		}
		return server, cli, sess
	}

	t.Run("PasswordSetElsewhere", func(t *testing.T) {
		server, cli, sess := setup(t)
		require.NoError(t, cli.SetPassword(ctx, sess.User.ID, "new-password"))
		_, err := server.Authenticate(ctx, sess.Token)
		require.ErrorIs(t, err, auth.ErrTokenBeforePassword)
	})

	t.Run("SuperuserWithdrawnElsewhere", func(t *testing.T) {
		server, cli, sess := setup(t)
		require.NoError(t, cli.SetSuperuser(ctx, sess.User.ID, false))
		u, err := server.Authenticate(ctx, sess.Token)
		require.NoError(t, err)
		assert.False(t, u.Superuser, "the superuser flag withdrawn by another process")
		a, err := server.AuthenticateActor(ctx, sess.Token)
		require.NoError(t, err)
		assert.False(t, a.Superuser)
	})

	t.Run("LogoutElsewhere", func(t *testing.T) {
		server, cli, sess := setup(t)
		require.NoError(t, cli.Logout(ctx, sess.Token))
		_, err := server.Authenticate(ctx, sess.Token)
		require.ErrorIs(t, err, auth.ErrTokenRevoked)
	})

	t.Run("UnrelatedWritesKeepOthersValid", func(t *testing.T) {
		server, cli, sess := setup(t)
		other, err := cli.Register(ctx, auth.RegisterInput{Username: "other", Password: "other-password"})
		require.NoError(t, err)
		require.NoError(t, cli.SetPassword(ctx, other.User.ID, "changed-password"))
		u, err := server.Authenticate(ctx, sess.Token)
		require.NoError(t, err)
		assert.Equal(t, sess.User.ID, u.ID)
		_, err = server.Authenticate(ctx, other.Token)
		assert.True(t, errors.Is(err, auth.ErrTokenBeforePassword), "%v", err)
		assert.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err))
	})
}
