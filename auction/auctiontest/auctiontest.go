// Package auctiontest is the conformance suite of auction.Store: every
// implementation runs RunStoreTests from one of its own tests, with a
// storetest.Maker whose Harness holds the auction store and the auth store
// of the same database, and must pass it whole.
package auctiontest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/storetest"
)

// RunStoreTests runs the conformance suite against the harnesses mk
// makes, one fresh harness per subtest; the subtests run in parallel, so
// mk must make independent harnesses (a database, or a schema, each).
func RunStoreTests(t *testing.T, mk storetest.Maker[auction.Store]) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, storetest.Maker[auction.Store])
	}{
		{"Catalog", testCatalog},
		{"CreateCars", testCreateCars},
		{"UnknownUsers", testUnknownUsers},
		{"ApproveCar", testApprove},
		{"ListCars", testList},
		{"Bids", testBids},
		{"AcceptBid", testAccept},
		{"ConcurrentBids", testConcurrentBids},
		{"ImagePaths", testImagePaths},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, mk)
		})
	}
}

// t0 has a sub-second part of microsecond precision, the finest every
// store keeps.
var t0 = time.Date(2019, 4, 10, 9, 0, 0, 123456000, time.UTC)

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		require.NoError(t, err)
		return v
	}
}

func must2(t *testing.T) func([]auction.Car, int, error) ([]auction.Car, int) {
	return func(cs []auction.Car, n int, err error) ([]auction.Car, int) {
		t.Helper()
		require.NoError(t, err)
		return cs, n
	}
}

// wantErr checks that err is the store's declared error want (and so of
// its code).
func wantErr(t *testing.T, err, want error) {
	t.Helper()
	storetest.WantCode(t, err, hanok.CodeOf(want))
	require.ErrorIs(t, err, want)
}

var catalog = []auction.CatalogEntry{
	{Brand: "현대", Kind: "소나타", Model: "소나타 2.0"},
	{Brand: "현대", Kind: "소나타", Model: "LF 소나타"},
	{Brand: "현대", Kind: "그랜저", Model: "그랜저 IG"},
	{Brand: "르노삼성", Kind: "sm", Model: "sm5"},
	{Brand: "르노삼성", Kind: "sm", Model: "sm7"},
	// the kind name "트랙스" under two brands, and the model name under both
	{Brand: "쉐보레", Kind: "트랙스", Model: "트랙스"},
	{Brand: "르노삼성", Kind: "트랙스", Model: "트랙스"},
}

// fixture is a store with the test catalog and two users.
type fixture struct {
	h          storetest.Harness[auction.Store]
	s          auction.Store
	owner, bob hanok.UserID
	models     map[string]auction.ModelPath // by "brand/kind/model"
}

func setup(t *testing.T, mk storetest.Maker[auction.Store]) *fixture {
	t.Helper()
	ctx := context.Background()
	h := mk(t)
	s := h.Store
	must[auction.ImportReport](t)(s.ImportCatalog(ctx, catalog))
	f := &fixture{h: h, s: s, owner: h.CreateUser(t, "owner"), bob: h.CreateUser(t, "bob"), models: map[string]auction.ModelPath{}}
	for _, e := range catalog {
		ps := must[[]auction.ModelPath](t)(s.ModelsByName(ctx, e.Model))
		for _, p := range ps {
			if p.Brand.Name == e.Brand && p.Kind.Name == e.Kind {
				f.models[e.Brand+"/"+e.Kind+"/"+e.Model] = p
			}
		}
	}
	return f
}

func (f *fixture) model(t *testing.T, key string) auction.ModelID {
	t.Helper()
	p, ok := f.models[key]
	require.True(t, ok, "no model %q", key)
	return p.Model.ID
}

func newCar(owner hanok.UserID, model auction.ModelID, images int) *auction.Car {
	c := &auction.Car{
		Owner: owner, Model: auction.Model{ID: model},
		Year: time.Date(1996, 12, 25, 0, 0, 0, 0, time.UTC), Fuel: auction.FuelHybrid, Transmission: auction.TransmissionManual,
		Color: "흰색", Mileage: 25000, Address: "서울 신도림", Status: auction.StatusWaiting, Created: t0,
	}
	for i := range images {
		c.Images = append(c.Images, auction.Image{Path: fmt.Sprintf("cars/2019-04-10/%d-%d.png", model, i), Represent: i == 0})
	}
	return c
}

