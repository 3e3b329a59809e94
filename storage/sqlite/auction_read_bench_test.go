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

// BenchmarkAuctionCacheSync is what every read of the cache adds to see
// the writes of other processes: the file's version, unchanged (the WAL
// index where it is mapped, else PRAGMA data_version), and for comparison
// PRAGMA data_version alone.
func BenchmarkAuctionCacheSync(b *testing.B) {
	ctx := context.Background()
	db, _, _, _ := cacheFixture(b, 10)
	b.Run("sync", func(b *testing.B) {
		db.auction.sync(ctx, db)
		b.ReportAllocs()
		for b.Loop() {
			db.auction.sync(ctx, db)
		}
	})
	b.Run("pragma-data_version", func(b *testing.B) {
		w, err := newPragmaWatch(ctx, db.Path())
		if err != nil {
			b.Fatal(err)
		}
		defer w.close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.version(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
