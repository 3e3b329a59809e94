package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auction/auctiontest"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

func TestMediaStore(t *testing.T) {
	auctiontest.RunMediaStoreTests(t, func(t testing.TB) storetest.Harness[auction.MediaStore] {
		db := memory.New()
		return storetest.Harness[auction.MediaStore]{Store: db.Media(), Users: authtest.Users(db.Auth())}
	})
}
