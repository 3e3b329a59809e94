package authtest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storetest"
)

// Users returns the storetest.Users of an auth store: the accounts every
// other domain's suite makes its users in.
func Users(s auth.Store) storetest.Users { return users{s} }

type users struct{ s auth.Store }

// Create implements storetest.Users.
func (u users) Create(tb testing.TB, name string) hanok.UserID {
	tb.Helper()
	user := &auth.User{
		Username:     name,
		Email:        fmt.Sprintf("%s@example.com", name),
		PasswordHash: []byte("not a hash: the suites never sign in"),
		Created:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if err := u.s.CreateUser(context.Background(), user); err != nil {
		tb.Fatalf("creating user %q: %v", name, err)
	}
	return user.ID
}

// Rename implements storetest.Users.
func (u users) Rename(tb testing.TB, id hanok.UserID, name string) {
	tb.Helper()
	ctx := context.Background()
	user, err := u.s.UserByID(ctx, id)
	if err != nil {
		tb.Fatalf("renaming user %d: %v", id, err)
	}
	user.Username = name
	if err := u.s.UpdateUser(ctx, user); err != nil {
		tb.Fatalf("renaming user %d to %q: %v", id, name, err)
	}
}

// LegacyStore is an auth.Store whose test harness can also write a user
// the way a database older than the rules of names may hold it: without
// the uniqueness check (the unique indexes on the keys still apply).
// Every store's harness gives one, so that the suite checks what an update
// of such an account does, the same on every store.
type LegacyStore interface {
	auth.Store
	// InsertUnchecked stores u, keyed by auth.FoldKey, without
	// auth.CheckUnique, and sets u.ID.
	InsertUnchecked(ctx context.Context, u *auth.User) error
}
