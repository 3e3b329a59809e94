package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
)

// TestAuthChangesGate: the WAL-index header is read, stays the same while
// nothing is committed (so AuthChanges answers without a query), and
// changes at a commit by another handle on the file, even one that is not
// an auth write; the count changes only at an auth write.
func TestAuthChangesGate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gate.db")
	a, err := Open(ctx, path)
	require.NoError(t, err)
	defer a.Close()
	b, err := Open(ctx, path)
	require.NoError(t, err)
	defer b.Close()

	n0, err := a.Auth().AuthChanges(ctx)
	require.NoError(t, err)
	g := &a.authChanges
	h0, ok := a.version(ctx)
	require.True(t, ok, "the version of %s is readable", path)
	require.True(t, g.valid, "AuthChanges kept the version it read")
	h1, _ := a.version(ctx)
	assert.Equal(t, h0, h1, "the header is the same while nothing is committed")

	// A commit by the other handle that is no auth write: the header
	// changes, the count does not.
	u := &auth.User{Username: "kim", PasswordHash: []byte("h"), Created: time.Now()}
	require.NoError(t, b.Auth().CreateUser(ctx, u))
	h2, ok := a.version(ctx)
	require.True(t, ok)
	assert.NotEqual(t, h0, h2, "a commit by another handle changes the header")
	n1, err := a.Auth().AuthChanges(ctx)
	require.NoError(t, err)
	assert.Equal(t, n0, n1)
	assert.Equal(t, h2, g.version, "the new version is kept with the count")

	// An auth write by the other handle: the count grows at once.
	u.Superuser = true
	require.NoError(t, b.Auth().UpdateUser(ctx, u))
	n2, err := a.Auth().AuthChanges(ctx)
	require.NoError(t, err)
	assert.Equal(t, n1+1, n2)
	require.NoError(t, b.Auth().RevokeToken(ctx, "jti", time.Now().Add(time.Hour)))
	n3, err := a.Auth().AuthChanges(ctx)
	require.NoError(t, err)
	assert.Equal(t, n2+1, n3)
}
