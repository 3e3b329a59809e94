package postgres_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/mailingtest"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/microblog/microblogtest"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// The conformance suites of every domain, each test over a new schema of
// the database HANOK_TEST_POSTGRES names.

// openTestDB opens a new schema and closes the pool when the test ends,
// before the schema is dropped (postgres.OpenTestDB).
var openTestDB = postgres.OpenTestDB

func TestAuctionStore(t *testing.T) {
	t.Parallel()
	auctiontest.RunStoreTests(t, func(tb testing.TB) storetest.Harness[auction.Store] {
		db := openTestDB(tb)
		return storetest.Harness[auction.Store]{Store: db.Auction(), Users: authtest.Users(db.Auth())}
	})
}

func TestCalendarStore(t *testing.T) {
	t.Parallel()
	calendartest.RunStoreTests(t, func(tb testing.TB) storetest.Harness[calendar.Store] {
		db := openTestDB(tb)
		return storetest.Harness[calendar.Store]{Store: db.Calendar(), Users: authtest.Users(db.Auth())}
	})
}

func microblogHarness(tb testing.TB) storetest.Harness[microblog.Store] {
	db := openTestDB(tb)
	return storetest.Harness[microblog.Store]{Store: db.Microblog(), Users: authtest.Users(db.Auth())}
}

func TestMicroblogStore(t *testing.T) {
	t.Parallel()
	microblogtest.RunStoreTests(t, microblogHarness)
}

func TestMailingStore(t *testing.T) {
	t.Parallel()
	mailingtest.RunStoreTests(t, func(tb testing.TB) storetest.Harness[mailing.Store] {
		db := openTestDB(tb)
		return storetest.Harness[mailing.Store]{Store: db.Mailing(), Users: authtest.Users(db.Auth())}
	})
}

func TestTrialsStore(t *testing.T) {
	t.Parallel()
	trialstest.RunStoreTests(t, trialsHarness)
}
