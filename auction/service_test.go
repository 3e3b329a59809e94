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
	"slices"
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
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCreateCarLeavesNoOrphans registers cars on SQLite and the filesystem:
// a car the database refuses (its owner does not exist) leaves no file.
func TestCreateCarLeavesNoOrphans(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "hanok.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	mediaDir := filepath.Join(dir, "media")
	media, err := files.Open(mediaDir)
	if err != nil {
		t.Fatal(err)
	}
	defer media.Close()
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	svc, err := auction.New(db.Auction(), media, auction.Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	u := &auth.User{Username: "owner", PasswordHash: []byte("x"), Created: now}
	if err := db.Auth().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}

	_, err = svc.CreateCar(ctx, hanok.Actor{ID: u.ID + 100}, newCarInput(t, 6))
	if hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("car of an unknown owner: %v", err)
	}
	if fs := listFiles(t, mediaDir); len(fs) != 0 {
		t.Fatalf("a refused car left files: %q", fs)
	}

	car, err := svc.CreateCar(ctx, hanok.Actor{ID: u.ID}, newCarInput(t, 6))
	if err != nil {
		t.Fatal(err)
	}
	stored := listFiles(t, mediaDir)
	if len(stored) != 6 || len(car.Images) != 6 {
		t.Fatalf("stored %q for images %+v", stored, car.Images)
	}
	for i, im := range car.Images {
		if !strings.HasPrefix(im.Path, "cars/2019-04-10/") || !strings.HasSuffix(im.Path, ".png") || im.Represent != (i == 0) {
			t.Fatalf("image %d: %+v", i, im)
		}
		f, err := svc.OpenMedia(ctx, im.Path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(data, testPNG(t)) || f.Size() != int64(len(data)) {
			t.Fatalf("image %d content differs", i)
		}
	}
	// A waiting car is not counted: the counts show what anyone may see.
	if car.Status != auction.StatusWaiting || car.Model.CarCount != 0 || car.Brand.Name != "르노삼성" {
		t.Fatalf("created car: %+v", car)
	}
}

func TestCreateCarRules(t *testing.T) {
	svc, db := newService(t)
	ctx := context.Background()
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	bad := func(mut func(*auction.NewCar), field string) {
		t.Helper()
		in := newCarInput(t, 5)
		mut(&in)
		_, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
		if hanok.CodeOf(err) != hanok.Invalid || hanok.FieldsOf(err)[field] == "" {
			t.Fatalf("want Invalid naming %s, got %v", field, err)
		}
	}
	bad(func(in *auction.NewCar) { in.Images = in.Images[:4] }, "car_images")
	bad(func(in *auction.NewCar) { in.Images = append(in.Images, newCarInput(t, 30).Images...) }, "car_images")
	bad(func(in *auction.NewCar) { in.Images[4].Data = make([]byte, 11<<20) }, "car_images")
	bad(func(in *auction.NewCar) { in.Images[2].Data = []byte("GIF89a not really") }, "car_images")
	huge := newCarInput(t, 5)
	huge.Images[3] = auction.Upload{Name: "huge.gif", Data: hugeGIF(8000, 6000)}
	if _, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, huge); !strings.Contains(hanok.FieldsOf(err)["car_images"], `image 4 ("huge.gif") is a GIF of 8000x6000 pixels, more than the limit of 25000000`) {
		t.Fatalf("a GIF too large to check: %v", err)
	}
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
	if n := len(db.Media().Names()); n != 0 {
		t.Fatalf("refused cars stored %d files", n)
	}
	in := newCarInput(t, 5)
	in.Model, in.Brand = "캐러밴 (84년~현재)", "닷지"
	c, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in)
	if err != nil || c.Brand.Name != "닷지" {
		t.Fatalf("disambiguated: %+v %v", c, err)
	}
	in.Model, in.Brand, in.Kind = "sm5", "", "소나타"
	if _, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, in); hanok.CodeOf(err) != hanok.NotFound {
		t.Fatalf("model under the wrong kind: %v", err)
	}
}

