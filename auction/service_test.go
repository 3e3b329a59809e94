package auction_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/files"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/storetest"
)

func testPNG(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 3))))
	return b.Bytes()
}

func newCarInput(t testing.TB, images int) auction.NewCar {
	in := auction.NewCar{Model: "sm5", Year: "1996-12-25", Fuel: auction.FuelHybrid, Transmission: auction.TransmissionManual, Color: "흰색", Mileage: 25000, Address: "서울 신도림"}
	for range images {
		in.Images = append(in.Images, auction.Upload{Name: "a.png", Data: testPNG(t)})
	}
	return in
}

// listFiles returns the regular files under dir, relative and slashed.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// TestCreateCarLeavesNoOrphans registers cars on SQLite and the filesystem:
// a car the database refuses (its owner does not exist) leaves no file.
func TestCreateCarLeavesNoOrphans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "hanok.db"))
	require.NoError(t, err)
	defer db.Close()
	mediaDir := filepath.Join(dir, "media")
	media, err := files.Open(mediaDir)
	require.NoError(t, err)
	defer media.Close()
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	svc, err := auction.New(db.Auction(), media, auction.Config{Now: func() time.Time { return now }})
	require.NoError(t, err)
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	u := &auth.User{Username: "owner", PasswordHash: []byte("x"), Created: now}
	require.NoError(t, db.Auth().CreateUser(ctx, u))

	_, err = svc.CreateCar(ctx, hanok.Actor{ID: u.ID + 100}, newCarInput(t, 6))
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "car of an unknown owner: %v", err)
	require.Empty(t, listFiles(t, mediaDir), "a refused car left files")

	car, err := svc.CreateCar(ctx, hanok.Actor{ID: u.ID}, newCarInput(t, 6))
	require.NoError(t, err)
	stored := listFiles(t, mediaDir)
	require.Len(t, stored, 6, "stored files")
	require.Len(t, car.Images, 6, "car images")
	for i, im := range car.Images {
		require.True(t, strings.HasPrefix(im.Path, "cars/2019-04-10/"), "image %d: path %q", i, im.Path)
		require.True(t, strings.HasSuffix(im.Path, ".png"), "image %d: path %q", i, im.Path)
		require.Equal(t, i == 0, im.Represent, "image %d: represent", i)
		f, err := svc.OpenMedia(ctx, im.Path)
		require.NoError(t, err)
		data, _ := io.ReadAll(f)
		f.Close()
		require.True(t, bytes.Equal(data, testPNG(t)), "image %d content differs", i)
		require.Equal(t, int64(len(data)), f.Size(), "image %d size", i)
	}
	// A waiting car is not counted: the counts show what anyone may see.
	require.Equal(t, auction.StatusWaiting, car.Status, "created car: status")
	require.Zero(t, car.Model.CarCount, "created car: model car count")
	require.Equal(t, "르노삼성", car.Brand.Name, "created car: brand")
}

func TestCreateCarRules(t *testing.T) {
	svc, db := newService(t)
	ctx := context.Background()
	_, err := svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	bad := func(mut func(*auction.NewCar), field string) {
		t.Helper()
		in := newCarInput(t, 5)
		mut(&in)
		_, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
		require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "want Invalid naming %s, got %v", field, err)
		require.NotEmpty(t, hanok.FieldsOf(err)[field], "want Invalid naming %s, got %v", field, err)
	}
	bad(func(in *auction.NewCar) { in.Images = in.Images[:4] }, "car_images")
	bad(func(in *auction.NewCar) { in.Images = append(in.Images, newCarInput(t, 30).Images...) }, "car_images")
	bad(func(in *auction.NewCar) { in.Images[4].Data = make([]byte, 11<<20) }, "car_images")
	bad(func(in *auction.NewCar) { in.Images[2].Data = []byte("GIF89a not really") }, "car_images")
	huge := newCarInput(t, 5)
	huge.Images[3] = auction.Upload{Name: "huge.gif", Data: hugeGIF(8000, 6000)}
	_, err = svc.CreateCar(ctx, hanok.Actor{ID: 1}, huge)
	require.Contains(t, hanok.FieldsOf(err)["car_images"], `image 4 ("huge.gif") is a GIF of 8000x6000 pixels, more than the limit of 25000000`, "a GIF too large to check: %v", err)
	bad(func(in *auction.NewCar) { in.Fuel = "gas" }, "fuel_type")
	bad(func(in *auction.NewCar) { in.Transmission = "" }, "transmission_type")
	bad(func(in *auction.NewCar) { in.Year = "1996-13-01" }, "year")
	bad(func(in *auction.NewCar) { in.Year = "2030-01-01" }, "year")
	bad(func(in *auction.NewCar) { in.Mileage = auction.MaxMileage + 1 }, "mileage")
	bad(func(in *auction.NewCar) { in.Color = "  " }, "color")
	bad(func(in *auction.NewCar) { in.Address = "서울\x00" }, "address")
	bad(func(in *auction.NewCar) { in.Model = "" }, "model")
	bad(func(in *auction.NewCar) { in.Model = "캐러밴 (84년~현재)" }, "brand")
	bad(func(in *auction.NewCar) { in.Model = "캐러밴 (84년~현재)"; in.Kind = "캐러밴" }, "brand")
	require.Empty(t, db.Media().Names(), "refused cars stored files")
	in := newCarInput(t, 5)
	in.Model, in.Brand = "캐러밴 (84년~현재)", "닷지"
	c, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
	require.NoError(t, err, "disambiguated")
	require.Equal(t, "닷지", c.Brand.Name, "disambiguated: brand")
	in.Model, in.Brand, in.Kind = "sm5", "", "소나타"
	_, err = svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
	require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "model under the wrong kind: %v", err)
}