func testCatalog(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	s := mk(t).Store
	rep := must[auction.ImportReport](t)(s.ImportCatalog(ctx, catalog))
	require.Equal(t, auction.ImportReport{Rows: 7, Brands: 3, Kinds: 5, Models: 7}, rep, "first import")
	rep = must[auction.ImportReport](t)(s.ImportCatalog(ctx, catalog))
	require.Equal(t, auction.ImportReport{Rows: 7}, rep, "a second import adds nothing")
	rep = must[auction.ImportReport](t)(s.ImportCatalog(ctx, []auction.CatalogEntry{{Brand: "현대", Kind: "소나타", Model: "소나타 2.0"}, {Brand: "현대", Kind: "소나타", Model: "쏘나타 뉴라이즈"}}))
	require.Equal(t, auction.ImportReport{Rows: 2, Models: 1}, rep, "partial import")

	brands := must[[]auction.Brand](t)(s.Brands(ctx))
	var names []string
	for _, b := range brands {
		names = append(names, b.Name)
		assert.Zero(t, b.CarCount, "brand %s car_count", b.Name)
	}
	require.Equal(t, []string{"현대", "르노삼성", "쉐보레"}, names, "brands in insertion order")
	hd := must[*auction.Brand](t)(s.BrandByName(ctx, "현대"))
	require.Equal(t, auction.Brand{ID: brands[0].ID, Name: "현대"}, *hd, "BrandByName")
	_, err := s.BrandByName(ctx, "없는브랜드")
	wantErr(t, err, auction.ErrBrandNotFound)

	kinds := must[[]auction.Kind](t)(s.Kinds(ctx, hd.ID))
	require.Len(t, kinds, 2, "kinds of 현대")
	assert.Equal(t, "소나타", kinds[0].Name)
	assert.Equal(t, "그랜저", kinds[1].Name)
	assert.Equal(t, hd.ID, kinds[0].BrandID)
	trax := must[[]auction.Kind](t)(s.KindsByName(ctx, "트랙스"))
	require.Len(t, trax, 2, "kinds named 트랙스")
	assert.NotEqual(t, trax[0].BrandID, trax[1].BrandID, "kinds named 트랙스 are under different brands")
	assert.Empty(t, must[[]auction.Kind](t)(s.KindsByName(ctx, "없음")), "unknown kind name")
	models := must[[]auction.Model](t)(s.Models(ctx, []auction.KindID{kinds[0].ID}))
	require.Len(t, models, 3, "models of 소나타")
	assert.Equal(t, "소나타 2.0", models[0].Name)
	assert.Equal(t, "쏘나타 뉴라이즈", models[2].Name)
	assert.Equal(t, kinds[0].ID, models[0].KindID)
	assert.Len(t, must[[]auction.Model](t)(s.Models(ctx, []auction.KindID{trax[0].ID, trax[1].ID})), 2, "models of both 트랙스 kinds")
	paths := must[[]auction.ModelPath](t)(s.ModelsByName(ctx, "트랙스"))
	require.Len(t, paths, 2, "ModelsByName(트랙스)")
	assert.Equal(t, "쉐보레", paths[0].Brand.Name)
	assert.Equal(t, "르노삼성", paths[1].Brand.Name)
	assert.Equal(t, trax[0].ID, paths[0].Kind.ID)
	assert.Empty(t, must[[]auction.ModelPath](t)(s.ModelsByName(ctx, "없음")), "unknown model name")
	assert.Len(t, must[[]auction.ModelID](t)(s.ModelIDs(ctx)), 8, "ModelIDs")
}