func TestApproveRules(t *testing.T) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 2) // the actors 1 and 2 below
	now := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{AuctionDuration: 2 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, newCarInput(t, 5))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, hanok.Actor{ID: 1}, c.ID); hanok.CodeOf(err) != hanok.Forbidden {
		t.Fatalf("owner approving: %v", err)
	}
	got, err := svc.Approve(ctx, hanok.Actor{ID: 2, Superuser: true}, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.AuctionStart.Equal(now) || !got.AuctionEnd.Equal(now.Add(2*time.Hour)) || got.Status != auction.StatusOngoing {
		t.Fatalf("approved: %+v", got)
	}
	now = now.Add(2 * time.Hour)
	if got, _ := svc.Car(ctx, hanok.Actor{ID: 2, Superuser: true}, c.ID); got.Status != auction.StatusEnd {
		t.Fatalf("after the configured duration: %s", got.Status)
	}
	if _, err := svc.Approve(ctx, hanok.Actor{ID: 2, Superuser: true}, c.ID); hanok.CodeOf(err) != hanok.Conflict {
		t.Fatalf("second approval: %v", err)
	}
	if _, err := auction.New(db.Auction(), db.Media(), auction.Config{MaxImages: 4}); err == nil {
		t.Fatal("MaxImages below 5 accepted")
	}
	if _, err := auction.New(nil, db.Media(), auction.Config{}); err == nil {
		t.Fatal("nil store accepted")
	}
}