func TestApproveRules(t *testing.T) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 2) // the actors 1 and 2 below
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{AuctionDuration: 2 * time.Hour, Now: func() time.Time { return now }})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	c, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, newCarInput(t, 5))
	require.NoError(t, err)
	_, err = svc.Approve(ctx, hanok.Actor{ID: 1}, c.ID)
	require.Equal(t, hanok.Forbidden, hanok.CodeOf(err), "owner approving: %v", err)
	got, err := svc.Approve(ctx, hanok.Actor{ID: 2, Superuser: true}, c.ID)
	require.NoError(t, err)
	require.True(t, got.AuctionStart.Equal(now), "approved: auction start %v, want %v", got.AuctionStart, now)
	require.True(t, got.AuctionEnd.Equal(now.Add(2*time.Hour)), "approved: auction end %v, want %v", got.AuctionEnd, now.Add(2*time.Hour))
	require.Equal(t, auction.StatusOngoing, got.Status, "approved: status")
	now = now.Add(2 * time.Hour)
	got, _ = svc.Car(ctx, hanok.Actor{ID: 2, Superuser: true}, c.ID)
	require.Equal(t, auction.StatusEnd, got.Status, "after the configured duration")
	_, err = svc.Approve(ctx, hanok.Actor{ID: 2, Superuser: true}, c.ID)
	require.Equal(t, hanok.Conflict, hanok.CodeOf(err), "second approval: %v", err)
	_, err = auction.New(db.Auction(), db.Media(), auction.Config{MaxImages: 4})
	require.Error(t, err, "MaxImages below 5 accepted")
	_, err = auction.New(nil, db.Media(), auction.Config{})
	require.Error(t, err, "nil store accepted")
}

