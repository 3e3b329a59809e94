package auth

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
)

// nopStore is a Store with no users.
type nopStore struct{ Store }

func (nopStore) UserByUsername(context.Context, string) (*User, error) {
	return nil, hanok.Errorf(hanok.NotFound, "user not found")
}

func (nopStore) UserByEmail(context.Context, string) (*User, error) {
	return nil, hanok.Errorf(hanok.NotFound, "user not found")
}

// TestLoginWithHugeNameKeepsNoState: a login naming a user far longer than
// any username or email fails without storing the name as a throttle key.
func TestLoginWithHugeNameKeepsNoState(t *testing.T) {
	svc, err := New(nopStore{}, Config{Secret: make([]byte, 32), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	huge := strings.Repeat("x", 1<<20)
	_, err = svc.Login(context.Background(), LoginInput{Username: huge, Password: "password123", ClientAddr: "10.0.0.1"})
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "Login(huge name) = %v, want Unauthenticated", err)
	for k := range svc.throttle.entries {
		require.LessOrEqual(t, len(k), 1000, "the length of a kept throttle key")
	}
	// The longest acceptable name still counts as a failure.
	longest := strings.Repeat("가", MaxUsernameLen)
	_, err = svc.Login(context.Background(), LoginInput{Username: longest, Password: "password123"})
	require.Equal(t, hanok.Unauthenticated, hanok.CodeOf(err), "Login(longest name) = %v", err)
	_, ok := svc.throttle.entries["u:"+longest]
	require.True(t, ok, "the failure of the longest username was not counted")
}
