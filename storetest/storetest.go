// Package storetest is the harness shape every store conformance suite
// takes (auth/authtest, auction/auctiontest, calendar/calendartest,
// microblog/microblogtest, mailing/mailingtest, trials/trialstest), in the
// manner of gocloud.dev's
// drivertest.Harness: a storage package gives a suite a function that makes
// a fresh Harness for each test, and the suite does the rest.
//
// It imports no domain: the users a suite's rows refer to are made through
// Users, which auth/authtest implements over an auth store.
package storetest

import (
	"fmt"
	"testing"

	"github.com/hanok-dev/hanok"
)

// Harness is one fresh, empty database as a suite sees it: the domain's
// store, and the accounts of the same database, in which the suite
// creates the users the domain's rows refer to.
type Harness[S any] struct {
	Store S
	Users Users
}

// Users is what a suite may do to the accounts of its database.
// authtest.Users(store) makes one over an auth store.
type Users interface {
	// Create adds a plain user named name, with the email
	// name@example.com, and returns its id; it fails tb on an error.
	Create(tb testing.TB, name string) hanok.UserID
	// Rename gives user id the username name; it fails tb on an error.
	Rename(tb testing.TB, id hanok.UserID, name string)
}

// Maker makes a fresh Harness for one test; the storage package closes
// what it opened with t.Cleanup.
type Maker[S any] func(t testing.TB) Harness[S]

// CreateUser adds a plain user named name to the harness's accounts and
// returns its id.
func (h Harness[S]) CreateUser(t testing.TB, name string) hanok.UserID {
	t.Helper()
	return h.Users.Create(t, name)
}

// CreateUsers adds n plain users, named user1 to userN, to users (of any
// test, not only a suite's: rows of other domains must belong to users of
// their database) and returns their ids in order.
func CreateUsers(t testing.TB, users Users, n int) []hanok.UserID {
	t.Helper()
	ids := make([]hanok.UserID, n)
	for i := range ids {
		ids[i] = users.Create(t, fmt.Sprintf("user%d", i+1))
	}
	return ids
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
