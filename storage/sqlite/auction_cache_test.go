package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	s := db.Auction()
	_, err = s.ImportCatalog(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	owner := &auth.User{Username: "owner", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	require.NoError(t, db.Auth().CreateUser(ctx, owner))
	bidder := &auth.User{Username: "bidder", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	require.NoError(t, db.Auth().CreateUser(ctx, bidder))
	models, err := s.ModelIDs(ctx)
	require.NoError(t, err)
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	cars := auction.GenerateCars(models, hanok.Actor{ID: owner.ID}, n, now, 48*time.Hour, rand.New(rand.NewPCG(1, 2)))
	require.NoError(t, s.CreateCars(ctx, cars))
	return db, s, cars, bidder.ID
}

func carWithStatus(t *testing.T, cars []*auction.Car, st auction.Status) *auction.Car {
	t.Helper()
	for _, c := range cars {
		if c.Status == st {
			return c
		}
	}
	require.FailNow(t, "no car of that status", "status %s", st)
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
	require.NoError(t, err)
	again, total2, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	require.Equal(t, page, again, "second read")
	require.Equal(t, total, total2, "second read")
	// A copy is handed out: changing it changes no later read.
	page[0].Status, page[0].Images[0].Path = "changed", "changed"
	again, _, _ = s.ListCars(ctx, q)
	require.NotEqual(t, auction.Status("changed"), again[0].Status, "the cached page was changed through a read's copy")
	require.NotEqual(t, "changed", again[0].Images[0].Path, "the cached page was changed through a read's copy")
	c, err := s.Car(ctx, waiting.ID)
	require.NoError(t, err)
	c.Images[0].Path = "changed"
	c, _ = s.Car(ctx, waiting.ID)
	require.NotEqual(t, "changed", c.Images[0].Path, "the cached car was changed through a read's copy")

	// Approve: the car is listed first and counted at once.
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = s.UpdateCar(ctx, waiting.ID, func(c *auction.Car) error { return c.Approve(at, at.Add(time.Hour)) })
	require.NoError(t, err)
	page, total2, err = s.ListCars(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, total+1, total2, "total after approval")
	assert.Equal(t, waiting.ID, page[0].ID, "first car after approval")
	c, err = s.Car(ctx, waiting.ID)
	require.NoError(t, err)
	assert.Equal(t, auction.StatusOngoing, c.Status, "after approval")
	assert.True(t, c.AuctionStart.Equal(at), "auction start after approval: %v", c.AuctionStart)

	// New cars (whose auction started) change the counts that the list's
	// rows carry.
	model := page[0].Model
	more := []*auction.Car{{Owner: waiting.Owner, Model: model, Year: waiting.Year, Fuel: waiting.Fuel, Transmission: waiting.Transmission,
		Color: "red", Mileage: 10, Address: "Seoul", Status: auction.StatusOngoing, Created: at,
		AuctionStart: at.Add(-time.Minute), AuctionEnd: at.Add(time.Hour),
		Images: []auction.Image{{Path: "cars/x.png", Represent: true}}}}
	require.NoError(t, s.CreateCars(ctx, more))
	page, _, _ = s.ListCars(ctx, q)
	assert.Equal(t, model.CarCount+1, page[0].Model.CarCount, "the list's count after a new car of model %d", model.ID)
	c, _ = s.Car(ctx, waiting.ID)
	assert.Equal(t, model.CarCount+1, c.Model.CarCount, "the detail's count after a new car of model %d", model.ID)

	// A rule that fails writes nothing, and the cache still answers.
	_, err = s.UpdateCar(ctx, waiting.ID, func(*auction.Car) error { return hanok.Errorf(hanok.Conflict, "no") })
	require.Equal(t, hanok.Conflict, hanok.CodeOf(err), "failed rule: %v", err)
	c, _ = s.Car(ctx, waiting.ID)
	assert.Equal(t, auction.StatusOngoing, c.Status, "after a failed update")
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
				if _, _, err := s.ListCars(ctx, q); !assert.NoError(t, err) {
					return
				}
				if _, err := s.Car(ctx, waiting[0].ID); !assert.NoError(t, err) {
					return
				}
			}
		})
	}
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, before, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	for i, w := range waiting {
		start := at.Add(time.Duration(i) * time.Minute)
		_, err := s.UpdateCar(ctx, w.ID, func(c *auction.Car) error { return c.Approve(start, start.Add(time.Hour)) })
		require.NoError(t, err)
		page, total, err := s.ListCars(ctx, q)
		require.NoError(t, err)
		require.Equal(t, before+i+1, total, "total after approving %d cars", i+1)
		require.Equal(t, w.ID, page[0].ID, "first car after approving %d cars", i+1)
		c, err := s.Car(ctx, w.ID)
		require.NoError(t, err)
		require.Equal(t, auction.StatusOngoing, c.Status, "car %d after its approval", w.ID)
	}
	close(stop)
	wg.Wait()
}

