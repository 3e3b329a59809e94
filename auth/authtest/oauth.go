package authtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storetest"
)

// RunOAuthStoreTests is the conformance suite of auth.OAuthStore; each
// subtest gets a new, empty store (and the auth store of its users).
func RunOAuthStoreTests(t *testing.T, mk storetest.Maker[auth.OAuthStore]) {
	ctx := context.Background()
	at := time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC)
	newApp := func(id string) *auth.App {
		return &auth.App{ClientID: id, SecretHash: []byte("digest-" + id), Name: "App " + id,
			RedirectURIs: []string{auth.OOBRedirect, "https://app.example/cb"}, Scopes: []string{"read", "write:statuses"},
			Website: "https://app.example", Created: at}
	}

	t.Run("Apps", func(t *testing.T) {
		s := mk(t).Store
		a := newApp("client-1")
		require.NoError(t, s.CreateApp(ctx, a))
		require.Positive(t, a.ID)
		got, err := s.AppByClientID(ctx, "client-1")
		require.NoError(t, err)
		assert.Equal(t, a, got)
		assert.True(t, got.Revoked.IsZero())

		err = s.CreateApp(ctx, newApp("client-1"))
		require.ErrorIs(t, err, auth.ErrClientIDTaken)
		_, err = s.AppByClientID(ctx, "nobody")
		assert.True(t, errors.Is(err, auth.ErrAppNotFound), "got %v", err)
		_, err = s.AppByClientID(ctx, "CLIENT-1")
		assert.True(t, errors.Is(err, auth.ErrAppNotFound), "client ids are exact: got %v", err)
	})

	t.Run("Grants", func(t *testing.T) {
		h := mk(t)
		s := h.Store
		user := h.CreateUser(t, "gina")
		require.NoError(t, s.CreateApp(ctx, newApp("c")))
		g := &auth.Grant{TokenID: "jti-1", ClientID: "c", User: user, Scopes: []string{"read", "follow"}, Created: at, Expires: at.Add(time.Hour)}
		require.NoError(t, s.CreateGrant(ctx, g))
		app := &auth.Grant{TokenID: "jti-2", ClientID: "c", Scopes: []string{"read"}, Created: at.Add(time.Second), Expires: at.Add(time.Hour)}
		require.NoError(t, s.CreateGrant(ctx, app))
		got, err := s.GrantByToken(ctx, "jti-1")
		require.NoError(t, err)
		assert.Equal(t, g, got)
		got, err = s.GrantByToken(ctx, "jti-2")
		require.NoError(t, err)
		assert.Equal(t, hanok.UserID(0), got.User)

		require.ErrorIs(t, s.CreateGrant(ctx, g), auth.ErrTokenIDTaken)
		err = s.CreateGrant(ctx, &auth.Grant{TokenID: "jti-3", ClientID: "nobody", Created: at, Expires: at})
		assert.True(t, errors.Is(err, auth.ErrAppNotFound), "got %v", err)
		_, err = s.GrantByToken(ctx, "jti-3")
		assert.True(t, errors.Is(err, auth.ErrGrantNotFound), "got %v", err)

		// Revoking keeps the first time.
		require.NoError(t, s.RevokeGrant(ctx, "jti-1", at.Add(time.Minute)))
		require.NoError(t, s.RevokeGrant(ctx, "jti-1", at.Add(2*time.Minute)))
		got, err = s.GrantByToken(ctx, "jti-1")
		require.NoError(t, err)
		assert.True(t, got.Revoked.Equal(at.Add(time.Minute)), "revoked %v", got.Revoked)
		err = s.RevokeGrant(ctx, "nobody", at)
		assert.True(t, errors.Is(err, auth.ErrGrantNotFound), "got %v", err)

		// Pruning deletes the grants of expired tokens only.
		require.NoError(t, s.CreateGrant(ctx, &auth.Grant{TokenID: "old", ClientID: "c", User: user, Scopes: []string{"read"}, Created: at, Expires: at.Add(time.Minute)}))
		n, err := s.PruneGrants(ctx, at.Add(30*time.Minute))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = s.GrantByToken(ctx, "old")
		assert.True(t, errors.Is(err, auth.ErrGrantNotFound), "got %v", err)
		_, err = s.GrantByToken(ctx, "jti-1")
		assert.NoError(t, err)
	})

	t.Run("RevokeApp", func(t *testing.T) {
		h := mk(t)
		s := h.Store
		user := h.CreateUser(t, "rita")
		require.NoError(t, s.CreateApp(ctx, newApp("a")))
		require.NoError(t, s.CreateApp(ctx, newApp("b")))
		for i, id := range []string{"a1", "a2", "a3"} {
			require.NoError(t, s.CreateGrant(ctx, &auth.Grant{TokenID: id, ClientID: "a", User: user, Scopes: []string{"read"},
				Created: at.Add(time.Duration(i) * time.Second), Expires: at.Add(time.Hour)}))
		}
		require.NoError(t, s.CreateGrant(ctx, &auth.Grant{TokenID: "b1", ClientID: "b", User: user, Scopes: []string{"read"}, Created: at, Expires: at.Add(time.Hour)}))
		require.NoError(t, s.RevokeGrant(ctx, "a2", at))

		revoked, err := s.RevokeApp(ctx, "a", at.Add(time.Minute))
		require.NoError(t, err)
		var ids []string
		for _, g := range revoked {
			ids = append(ids, g.TokenID)
			assert.Equal(t, "a", g.ClientID)
			assert.True(t, g.Expires.Equal(at.Add(time.Hour)))
		}
		assert.Equal(t, []string{"a1", "a3"}, ids, "the grants not revoked before, oldest first")
		a, err := s.AppByClientID(ctx, "a")
		require.NoError(t, err)
		assert.True(t, a.Revoked.Equal(at.Add(time.Minute)))
		g, err := s.GrantByToken(ctx, "a2")
		require.NoError(t, err)
		assert.True(t, g.Revoked.Equal(at), "an earlier revocation is kept")
		g, err = s.GrantByToken(ctx, "b1")
		require.NoError(t, err)
		assert.True(t, g.Revoked.IsZero(), "another app's grant stays")

		revoked, err = s.RevokeApp(ctx, "a", at.Add(time.Hour))
		require.NoError(t, err)
		assert.Empty(t, revoked)
		a, err = s.AppByClientID(ctx, "a")
		require.NoError(t, err)
		assert.True(t, a.Revoked.Equal(at.Add(time.Minute)), "the first revocation is kept")
		_, err = s.RevokeApp(ctx, "nobody", at)
		assert.True(t, errors.Is(err, auth.ErrAppNotFound), "got %v", err)
	})

	t.Run("Codes", func(t *testing.T) {
		h := mk(t)
		s := h.Store
		user := h.CreateUser(t, "cody")
		require.NoError(t, s.CreateApp(ctx, newApp("c")))
		c := &auth.AuthCode{CodeHash: "h1", ClientID: "c", User: user, RedirectURI: auth.OOBRedirect, Scopes: []string{"read", "write"},
			Challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", ChallengeMethod: "S256", Expires: at.Add(10 * time.Minute)}
		require.NoError(t, s.CreateCode(ctx, c))
		require.ErrorIs(t, s.CreateCode(ctx, c), auth.ErrCodeTaken)
		err := s.CreateCode(ctx, &auth.AuthCode{CodeHash: "h2", ClientID: "nobody", User: user, Expires: at})
		assert.True(t, errors.Is(err, auth.ErrAppNotFound), "got %v", err)

		got, err := s.TakeCode(ctx, "h1")
		require.NoError(t, err)
		assert.Equal(t, c, got)
		_, err = s.TakeCode(ctx, "h1")
		assert.True(t, errors.Is(err, auth.ErrCodeNotFound), "a code is taken once: got %v", err)

		require.NoError(t, s.CreateCode(ctx, &auth.AuthCode{CodeHash: "old", ClientID: "c", User: user, Scopes: []string{"read"}, Expires: at}))
		require.NoError(t, s.CreateCode(ctx, &auth.AuthCode{CodeHash: "new", ClientID: "c", User: user, Scopes: []string{"read"}, Expires: at.Add(time.Hour)}))
		n, err := s.PruneCodes(ctx, at.Add(time.Minute))
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		_, err = s.TakeCode(ctx, "old")
		assert.True(t, errors.Is(err, auth.ErrCodeNotFound), "got %v", err)
		_, err = s.TakeCode(ctx, "new")
		assert.NoError(t, err)
	})
}