// checkCounts checks the car counts of a model, its kind and its brand,
// as every read of the catalog gives them.
func checkCounts(t *testing.T, f *fixture, key string, model, kind, brand int) {
	t.Helper()
	ctx := context.Background()
	p := f.models[key]
	ms := must[[]auction.Model](t)(f.s.Models(ctx, []auction.KindID{p.Kind.ID}))
	for _, m := range ms {
		if m.ID == p.Model.ID {
			assert.Equal(t, model, m.CarCount, "%s: model car_count", key)
		}
	}
	ks := must[[]auction.Kind](t)(f.s.Kinds(ctx, p.Brand.ID))
	for _, k := range ks {
		if k.ID == p.Kind.ID {
			assert.Equal(t, kind, k.CarCount, "%s: kind car_count", key)
		}
	}
	b := must[*auction.Brand](t)(f.s.BrandByName(ctx, p.Brand.Name))
	assert.Equal(t, brand, b.CarCount, "%s: brand car_count", key)
	for _, mp := range must[[]auction.ModelPath](t)(f.s.ModelsByName(ctx, p.Model.Name)) {
		if mp.Model.ID == p.Model.ID {
			assert.Equal(t, []int{model, kind, brand}, []int{mp.Model.CarCount, mp.Kind.CarCount, mp.Brand.CarCount}, "%s: ModelsByName car_count of model, kind, brand", key)
		}
	}
}

func testCreateCars(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	sm5 := f.model(t, "르노삼성/sm/sm5")
	sm7 := f.model(t, "르노삼성/sm/sm7")
	c1, c2, c3 := newCar(f.owner, sm5, 5), newCar(f.owner, sm5, 6), newCar(f.bob, sm7, 5)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c1, c2}))
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c3}))
	require.NotZero(t, c1.ID, "car id set")
	require.NotZero(t, c2.ID, "car id set")
	require.NotEqual(t, c1.ID, c2.ID)
	require.NotEqual(t, c2.ID, c3.ID)
	for _, im := range c2.Images {
		require.NotZero(t, im.ID, "image id set: %+v", c2.Images)
	}
	// Waiting cars are their owners' only: no count reveals them.
	checkCounts(t, f, "르노삼성/sm/sm5", 0, 0, 0)
	checkCounts(t, f, "르노삼성/sm/sm7", 0, 0, 0)

	got := must[*auction.Car](t)(f.s.Car(ctx, c2.ID))
	assert.Equal(t, f.owner, got.Owner)
	assert.Equal(t, sm5, got.Model.ID)
	assert.Equal(t, "sm5", got.Model.Name)
	assert.Equal(t, "sm", got.Kind.Name)
	assert.Equal(t, "르노삼성", got.Brand.Name)
	assert.Equal(t, []int{0, 0, 0}, []int{got.Model.CarCount, got.Kind.CarCount, got.Brand.CarCount}, "car_count of the car's model, kind, brand")
	assert.True(t, got.Year.Equal(c2.Year), "year %v", got.Year)
	assert.Equal(t, c2.Fuel, got.Fuel)
	assert.Equal(t, c2.Transmission, got.Transmission)
	assert.Equal(t, "흰색", got.Color)
	assert.Equal(t, 25000, got.Mileage)
	assert.Equal(t, "서울 신도림", got.Address)
	assert.Equal(t, auction.StatusWaiting, got.Status)
	assert.True(t, got.AuctionStart.IsZero(), "auction start of a waiting car: %v", got.AuctionStart)
	assert.True(t, got.AuctionEnd.IsZero(), "auction end of a waiting car: %v", got.AuctionEnd)
	assert.True(t, got.Created.Equal(t0), "created %v, want %v", got.Created, t0)
	require.Equal(t, c2.Images, got.Images)
	// Returned values are copies.
	got.Images[0].Path = "changed"
	again := must[*auction.Car](t)(f.s.Car(ctx, c2.ID))
	require.NotEqual(t, "changed", again.Images[0].Path, "Car returned stored state")

	bad := newCar(f.owner, 999999, 5)
	good := newCar(f.owner, sm5, 5)
	// A car whose auction started (as generated cars are) counts from its
	// creation; an approved car from its approval.
	listed := newCar(f.bob, sm5, 5)
	listed.Status, listed.AuctionStart, listed.AuctionEnd = auction.StatusOngoing, t0, t0.Add(48*time.Hour)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{listed}))
	checkCounts(t, f, "르노삼성/sm/sm5", 1, 1, 1)
	must[*auction.Car](t)(f.approve(ctx, c3.ID, t0, t0.Add(48*time.Hour)))
	checkCounts(t, f, "르노삼성/sm/sm7", 1, 2, 2)
	checkCounts(t, f, "르노삼성/sm/sm5", 1, 2, 2)
	checkCounts(t, f, "현대/소나타/소나타 2.0", 0, 0, 0)
	got = must[*auction.Car](t)(f.s.Car(ctx, c3.ID))
	assert.Equal(t, []int{1, 2, 2}, []int{got.Model.CarCount, got.Kind.CarCount, got.Brand.CarCount}, "car_count of an approved car's model, kind, brand")

	wantErr(t, f.s.CreateCars(ctx, []*auction.Car{good, bad}), auction.ErrModelNotFound)
	checkCounts(t, f, "르노삼성/sm/sm5", 1, 2, 2)
	_, err := f.s.Car(ctx, listed.ID+1)
	wantErr(t, err, auction.ErrCarNotFound)
	page, total := must2(t)(f.s.ListCars(ctx, auction.ListQuery{Limit: 16}))
	assert.Equal(t, 2, total, "only the cars whose auction started are listed")
	assert.Len(t, page, 2, "only the cars whose auction started are listed")
}

