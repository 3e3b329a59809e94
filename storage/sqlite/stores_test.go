package sqlite_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/storetest"
)

// The conformance suites of every domain, each over a new database file.

// openTestDB opens a new database file under tb's temporary directory and
// closes it when the test ends (sqlite.OpenTestDB).
var openTestDB = sqlite.OpenTestDB

func TestAuctionStore(t *testing.T) {
	auctiontest.RunStoreTests(t, func(tb testing.TB) storetest.Harness[auction.Store] {
		db := openTestDB(tb)
		return storetest.Harness[auction.Store]{Store: db.Auction(), Users: authtest.Users(db.Auth())}
	})
}

func TestCalendarStore(t *testing.T) {
	calendartest.RunStoreTests(t, func(tb testing.TB) storetest.Harness[calendar.Store] {
		db := openTestDB(tb)
		return storetest.Harness[calendar.Store]{Store: db.Calendar(), Users: authtest.Users(db.Auth())}
	})
}
