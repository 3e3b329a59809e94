package authtest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storetest"
)

// RunAppPasswordTests runs the conformance suite of auth.AppPasswordStore
// against the auth stores mk makes (which must implement it).
func RunAppPasswordTests(t *testing.T, mk storetest.Maker[auth.Store]) {
	ctx := context.Background()
	created := time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC)
	t.Run("CreateListFindDelete", func(t *testing.T) {
		t.Parallel()
		h := mk(t)
		s, ok := h.Store.(auth.AppPasswordStore)
		require.True(t, ok, "the auth store implements auth.AppPasswordStore")
		alice, bob := h.CreateUser(t, "alice"), h.CreateUser(t, "bob")

		_, err := s.AppPasswordByHash(ctx, auth.HashAppPassword("none"))
		require.ErrorIs(t, err, auth.ErrAppPasswordNotFound)
		list, err := s.AppPasswords(ctx, alice)
		require.NoError(t, err)
		assert.Empty(t, list)

		phone := &auth.AppPassword{User: alice, Name: "phone", Hash: auth.HashAppPassword("p1"), Created: created}
		require.NoError(t, s.CreateAppPassword(ctx, phone))
		require.Positive(t, phone.ID)
		laptop := &auth.AppPassword{User: alice, Name: "laptop", Hash: auth.HashAppPassword("p2"), Created: created}
		require.NoError(t, s.CreateAppPassword(ctx, laptop))
		bobs := &auth.AppPassword{User: bob, Name: "bob's", Hash: auth.HashAppPassword("p3"), Created: created}
		require.NoError(t, s.CreateAppPassword(ctx, bobs))

		list, err = s.AppPasswords(ctx, alice)
		require.NoError(t, err)
		require.Len(t, list, 2)
		assert.Equal(t, []auth.AppPasswordID{phone.ID, laptop.ID}, []auth.AppPasswordID{list[0].ID, list[1].ID}, "by id")
		assert.Equal(t, "phone", list[0].Name)
		assert.True(t, created.Equal(list[0].Created), "Created %v", list[0].Created)
		assert.True(t, list[0].LastUsed.IsZero(), "never used")

		got, err := s.AppPasswordByHash(ctx, auth.HashAppPassword("p2"))
		require.NoError(t, err)
		assert.Equal(t, laptop.ID, got.ID)
		assert.Equal(t, alice, got.User)

		used := created.Add(time.Hour)
		require.NoError(t, s.TouchAppPassword(ctx, laptop.ID, used))
		got, err = s.AppPasswordByHash(ctx, auth.HashAppPassword("p2"))
		require.NoError(t, err)
		assert.True(t, used.Equal(got.LastUsed), "LastUsed %v", got.LastUsed)

		// Another user's id is not found, and changes nothing.
		require.ErrorIs(t, s.DeleteAppPassword(ctx, bob, phone.ID), auth.ErrAppPasswordNotFound)
		require.NoError(t, s.DeleteAppPassword(ctx, alice, phone.ID))
		require.ErrorIs(t, s.DeleteAppPassword(ctx, alice, phone.ID), auth.ErrAppPasswordNotFound)
		_, err = s.AppPasswordByHash(ctx, auth.HashAppPassword("p1"))
		require.ErrorIs(t, err, auth.ErrAppPasswordNotFound)
		list, err = s.AppPasswords(ctx, bob)
		require.NoError(t, err)
		require.Len(t, list, 1)
		require.NoError(t, s.TouchAppPassword(ctx, phone.ID, used), "touching a deleted one")

		require.Error(t, s.CreateAppPassword(ctx, &auth.AppPassword{User: 999999, Name: "x", Hash: auth.HashAppPassword("x"), Created: created}), "an unknown user")
	})
}
