package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

func TestAuctionStore(t *testing.T) {
	auctiontest.RunStoreTests(t, func(t *testing.T) (auction.Store, auth.Store) {
		db := memory.New()
		return db.Auction(), db.Auth()
	})
}
