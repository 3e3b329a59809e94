package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/calendar/calendartest"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

// The conformance suites of every domain, each over a fresh memory.DB.

func authHarness(testing.TB) storetest.Harness[auth.Store] {
	db := memory.New()
	return storetest.Harness[auth.Store]{Store: db.Auth(), Users: db.Auth()}
}

func TestAuthStore(t *testing.T) { authtest.RunStoreTests(t, authHarness) }

func BenchmarkLogin(b *testing.B) { authtest.BenchmarkLogin(b, authHarness) }

func BenchmarkAuthenticate(b *testing.B) { authtest.BenchmarkAuthenticate(b, authHarness) }

func TestAuctionStore(t *testing.T) {
	auctiontest.RunStoreTests(t, func(testing.TB) storetest.Harness[auction.Store] {
		db := memory.New()
		return storetest.Harness[auction.Store]{Store: db.Auction(), Users: db.Auth()}
	})
}

func TestCalendarStore(t *testing.T) {
	calendartest.RunStoreTests(t, func(testing.TB) storetest.Harness[calendar.Store] {
		db := memory.New()
		return storetest.Harness[calendar.Store]{Store: db.Calendar(), Users: db.Auth()}
	})
}