// testUnknownUsers: a car of an owner, or a bid of a bidder, that is no
// user of the harness's auth store is ErrUserNotFound on every store, and
// stores nothing.
func testUnknownUsers(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	sm5 := f.model(t, "르노삼성/sm/sm5")
	wantErr(t, f.s.CreateCars(ctx, []*auction.Car{newCar(storetest.UnknownUser, sm5, 5)}), auction.ErrUserNotFound)
	// One car of an unknown owner refuses the whole batch.
	good, orphan := newCar(f.owner, sm5, 5), newCar(storetest.UnknownUser, sm5, 5)
	wantErr(t, f.s.CreateCars(ctx, []*auction.Car{good, orphan}), auction.ErrUserNotFound)
	checkCounts(t, f, "르노삼성/sm/sm5", 0, 0, 0)

	c := newCar(f.owner, sm5, 5)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c}))
	checkCounts(t, f, "르노삼성/sm/sm5", 0, 0, 0)
	must[*auction.Car](t)(f.approve(ctx, c.ID, t0, t0.Add(48*time.Hour)))
	checkCounts(t, f, "르노삼성/sm/sm5", 1, 1, 1)
	_, err := f.bid(ctx, c.ID, storetest.UnknownUser, 1000, t0.Add(time.Minute))
	wantErr(t, err, auction.ErrUserNotFound)
	assert.Empty(t, must[[]auction.Bid](t)(f.s.Bids(ctx, c.ID)), "a bid of an unknown bidder was stored")
	_, err = f.s.BidOf(ctx, c.ID, storetest.UnknownUser)
	wantErr(t, err, auction.ErrBidNotFound)
}

func testApprove(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c}))
	start, end := t0.Add(time.Hour), t0.Add(49*time.Hour)
	got := must[*auction.Car](t)(f.approve(ctx, c.ID, start, end))
	assert.Equal(t, auction.StatusOngoing, got.Status)
	assert.True(t, got.AuctionStart.Equal(start), "auction start %v, want %v", got.AuctionStart, start)
	assert.True(t, got.AuctionEnd.Equal(end), "auction end %v, want %v", got.AuctionEnd, end)
	assert.Len(t, got.Images, 5)
	assert.Equal(t, "sm5", got.Model.Name)
	_, err := f.approve(ctx, c.ID, start, end)
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.approve(ctx, c.ID+100, start, end)
	wantErr(t, err, auction.ErrCarNotFound)
	again := must[*auction.Car](t)(f.s.Car(ctx, c.ID))
	assert.True(t, again.AuctionStart.Equal(start), "auction start after a failed re-approval: %v", again.AuctionStart)
	assert.Equal(t, auction.StatusOngoing, again.Status)
}

