package sqlite_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storetest"
)

func BenchmarkAuctionList(b *testing.B) {
	auctiontest.BenchmarkListCars(b, func(tb testing.TB) storetest.Harness[auction.Store] {
		db := openTestDB(tb)
		return storetest.Harness[auction.Store]{Store: db.Auction(), Users: authtest.Users(db.Auth())}
	})
}
