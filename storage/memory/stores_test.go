package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

// The conformance suites of every domain, each over a fresh memory.DB.

func TestAuctionStore(t *testing.T) {
	auctiontest.RunStoreTests(t, func(testing.TB) storetest.Harness[auction.Store] {
		db := memory.New()
		return storetest.Harness[auction.Store]{Store: db.Auction(), Users: authtest.Users(db.Auth())}
	})
}

func TestCalendarStore(t *testing.T) {
	calendartest.RunStoreTests(t, func(testing.TB) storetest.Harness[calendar.Store] {
		db := memory.New()
		return storetest.Harness[calendar.Store]{Store: db.Calendar(), Users: authtest.Users(db.Auth())}
	})
}