func testList(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	sm5, sm7 := f.model(t, "르노삼성/sm/sm5"), f.model(t, "르노삼성/sm/sm7")
	chevy, renault := f.model(t, "쉐보레/트랙스/트랙스"), f.model(t, "르노삼성/트랙스/트랙스")
	models := []auction.ModelID{sm5, sm7, sm5, chevy, renault, sm5, sm7, sm5}
	var cars []*auction.Car
	for _, m := range models {
		cars = append(cars, newCar(f.owner, m, 5))
	}
	cars = append(cars, newCar(f.owner, sm5, 5)) // stays waiting
	require.NoError(t, f.s.CreateCars(ctx, cars))
	// Starts: cars 0..7 start at t0+i hours, except car 3 and 4 share a
	// start (the tie is broken by id).
	for i, c := range cars[:8] {
		start := t0.Add(time.Duration(i) * time.Hour)
		if i == 4 {
			start = t0.Add(3 * time.Hour)
		}
		must[*auction.Car](t)(f.approve(ctx, c.ID, start, start.Add(48*time.Hour)))
	}
	ids := func(cs []auction.Car) []auction.CarID {
		var out []auction.CarID
		for _, c := range cs {
			out = append(out, c.ID)
		}
		return out
	}
	want := func(idx ...int) []auction.CarID {
		var out []auction.CarID
		for _, i := range idx {
			out = append(out, cars[i].ID)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		q     auction.ListQuery
		total int
		want  []int // indexes into cars
	}{
		{"page 1", auction.ListQuery{Limit: 3}, 8, []int{7, 6, 5}},
		{"page 2 (a tie of starts broken by id)", auction.ListQuery{Limit: 3, Offset: 3}, 8, []int{4, 3, 2}},
		{"last page", auction.ListQuery{Limit: 3, Offset: 6}, 8, []int{1, 0}},
		{"past the end", auction.ListQuery{Limit: 3, Offset: 9}, 8, nil},
		{"reverse", auction.ListQuery{Limit: 4, Reverse: true}, 8, []int{0, 1, 2, 3}},
		{"one model", auction.ListQuery{Limit: 16, Models: []auction.ModelID{sm5}}, 4, []int{7, 5, 2, 0}},
		{"one model reversed, page 2", auction.ListQuery{Limit: 1, Offset: 1, Reverse: true, Models: []auction.ModelID{sm5}}, 4, []int{2}},
		{"two models of one name", auction.ListQuery{Limit: 16, Models: []auction.ModelID{renault, chevy}}, 2, []int{4, 3}},
		{"a model without cars", auction.ListQuery{Limit: 16, Models: []auction.ModelID{f.model(t, "현대/그랜저/그랜저 IG")}}, 0, nil},
		{"an unknown model", auction.ListQuery{Limit: 16, Models: []auction.ModelID{999999}}, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, total := must2(t)(f.s.ListCars(ctx, tc.q))
			assert.Equal(t, tc.total, total, "total")
			assert.Equal(t, want(tc.want...), ids(page), "ids")
		})
	}
	page, _ := must2(t)(f.s.ListCars(ctx, auction.ListQuery{Limit: 1}))
	require.Len(t, page, 1)
	c := page[0]
	require.Equal(t, []auction.Image{cars[7].Images[0]}, c.Images, "a list item has only its representative image")
	assert.Equal(t, "sm5", c.Model.Name)
	assert.Equal(t, "sm", c.Kind.Name)
	assert.Equal(t, "르노삼성", c.Brand.Name)
	// The waiting sm5 is not counted: 4 approved sm5, 6 sm, 7 of 르노삼성.
	assert.Equal(t, []int{4, 6, 7}, []int{c.Model.CarCount, c.Kind.CarCount, c.Brand.CarCount}, "car_count of the item's model, kind, brand")
	assert.Equal(t, auction.StatusOngoing, c.Status)
	assert.True(t, c.AuctionStart.Equal(t0.Add(7*time.Hour)), "auction start %v", c.AuctionStart)
	assert.Equal(t, 25000, c.Mileage)
	assert.Equal(t, "서울 신도림", c.Address)
	assert.True(t, c.Year.Equal(cars[7].Year), "year %v", c.Year)
}