func TestSeed(t *testing.T) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 2) // the actors 1 and 2 below
	seeded := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	now := seeded
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{Now: func() time.Time { return now }, PageSize: 100})
	require.NoError(t, err)
	ctx := context.Background()
	_, err = svc.Seed(ctx, hanok.Actor{ID: 1}, 10)
	require.Equal(t, hanok.Forbidden, hanok.CodeOf(err), "seed by a user: %v", err)
	admin := hanok.Actor{ID: 1, Superuser: true}
	rep, err := svc.Seed(ctx, admin, 10)
	require.NoError(t, err)
	require.Equal(t, 4, rep.EndingSoon, "first seed: ending soon")
	require.Equal(t, 4, rep.Ongoing, "first seed: ongoing")
	require.Equal(t, 2, rep.Waiting, "first seed: waiting")
	require.Equal(t, len(auction.DefaultCatalog()), rep.Catalog.Models, "first seed: catalog models")
	rep, err = svc.Seed(ctx, admin, 10)
	require.NoError(t, err, "second seed")
	require.Zero(t, rep.Catalog.Models, "second seed: catalog models")
	// A catalog that is already there is used as it is.
	other, otherDB := newService(t)
	_, err = other.ImportEntries(ctx, []auction.CatalogEntry{{Brand: "현대", Kind: "소나타", Model: "LF 소나타"}})
	require.NoError(t, err)
	rep, err = other.Seed(ctx, admin, 5)
	require.NoError(t, err, "seed over an existing catalog")
	require.Equal(t, auction.ImportReport{}, rep.Catalog, "seed over an existing catalog")
	ids, _ := otherDB.Auction().ModelIDs(ctx)
	require.Len(t, ids, 1, "seed added models to an existing catalog")
	page, err := svc.ListCars(ctx, auction.ListOptions{Page: 1})
	require.NoError(t, err)
	require.Equal(t, 16, page.Total, "listed after two seeds")
	count := func() map[auction.Status]int {
		page, err := svc.ListCars(ctx, auction.ListOptions{Page: 1})
		require.NoError(t, err)
		n := map[auction.Status]int{}
		for _, c := range page.Cars {
			n[c.Status]++
			require.Contains(t, []time.Duration{time.Minute, 47*time.Hour + 59*time.Minute}, c.AuctionEnd.Sub(seeded), "generated car ending after the seed")
			im, ok := c.Representative()
			require.True(t, ok, "generated car's image: %+v", c.Images)
			require.Equal(t, auction.SeedImagePath, im.Path, "generated car's image")
		}
		return n
	}
	require.Equal(t, 16, count()[auction.StatusOngoing], "ongoing now")
	now = now.Add(time.Minute)
	n := count()
	require.Equal(t, 8, n[auction.StatusOngoing], "ongoing a minute later: %v", n)
	require.Equal(t, 8, n[auction.StatusEnd], "ended a minute later: %v", n)
	brands, _ := svc.Brands(ctx)
	sum := 0
	for _, b := range brands {
		sum += b.CarCount
	}
	// The 16 cars whose auction started, not the 4 waiting ones.
	require.Equal(t, 16, sum, "brand counts sum")
	f, err := svc.OpenMedia(ctx, auction.SeedImagePath)
	require.NoError(t, err)
	data, _ := io.ReadAll(f)
	require.True(t, bytes.Equal(data, auction.SeedImage()), "seed image differs")
	_, ok := auction.DetectImage(data)
	require.True(t, ok, "the bundled seed image is not a valid PNG")
}

// TestConcurrentBids places 100 bids at once through the Service, on both
// stores: every bidder ends with its highest attempt and none is lost.
func TestConcurrentBids(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	stores := map[string]func(t *testing.T) (auction.Store, auth.Store){
		"memory": func(*testing.T) (auction.Store, auth.Store) {
			db := memory.New()
			return db.Auction(), db.Auth()
		},
		"sqlite": func(t *testing.T) (auction.Store, auth.Store) {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hanok.db"))
			require.NoError(t, err)
			t.Cleanup(func() { db.Close() })
			return db.Auction(), db.Auth()
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			as, us := open(t)
			svc, err := auction.New(as, memory.NewMediaStore(), auction.Config{Now: func() time.Time { return now }})
			require.NoError(t, err)
			_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
			require.NoError(t, err)
			users := make([]hanok.UserID, 11)
			for i := range users {
				u := &auth.User{Username: "user" + string(rune('a'+i)), PasswordHash: []byte("x"), Created: now}
				require.NoError(t, us.CreateUser(ctx, u))
				users[i] = u.ID
			}
			owner, bidders := hanok.Actor{ID: users[0]}, users[1:]
			car, err := svc.CreateCar(ctx, owner, newCarInput(t, 5))
			require.NoError(t, err)
			_, err = svc.Approve(ctx, hanok.Actor{ID: users[0], Superuser: true}, car.ID)
			require.NoError(t, err)
			errs := make(chan error, 100)
			done := make(chan struct{})
			for g := range 100 {
				go func() {
					defer func() { done <- struct{}{} }()
					_, err := svc.PlaceBid(ctx, hanok.Actor{ID: bidders[g%len(bidders)]}, car.ID, int64(1000+g))
					if err != nil && hanok.CodeOf(err) != hanok.Conflict {
						errs <- err
					}
				}()
			}
			for range 100 {
				<-done
			}
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}
			bids, err := svc.Bids(ctx, owner, car.ID)
			require.NoError(t, err)
			require.Len(t, bids, len(bidders), "bids")
			require.Equal(t, int64(1099), bids[0].Amount, "highest bid")
			for _, b := range bids {
				i := int(b.Bidder - bidders[0])
				assert.Equal(t, int64(1000+90+i), b.Amount, "bidder %d: want its highest attempt", i)
			}
		})
	}
}

