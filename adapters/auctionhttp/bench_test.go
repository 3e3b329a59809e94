package auctionhttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

type benchEnv struct {
	h     http.Handler
	token string
	model string
	car   auction.CarID
}

// newBenchEnv opens a SQLite database with the real catalog (or the
// built-in one when the real file is missing) and n generated cars,
// inserted through the store in batches.
func newBenchEnv(b *testing.B, n int) *benchEnv {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	now := time.Now()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := auction.New(db.Auction(), memory.NewMediaStore(), auction.Config{})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.ImportEntries(ctx, auction.BuiltInCatalog()); err != nil {
		b.Fatal(err)
	}
	s, err := authn.Register(ctx, auth.RegisterInput{Username: "bench", Password: "bench-password"})
	if err != nil {
		b.Fatal(err)
	}
	models, err := db.Auction().ModelIDs(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(1, uint64(n)))
	start := time.Now()
	for done := 0; done < n; {
		batch := min(10_000, n-done)
		cars := auction.GenerateCars(models, hanok.Actor{ID: s.User.ID}, batch, now, 48*time.Hour, rnd)
		// Spread the auction starts so the list order is not one tie.
		for i, c := range cars {
			if !c.AuctionStart.IsZero() {
				shift := time.Duration(done+i) * time.Second
				c.AuctionStart, c.AuctionEnd = c.AuctionStart.Add(-shift), c.AuctionEnd.Add(-shift)
			}
		}
		if err := db.Auction().CreateCars(ctx, cars); err != nil {
			b.Fatal(err)
		}
		done += batch
	}
	b.Logf("inserted %d cars in %v", n, time.Since(start))
	e := &benchEnv{h: auctionhttp.NewHandler(svc, authn), token: s.Token}
	var list []map[string]any
	e.getJSON(b, "/cars/", &list)
	e.model = list[0]["model"].(map[string]any)["name"].(string)
	e.car = auction.CarID(list[len(list)/2]["id"].(float64))
	return e
}

func (e *benchEnv) get(b *testing.B, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "JWT "+e.token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec
}

func (e *benchEnv) getJSON(b *testing.B, path string, v any) {
	if err := json.Unmarshal(e.get(b, path).Body.Bytes(), v); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCars measures the list (page 1, page 100, filtered by model)
// and the detail through the handler on SQLite, with 1,000 and 100,000
// cars.
func BenchmarkCars(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		e := newBenchEnv(b, n)
		for _, bc := range []struct{ name, path string }{
			{"list-page-1", "/cars/"},
			{"list-page-100", "/cars/?page=100"},
			{"list-reverse-page-100", "/cars/?page=100&ordering=reverse"},
			{"list-model", "/cars/?model=" + url.QueryEscape(e.model)},
			{"detail", fmt.Sprintf("/cars/%d", e.car)},
		} {
			b.Run(fmt.Sprintf("cars=%d/%s", n, bc.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					e.get(b, bc.path)
				}
			})
		}
	}
}