func testBids(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	carol := f.h.CreateUser(t, "carol")
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	waiting := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c, waiting}))
	// A waiting car is its owner's only: to a bidder it does not exist.
	_, err := f.bid(ctx, waiting.ID, f.bob, 100, t0)
	wantErr(t, err, auction.ErrCarNotFound)
	_, err = f.bid(ctx, c.ID+waiting.ID+100, f.bob, 100, t0)
	wantErr(t, err, auction.ErrCarNotFound)
	end := t0.Add(48 * time.Hour)
	must[*auction.Car](t)(f.approve(ctx, c.ID, t0, end))
	b1 := must[*auction.Bid](t)(f.bid(ctx, c.ID, f.bob, 1000, t0.Add(time.Minute)))
	assert.NotZero(t, b1.ID)
	assert.Equal(t, c.ID, b1.Car)
	assert.Equal(t, f.bob, b1.Bidder)
	assert.Equal(t, int64(1000), b1.Amount)
	assert.True(t, b1.Created.Equal(t0.Add(time.Minute)), "created %v", b1.Created)
	assert.True(t, b1.Updated.Equal(b1.Created), "updated %v", b1.Updated)
	_, err = f.bid(ctx, c.ID, f.bob, 900, t0.Add(2*time.Minute))
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.bid(ctx, c.ID, f.bob, 1000, t0.Add(2*time.Minute))
	storetest.WantCode(t, err, hanok.Conflict)
	b2 := must[*auction.Bid](t)(f.bid(ctx, c.ID, f.bob, 1500, t0.Add(3*time.Minute)))
	assert.Equal(t, b1.ID, b2.ID, "a raised bid keeps its id")
	assert.Equal(t, int64(1500), b2.Amount)
	assert.True(t, b2.Created.Equal(b1.Created), "created %v", b2.Created)
	assert.True(t, b2.Updated.Equal(t0.Add(3*time.Minute)), "updated %v", b2.Updated)
	b3 := must[*auction.Bid](t)(f.bid(ctx, c.ID, carol, 1200, t0.Add(4*time.Minute)))
	// At the end instant the auction is over.
	_, err = f.bid(ctx, c.ID, carol, 5000, end)
	storetest.WantCode(t, err, hanok.Conflict)

	bids := must[[]auction.Bid](t)(f.s.Bids(ctx, c.ID))
	require.Len(t, bids, 2)
	assert.Equal(t, []auction.BidID{b1.ID, b3.ID}, []auction.BidID{bids[0].ID, bids[1].ID}, "bob's bid, then carol's")
	assert.Equal(t, []int64{1500, 1200}, []int64{bids[0].Amount, bids[1].Amount})
	own := must[*auction.Bid](t)(f.s.BidOf(ctx, c.ID, carol))
	assert.Equal(t, b3.ID, own.ID)
	assert.Equal(t, int64(1200), own.Amount)
	_, err = f.s.BidOf(ctx, c.ID, f.owner)
	wantErr(t, err, auction.ErrBidNotFound)
	_, err = f.s.Bid(ctx, b1.ID+b3.ID+100)
	wantErr(t, err, auction.ErrBidNotFound)
	assert.Empty(t, must[[]auction.Bid](t)(f.s.Bids(ctx, waiting.ID)), "bids of a car without bids")
}

