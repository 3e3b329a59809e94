package sqlite

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
)

// cacheFixture is a database with the built-in catalog and n generated
// cars of one owner.
func cacheFixture(t testing.TB, n int) (*DB, *AuctionStore, []*auction.Car, hanok.UserID) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "hanok.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := db.Auction()
	if _, err := s.ImportCatalog(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	owner := &auth.User{Username: "owner", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	if err := db.Auth().CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	bidder := &auth.User{Username: "bidder", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	if err := db.Auth().CreateUser(ctx, bidder); err != nil {
		t.Fatal(err)
	}
	models, err := s.ModelIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	cars := auction.GenerateCars(models, hanok.Actor{ID: owner.ID}, n, now, 48*time.Hour, rand.New(rand.NewPCG(1, 2)))
	if err := s.CreateCars(ctx, cars); err != nil {
		t.Fatal(err)
	}
	return db, s, cars, bidder.ID
}

func carWithStatus(t *testing.T, cars []*auction.Car, st auction.Status) *auction.Car {
	t.Helper()
	for _, c := range cars {
		if c.Status == st {
			return c
		}
	}
	t.Fatalf("no %s car", st)
	return nil
}

// TestAuctionCacheSeesEveryWrite reads a page and a car (filling the read
// cache), writes through each auction write of the store, and checks that
// the very next read sees the write.
func TestAuctionCacheSeesEveryWrite(t *testing.T) {
	ctx := context.Background()
	_, s, cars, _ := cacheFixture(t, 50)
	waiting := carWithStatus(t, cars, auction.StatusWaiting)
	q := auction.ListQuery{Limit: 16}

	page, total, err := s.ListCars(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if again, total2, _ := s.ListCars(ctx, q); len(again) != len(page) || total2 != total {
		t.Fatalf("second read differs: %d cars of %d, then %d of %d", len(page), total, len(again), total2)
	}
	// A copy is handed out: changing it changes no later read.
	page[0].Status, page[0].Images[0].Path = "changed", "changed"
	if again, _, _ := s.ListCars(ctx, q); again[0].Status == "changed" || again[0].Images[0].Path == "changed" {
		t.Fatal("the cached page was changed through a read's copy")
	}
	c, err := s.Car(ctx, waiting.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.Images[0].Path = "changed"
	if again, _ := s.Car(ctx, waiting.ID); again.Images[0].Path == "changed" {
		t.Fatal("the cached car was changed through a read's copy")
	}

	// Approve: the car is listed first and counted at once.
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.UpdateCar(ctx, waiting.ID, func(c *auction.Car) error { return c.Approve(at, at.Add(time.Hour)) }); err != nil {
		t.Fatal(err)
	}
	page, total2, err := s.ListCars(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if total2 != total+1 || page[0].ID != waiting.ID {
		t.Fatalf("after approval: total %d (was %d), first car %d, want %d", total2, total, page[0].ID, waiting.ID)
	}
	if c, _ := s.Car(ctx, waiting.ID); c.Status != auction.StatusOngoing || !c.AuctionStart.Equal(at) {
		t.Fatalf("after approval the car reads %s from %v", c.Status, c.AuctionStart)
	}

	// New cars (whose auction started) change the counts that the list's
	// rows carry.
	model := page[0].Model
	more := []*auction.Car{{Owner: waiting.Owner, Model: model, Year: waiting.Year, Fuel: waiting.Fuel, Transmission: waiting.Transmission,
		Color: "red", Mileage: 10, Address: "Seoul", Status: auction.StatusOngoing, Created: at,
		AuctionStart: at.Add(-time.Minute), AuctionEnd: at.Add(time.Hour),
		Images: []auction.Image{{Path: "cars/x.png", Represent: true}}}}
	if err := s.CreateCars(ctx, more); err != nil {
		t.Fatal(err)
	}
	if page, _, _ := s.ListCars(ctx, q); page[0].Model.CarCount != model.CarCount+1 {
		t.Fatalf("after a new car of model %d the list shows %d cars of it, want %d", model.ID, page[0].Model.CarCount, model.CarCount+1)
	}
	if c, _ := s.Car(ctx, waiting.ID); c.Model.CarCount != model.CarCount+1 {
		t.Fatalf("after a new car of model %d the detail shows %d cars of it, want %d", model.ID, c.Model.CarCount, model.CarCount+1)
	}

	// A rule that fails writes nothing, and the cache still answers.
	if _, err := s.UpdateCar(ctx, waiting.ID, func(*auction.Car) error { return hanok.Errorf(hanok.Conflict, "no") }); hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("failed rule: %v", err)
	}
	if c, _ := s.Car(ctx, waiting.ID); c.Status != auction.StatusOngoing {
		t.Fatalf("after a failed update the car reads %s", c.Status)
	}
}

// TestAuctionCacheConcurrent writes and reads at once: once a write has
// returned, a read that starts after it sees it. Run it with -race.
func TestAuctionCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	_, s, cars, _ := cacheFixture(t, 60)
	var waiting []*auction.Car
	for _, c := range cars {
		if c.Status == auction.StatusWaiting {
			waiting = append(waiting, c)
		}
	}
	q := auction.ListQuery{Limit: 16}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := s.ListCars(ctx, q); err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Car(ctx, waiting[0].ID); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, before, err := s.ListCars(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range waiting {
		start := at.Add(time.Duration(i) * time.Minute)
		if _, err := s.UpdateCar(ctx, w.ID, func(c *auction.Car) error { return c.Approve(start, start.Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		page, total, err := s.ListCars(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if total != before+i+1 || page[0].ID != w.ID {
			t.Fatalf("after approving %d cars: total %d, want %d; first %d, want %d", i+1, total, before+i+1, page[0].ID, w.ID)
		}
		if c, err := s.Car(ctx, w.ID); err != nil || c.Status != auction.StatusOngoing {
			t.Fatalf("after approving car %d it reads %v, %v", w.ID, c, err)
		}
	}
	close(stop)
	wg.Wait()
}
