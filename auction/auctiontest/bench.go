package auctiontest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/storetest"
)

// BenchmarkListCars measures a store's reads of the auction list over the
// built-in catalog and 1,000 or 100,000 generated cars
// (auction.GenerateCars, inserted by CreateCars in batches of 10,000,
// auction starts one second apart): page 1 and page 100 of 16 cars, the
// first page of one model, and one car's detail. Every store runs it, so
// that their numbers compare on one machine in one run.
func BenchmarkListCars(b *testing.B, mk storetest.Maker[auction.Store]) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("cars=%d", n), func(b *testing.B) {
			ctx := context.Background()
			h := mk(b)
			st := h.Store
			_, err := st.ImportCatalog(ctx, auction.BuiltInCatalog())
			require.NoError(b, err)
			owner := h.CreateUser(b, "bench")
			models, err := st.ModelIDs(ctx)
			require.NoError(b, err)
			now := time.Now()
			rnd := rand.New(rand.NewPCG(1, uint64(n)))
			began := time.Now()
			for done := 0; done < n; {
				batch := min(10_000, n-done)
				cars := auction.GenerateCars(models, hanok.Actor{ID: owner}, batch, now, 48*time.Hour, rnd)
				for i, c := range cars {
					if !c.AuctionStart.IsZero() {
						shift := time.Duration(done+i) * time.Second
						c.AuctionStart, c.AuctionEnd = c.AuctionStart.Add(-shift), c.AuctionEnd.Add(-shift)
					}
				}
				require.NoError(b, st.CreateCars(ctx, cars))
				done += batch
			}
			b.Logf("inserted %d cars in %v", n, time.Since(began).Round(time.Millisecond))
			first, _, err := st.ListCars(ctx, auction.ListQuery{Limit: 16})
			require.NoError(b, err, "first page")
			require.NotEmpty(b, first, "first page")
			model, car := first[0].Model.ID, first[len(first)/2].ID
			for _, q := range []struct {
				name string
				q    auction.ListQuery
			}{
				{"page=1", auction.ListQuery{Limit: 16}},
				{"page=100", auction.ListQuery{Limit: 16, Offset: 99 * 16}},
				{"model", auction.ListQuery{Limit: 16, Models: []auction.ModelID{model}}},
			} {
				b.Run(q.name, func(b *testing.B) {
					for b.Loop() {
						_, _, err := st.ListCars(ctx, q.q)
						require.NoError(b, err)
					}
				})
			}
			b.Run("detail", func(b *testing.B) {
				for b.Loop() {
					_, err := st.Car(ctx, car)
					require.NoError(b, err)
				}
			})
		})
	}
}
