// Package storetest is the harness shape every store conformance suite
// takes (auth/authtest, auction/auctiontest, calendar/calendartest,
// microblog/microblogtest, mailing/mailingtest, trials/trialstest), in the
// manner of gocloud.dev's
// drivertest.Harness: a storage package gives a suite a function that makes
// a fresh Harness for each test, and the suite does the rest.
package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// Harness is one fresh, empty database as a suite sees it: the domain's
// store, and the auth store of the same database, in which the suite
// creates the users the domain's rows refer to.
type Harness[S any] struct {
	Store S
	Users auth.Store
}

// Maker makes a fresh Harness for one test; the storage package closes
// what it opened with t.Cleanup.
type Maker[S any] func(t testing.TB) Harness[S]

// CreateUser adds a plain user named name to the harness's auth store and
// returns its id.
func (h Harness[S]) CreateUser(t testing.TB, name string) hanok.UserID {
	t.Helper()
	return CreateUser(t, h.Users, name)
}

// CreateUsers adds n plain users, named user1 to userN, to users (of any
// test, not only a suite's: rows of other domains must belong to users of
// their database) and returns their ids in order.
func CreateUsers(t testing.TB, users auth.Store, n int) []hanok.UserID {
	t.Helper()
	ids := make([]hanok.UserID, n)
	for i := range ids {
		ids[i] = CreateUser(t, users, fmt.Sprintf("user%d", i+1))
	}
	return ids
}

// CreateUser adds a plain user named name, with the email
// name@example.com, to users and returns its id.
func CreateUser(t testing.TB, users auth.Store, name string) hanok.UserID {
	t.Helper()
	u := &auth.User{
		Username:     name,
		Email:        fmt.Sprintf("%s@example.com", name),
		PasswordHash: []byte("not a hash: the suites never sign in"),
		Created:      time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	if err := users.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("creating user %q: %v", name, err)
	}
	return u.ID
}

// UnknownUser is a user id no harness has created. The suites check that
// every store refuses a row that refers to it with hanok.NotFound.
const UnknownUser hanok.UserID = 1 << 40

// WantCode fails the test unless err carries code.
func WantCode(t testing.TB, err error, code hanok.Code) {
	t.Helper()
	if got := hanok.CodeOf(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
}
