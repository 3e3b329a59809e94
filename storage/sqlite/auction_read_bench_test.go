package sqlite

import (
	"context"
	"testing"

	"github.com/hanok-dev/hanok/auction"
)

// BenchmarkAuctionRead reads a list page and a car through the store,
// with the read cache (hit) and with it emptied before every read (miss:
// the database's path).
func BenchmarkAuctionRead(b *testing.B) {
	ctx := context.Background()
	db, s, cars, _ := cacheFixture(b, 1000)
	q := auction.ListQuery{Limit: 16, Offset: 160}
	for _, miss := range []bool{false, true} {
		name := "hit"
		if miss {
			name = "miss"
		}
		b.Run("list/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if miss {
					db.auction.bump()
				}
				if _, _, err := s.ListCars(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("detail/"+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if miss {
					db.auction.bump()
				}
				if _, err := s.Car(ctx, cars[500].ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