// TestAuctionCacheSeesOtherDBs: two DBs on one file, as a server and the
// CLI beside it (issue 20, point 12). A read of one answers, at its next
// request, what the other wrote; a write of the other to tables that are
// not the auction's costs the cache nothing.
func TestAuctionCacheSeesOtherDBs(t *testing.T) {
	ctx := context.Background()
	db, s, cars, _ := cacheFixture(t, 50)
	other := openAgain(t, db)
	os2 := other.Auction()
	waiting := carWithStatus(t, cars, auction.StatusWaiting)
	q := auction.ListQuery{Limit: 16}

	// Fill the cache, and read again: the second read is a hit.
	_, total, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	_, err = s.Car(ctx, waiting.ID)
	require.NoError(t, err)
	queries := countReads(t, db)
	_, _, err = s.ListCars(ctx, q)
	require.NoError(t, err)
	_, err = s.Car(ctx, waiting.ID)
	require.NoError(t, err)
	require.Zero(t, queries.Load(), "reads of cached rows")

	// The other DB approves the waiting car: the next reads see it.
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = os2.UpdateCar(ctx, waiting.ID, func(c *auction.Car) error { return c.Approve(at, at.Add(time.Hour)) })
	require.NoError(t, err)
	page, total2, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, total+1, total2, "total after another DB's approval")
	assert.Equal(t, waiting.ID, page[0].ID, "first car after another DB's approval")
	c, err := s.Car(ctx, waiting.ID)
	require.NoError(t, err)
	assert.Equal(t, auction.StatusOngoing, c.Status, "the car after another DB's approval")

	// New cars, as "auction seed" adds them beside a running server.
	more := auction.GenerateCars([]auction.ModelID{c.Model.ID}, hanok.Actor{ID: waiting.Owner}, 20, at, 48*time.Hour, rand.New(rand.NewPCG(3, 4)))
	listed := 0
	for _, m := range more {
		if !m.AuctionStart.IsZero() {
			listed++
		}
	}
	require.NoError(t, os2.CreateCars(ctx, more))
	_, total3, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, total2+listed, total3, "total after another DB's new cars")

	// A write to another table: one query (the count of auction writes)
	// at the next read, then hits again.
	require.NoError(t, other.Auth().CreateUser(ctx, &auth.User{Username: "third", PasswordHash: []byte("x"), Created: at}))
	queries.Store(0)
	_, _, err = s.ListCars(ctx, q)
	require.NoError(t, err)
	assert.EqualValues(t, 1, queries.Load(), "a read after a write to another table")
	queries.Store(0)
	_, _, err = s.ListCars(ctx, q)
	require.NoError(t, err)
	assert.Zero(t, queries.Load(), "the next read")
}

// TestAuctionCacheSeesOtherProcesses runs the write in another process
// (this test binary, as the helper below), as "auction seed" runs beside a
// server.
func TestAuctionCacheSeesOtherProcesses(t *testing.T) {
	if path := os.Getenv("HANOK_AUCTION_HELPER_DB"); path != "" {
		return // the helper process runs TestAuctionCacheHelperProcess only
	}
	ctx := context.Background()
	db, s, cars, _ := cacheFixture(t, 50)
	waiting := carWithStatus(t, cars, auction.StatusWaiting)
	q := auction.ListQuery{Limit: 16}
	_, total, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	_, err = s.Car(ctx, waiting.ID)
	require.NoError(t, err)

	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestAuctionCacheHelperProcess$", "-test.count=1")
	cmd.Env = append(cmd.Environ(), "HANOK_AUCTION_HELPER_DB="+db.Path(), fmt.Sprintf("HANOK_AUCTION_HELPER_CAR=%d", waiting.ID))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "helper process: %s", out)

	page, total2, err := s.ListCars(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, total+1, total2, "total after another process's approval")
	assert.Equal(t, waiting.ID, page[0].ID, "first car after another process's approval")
	c, err := s.Car(ctx, waiting.ID)
	require.NoError(t, err)
	assert.Equal(t, auction.StatusOngoing, c.Status, "the car after another process's approval")
}

// TestAuctionCacheHelperProcess approves a car in the database the
// environment names; it does nothing in a plain test run.
func TestAuctionCacheHelperProcess(t *testing.T) {
	path := os.Getenv("HANOK_AUCTION_HELPER_DB")
	if path == "" {
		return // a plain run: TestAuctionCacheSeesOtherProcesses runs it
	}
	id, err := strconv.ParseInt(os.Getenv("HANOK_AUCTION_HELPER_CAR"), 10, 64)
	require.NoError(t, err)
	ctx := context.Background()
	db, err := Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err = db.Auction().UpdateCar(ctx, auction.CarID(id), func(c *auction.Car) error { return c.Approve(at, at.Add(time.Hour)) })
	require.NoError(t, err)
}

// TestFileWatches: each way of reading a file's version changes with a
// commit of another connection, and only then.
func TestFileWatches(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	pragma, err := newPragmaWatch(ctx, db.Path())
	require.NoError(t, err)
	t.Cleanup(func() { pragma.close() })
	watches := map[string]fileWatch{"pragma data_version": pragma}
	if w, err := newWALIndexWatch(db.Path()); err == nil {
		t.Cleanup(func() { w.close() })
		watches["WAL index"] = w
	} else {
		t.Logf("no WAL index watch here: %v", err)
	}
	for name, w := range watches {
		t.Run(name, func(t *testing.T) {
			v1, err := w.version(ctx)
			require.NoError(t, err)
			v2, err := w.version(ctx)
			require.NoError(t, err)
			require.Equal(t, v1, v2, "no commit in between")
			require.NoError(t, db.Auth().CreateUser(ctx, &auth.User{Username: strings.ReplaceAll(name, " ", "-"), PasswordHash: []byte("x"), Created: time.Unix(0, 0)}))
			v3, err := w.version(ctx)
			require.NoError(t, err)
			require.NotEqual(t, v2, v3, "a commit in between")
		})
	}
}