// TestListHugePage asks for pages whose offset overflows an int: they are
// past the end and answer the last page, on both stores.
func TestListHugePage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	sq, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hanok.db"))
	require.NoError(t, err)
	defer sq.Close()
	mem := memory.New()
	storetest.CreateUsers(t, authtest.Users(mem.Auth()), 1) // the seeded cars' owner
	for name, store := range map[string]auction.Store{"memory": mem.Auction(), "sqlite": sq.Auction()} {
		t.Run(name, func(t *testing.T) {
			svc, err := auction.New(store, memory.NewMediaStore(), auction.Config{Now: func() time.Time { return now }, PageSize: 3})
			require.NoError(t, err)
			if name == "sqlite" {
				// Seeded cars need an owner row.
				require.NoError(t, sq.Auth().CreateUser(ctx, &auth.User{Username: "admin", PasswordHash: []byte("x"), Superuser: true, Created: now}))
			}
			_, err = svc.Seed(ctx, hanok.Actor{ID: 1, Superuser: true}, 10)
			require.NoError(t, err)
			for _, page := range []int{math.MaxInt, math.MaxInt / 3, math.MaxInt/3 + 2, math.MinInt} {
				p, err := svc.ListCars(ctx, auction.ListOptions{Page: page})
				require.NoError(t, err, "page %d", page)
				require.Equal(t, 3, p.Page, "page %d: page", page)
				require.Equal(t, 3, p.Pages, "page %d: pages", page)
				require.Len(t, p.Cars, 2, "page %d: cars", page)
			}
		})
	}
}

// failingRead is a store whose Car always fails, as a read does when the
// request's context ends just after the car was written.
type failingRead struct{ auction.Store }

func (failingRead) Car(context.Context, auction.CarID) (*auction.Car, error) {
	return nil, context.Canceled
}

// TestCreateCarKeepsImagesOfAStoredCar: once the car is stored, a failure
// to read it back must not delete the images it refers to.
func TestCreateCarKeepsImagesOfAStoredCar(t *testing.T) {
	ctx := context.Background()
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 2) // the actors 1 and 2 below
	svc, err := auction.New(failingRead{db.Auction()}, db.Media(), auction.Config{})
	require.NoError(t, err)
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	_, err = svc.CreateCar(ctx, hanok.Actor{ID: 1}, newCarInput(t, 5))
	require.Error(t, err, "a failed read-back reported success")
	car, err := db.Auction().Car(ctx, 1)
	require.NoError(t, err, "the car was not stored")
	names := db.Media().Names()
	require.Len(t, names, 5, "image files left for a stored car with %d images", len(car.Images))
	for _, im := range car.Images {
		require.Contains(t, names, im.Path, "image %s of the stored car was deleted", im.Path)
	}
}

// TestDecodeBudget: an image whose decode alone would take more memory
// than Config.MaxDecodeBytes is refused, naming what it takes, and one
// within it is accepted (issue 20, point 8).
func TestDecodeBudget(t *testing.T) {
	ctx := context.Background()
	db := memory.New()
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{MaxDecodeBytes: 4 << 20})
	require.NoError(t, err)
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	owner := authtest.Users(db.Auth()).Create(t, "owner")
	big := func(w, h int) []byte {
		var b bytes.Buffer
		require.NoError(t, png.Encode(&b, image.NewNRGBA64(image.Rect(0, 0, w, h))))
		return b.Bytes()
	}
	in := newCarInput(t, 5)
	// 1000×1000 at 16 bits: 8 MB and the decoder's own, over the 4 MiB.
	in.Images[2] = auction.Upload{Name: "deep.png", Data: big(1000, 1000)}
	_, err = svc.CreateCar(ctx, hanok.Actor{ID: owner}, in)
	storetest.WantCode(t, err, hanok.Invalid)
	assert.Equal(t, `image 3 ("deep.png") takes 10 MB of memory to decode, more than the limit of 4 MB`, hanok.FieldsOf(err)["car_images"])
	assert.Empty(t, db.Media().Names(), "a refused car stores no image")

	in = newCarInput(t, 5)
	in.Images[2] = auction.Upload{Name: "fits.png", Data: big(300, 300)}
	_, err = svc.CreateCar(ctx, hanok.Actor{ID: owner}, in)
	require.NoError(t, err)
}