func TestSeed(t *testing.T) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 2) // the actors 1 and 2 below
	seeded := time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)
	now := seeded
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{Now: func() time.Time { return now }, PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.Seed(ctx, hanok.Actor{ID: 1}, 10); hanok.CodeOf(err) != hanok.Forbidden {
		t.Fatalf("seed by a user: %v", err)
	}
	admin := hanok.Actor{ID: 1, Superuser: true}
	rep, err := svc.Seed(ctx, admin, 10)
	if err != nil {
		t.Fatal(err)
	}
	if rep.EndingSoon != 4 || rep.Ongoing != 4 || rep.Waiting != 2 || rep.Catalog.Models != len(auction.DefaultCatalog()) {
		t.Fatalf("first seed: %+v", rep)
	}
	rep, err = svc.Seed(ctx, admin, 10)
	if err != nil || rep.Catalog.Models != 0 {
		t.Fatalf("second seed: %+v %v", rep, err)
	}
	// A catalog that is already there is used as it is.
	other, otherDB := newService(t)
	if _, err := other.ImportEntries(ctx, []auction.CatalogEntry{{Brand: "현대", Kind: "소나타", Model: "LF 소나타"}}); err != nil {
		t.Fatal(err)
	}
	if rep, err := other.Seed(ctx, admin, 5); err != nil || rep.Catalog != (auction.ImportReport{}) {
		t.Fatalf("seed over an existing catalog: %+v %v", rep, err)
	}
	if ids, _ := otherDB.Auction().ModelIDs(ctx); len(ids) != 1 {
		t.Fatalf("seed added models to an existing catalog: %v", ids)
	}
	page, err := svc.ListCars(ctx, auction.ListOptions{Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 16 {
		t.Fatalf("%d listed after two seeds, want 16", page.Total)
	}
	count := func() map[auction.Status]int {
		page, err := svc.ListCars(ctx, auction.ListOptions{Page: 1})
		if err != nil {
			t.Fatal(err)
		}
		n := map[auction.Status]int{}
		for _, c := range page.Cars {
			n[c.Status]++
			if rem := c.AuctionEnd.Sub(seeded); rem != time.Minute && rem != 47*time.Hour+59*time.Minute {
				t.Fatalf("generated car ending %v after the seed", rem)
			}
			if im, ok := c.Representative(); !ok || im.Path != auction.SeedImagePath {
				t.Fatalf("generated car's image: %+v", c.Images)
			}
		}
		return n
	}
	if n := count(); n[auction.StatusOngoing] != 16 {
		t.Fatalf("statuses now: %v", n)
	}
	now = now.Add(time.Minute)
	if n := count(); n[auction.StatusOngoing] != 8 || n[auction.StatusEnd] != 8 {
		t.Fatalf("statuses a minute later: %v", n)
	}
	brands, _ := svc.Brands(ctx)
	sum := 0
	for _, b := range brands {
		sum += b.CarCount
	}
	// The 16 cars whose auction started, not the 4 waiting ones.
	if sum != 16 {
		t.Fatalf("brand counts sum to %d, want 16", sum)
	}
	f, err := svc.OpenMedia(ctx, auction.SeedImagePath)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	if !bytes.Equal(data, auction.SeedImage()) {
		t.Fatal("seed image differs")
	}
	if _, ok := auction.DetectImage(data); !ok {
		t.Fatal("the bundled seed image is not a valid PNG")
	}
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
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db.Auction(), db.Auth()
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			as, us := open(t)
			svc, err := auction.New(as, memory.NewMediaStore(), auction.Config{Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
				t.Fatal(err)
			}
			users := make([]hanok.UserID, 11)
			for i := range users {
				u := &auth.User{Username: "user" + string(rune('a'+i)), PasswordHash: []byte("x"), Created: now}
				if err := us.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				users[i] = u.ID
			}
			owner, bidders := hanok.Actor{ID: users[0]}, users[1:]
			car, err := svc.CreateCar(ctx, owner, newCarInput(t, 5))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Approve(ctx, hanok.Actor{ID: users[0], Superuser: true}, car.ID); err != nil {
				t.Fatal(err)
			}
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
				t.Fatal(err)
			}
			bids, err := svc.Bids(ctx, owner, car.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(bids) != len(bidders) || bids[0].Amount != 1099 {
				t.Fatalf("%d bids, highest %d; want %d bids, highest 1099", len(bids), bids[0].Amount, len(bidders))
			}
			for _, b := range bids {
				i := int(b.Bidder - bidders[0])
				if want := int64(1000 + 90 + i); b.Amount != want {
					t.Errorf("bidder %d: %d, want its highest attempt %d", i, b.Amount, want)
				}
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
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	mem := memory.New()
	storetest.CreateUsers(t, authtest.Users(mem.Auth()), 1) // the seeded cars' owner
	for name, store := range map[string]auction.Store{"memory": mem.Auction(), "sqlite": sq.Auction()} {
		t.Run(name, func(t *testing.T) {
			svc, err := auction.New(store, memory.NewMediaStore(), auction.Config{Now: func() time.Time { return now }, PageSize: 3})
			if err != nil {
				t.Fatal(err)
			}
			if name == "sqlite" {
				// Seeded cars need an owner row.
				if err := sq.Auth().CreateUser(ctx, &auth.User{Username: "admin", PasswordHash: []byte("x"), Superuser: true, Created: now}); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := svc.Seed(ctx, hanok.Actor{ID: 1, Superuser: true}, 10); err != nil {
				t.Fatal(err)
			}
			for _, page := range []int{math.MaxInt, math.MaxInt / 3, math.MaxInt/3 + 2, math.MinInt} {
				p, err := svc.ListCars(ctx, auction.ListOptions{Page: page})
				if err != nil {
					t.Fatalf("page %d: %v", page, err)
				}
				if p.Page != 3 || p.Pages != 3 || len(p.Cars) != 2 {
					t.Fatalf("page %d: got page %d of %d with %d cars, want the last page 3 of 3 with 2 cars", page, p.Page, p.Pages, len(p.Cars))
				}
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
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateCar(ctx, hanok.Actor{ID: 1}, newCarInput(t, 5)); err == nil {
		t.Fatal("a failed read-back reported success")
	}
	car, err := db.Auction().Car(ctx, 1)
	if err != nil {
		t.Fatalf("the car was not stored: %v", err)
	}
	names := db.Media().Names()
	if len(names) != 5 {
		t.Fatalf("%d image files left for a stored car with %d images", len(names), len(car.Images))
	}
	for _, im := range car.Images {
		if !slices.Contains(names, im.Path) {
			t.Fatalf("image %s of the stored car was deleted", im.Path)
		}
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