func testAccept(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	other := newCar(f.owner, f.model(t, "르노삼성/sm/sm7"), 5)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c, other}))
	end := t0.Add(48 * time.Hour)
	for _, car := range []*auction.Car{c, other} {
		must[*auction.Car](t)(f.approve(ctx, car.ID, t0, end))
	}
	bid := must[*auction.Bid](t)(f.bid(ctx, c.ID, f.bob, 700, t0.Add(time.Hour)))
	otherBid := must[*auction.Bid](t)(f.bid(ctx, other.ID, f.bob, 800, t0.Add(time.Hour)))

	_, err := f.accept(ctx, c.ID, bid.ID, end.Add(-time.Second))
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.accept(ctx, c.ID, otherBid.ID, end)
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.accept(ctx, c.ID, otherBid.ID+bid.ID+100, end)
	wantErr(t, err, auction.ErrBidNotFound)
	_, err = f.accept(ctx, c.ID+other.ID+100, bid.ID, end)
	wantErr(t, err, auction.ErrCarNotFound)

	sold := must[*auction.Car](t)(f.accept(ctx, c.ID, bid.ID, end))
	assert.Equal(t, auction.StatusSold, sold.Status)
	assert.Equal(t, f.bob, sold.Buyer)
	assert.Equal(t, bid.ID, sold.SoldBid)
	assert.Len(t, sold.Images, 5)
	_, err = f.accept(ctx, c.ID, bid.ID, end.Add(time.Hour))
	storetest.WantCode(t, err, hanok.Conflict)
	got := must[*auction.Car](t)(f.s.Car(ctx, c.ID))
	assert.Equal(t, auction.StatusSold, got.Status, "stored status")
	assert.Equal(t, f.bob, got.Buyer, "stored buyer")
	assert.Equal(t, bid.ID, got.SoldBid, "stored sold bid")
	// A sold car is still listed (its auction started), and takes no bids.
	_, total := must2(t)(f.s.ListCars(ctx, auction.ListQuery{Limit: 16}))
	assert.Equal(t, 2, total, "listed cars")
	_, err = f.bid(ctx, c.ID, f.bob, 900, t0.Add(2*time.Hour))
	storetest.WantCode(t, err, hanok.Conflict)
	// The other car is unaffected.
	o := must[*auction.Car](t)(f.s.Car(ctx, other.ID))
	assert.Equal(t, auction.StatusOngoing, o.Status, "other car")
	assert.Zero(t, o.Buyer, "other car")
}

func testConcurrentBids(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	require.NoError(t, f.s.CreateCars(ctx, []*auction.Car{c}))
	must[*auction.Car](t)(f.approve(ctx, c.ID, t0, t0.Add(48*time.Hour)))
	const bidders, goroutines = 20, 100
	users := make([]hanok.UserID, bidders)
	for i := range users {
		users[i] = f.h.CreateUser(t, fmt.Sprintf("bidder%d", i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Goroutine g bids g+1 for bidder g%20; each bidder's highest
			// attempt must win whatever the order.
			_, err := f.bid(ctx, c.ID, users[g%bidders], int64(g+1), t0.Add(time.Hour))
			if err != nil && !hanok.IsCode(err, hanok.Conflict) {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	bids := must[[]auction.Bid](t)(f.s.Bids(ctx, c.ID))
	require.Len(t, bids, bidders, "one bid per bidder")
	assert.Equal(t, int64(goroutines), bids[0].Amount, "highest bid")
	for _, b := range bids {
		i := slices.Index(users, b.Bidder)
		assert.Equal(t, int64(goroutines-bidders+i+1), b.Amount, "bidder %d: its highest attempt", i)
	}
}

// approve opens a car's auction through UpdateCar with the domain's rule.
func (f *fixture) approve(ctx context.Context, id auction.CarID, start, end time.Time) (*auction.Car, error) {
	return f.s.UpdateCar(ctx, id, func(c *auction.Car) error { return c.Approve(start, end) })
}

// bid places a bid through PlaceBid with the domain's rule.
func (f *fixture) bid(ctx context.Context, car auction.CarID, bidder hanok.UserID, amount int64, at time.Time) (*auction.Bid, error) {
	return f.s.PlaceBid(ctx, car, bidder, amount, at, func(c *auction.Car, prev *auction.Bid) error {
		return auction.CheckBid(c, hanok.Actor{ID: bidder}, prev, amount, at)
	})
}

// accept sells a car through Bid and UpdateCar with the domain's rule.
func (f *fixture) accept(ctx context.Context, car auction.CarID, bid auction.BidID, at time.Time) (*auction.Car, error) {
	b, err := f.s.Bid(ctx, bid)
	if err != nil {
		return nil, err
	}
	return f.s.UpdateCar(ctx, car, func(c *auction.Car) error { return c.Accept(b, at) })
}
