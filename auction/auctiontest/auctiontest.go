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

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storetest"
)

// RunStoreTests runs the conformance suite against the harnesses mk
// makes, one fresh harness per subtest.
func RunStoreTests(t *testing.T, mk storetest.Maker[auction.Store]) {
	t.Run("Catalog", func(t *testing.T) { testCatalog(t, mk) })
	t.Run("CreateCars", func(t *testing.T) { testCreateCars(t, mk) })
	t.Run("UnknownUsers", func(t *testing.T) { testUnknownUsers(t, mk) })
	t.Run("ApproveCar", func(t *testing.T) { testApprove(t, mk) })
	t.Run("ListCars", func(t *testing.T) { testList(t, mk) })
	t.Run("Bids", func(t *testing.T) { testBids(t, mk) })
	t.Run("AcceptBid", func(t *testing.T) { testAccept(t, mk) })
	t.Run("ConcurrentBids", func(t *testing.T) { testConcurrentBids(t, mk) })
	t.Run("ImagePaths", func(t *testing.T) { testImagePaths(t, mk) })
}

var t0 = time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)

func must[T any](t *testing.T) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
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
	owner, bob auth.UserID
	models     map[string]auction.ModelPath // by "brand/kind/model"
}

func setup(t *testing.T, mk storetest.Maker[auction.Store]) *fixture {
	t.Helper()
	ctx := context.Background()
	h := mk(t)
	s := h.Store
	if _, err := s.ImportCatalog(ctx, catalog); err != nil {
		t.Fatal(err)
	}
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
	if !ok {
		t.Fatalf("no model %q", key)
	}
	return p.Model.ID
}

func newCar(owner auth.UserID, model auction.ModelID, images int) *auction.Car {
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
	rep, err := s.ImportCatalog(ctx, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if want := (auction.ImportReport{Rows: 7, Brands: 3, Kinds: 5, Models: 7}); rep != want {
		t.Fatalf("first import: %+v, want %+v", rep, want)
	}
	rep, err = s.ImportCatalog(ctx, catalog)
	if err != nil {
		t.Fatal(err)
	}
	if want := (auction.ImportReport{Rows: 7}); rep != want {
		t.Fatalf("second import: %+v, want %+v (nothing added)", rep, want)
	}
	rep = must[auction.ImportReport](t)(s.ImportCatalog(ctx, []auction.CatalogEntry{{Brand: "현대", Kind: "소나타", Model: "소나타 2.0"}, {Brand: "현대", Kind: "소나타", Model: "쏘나타 뉴라이즈"}}))
	if want := (auction.ImportReport{Rows: 2, Models: 1}); rep != want {
		t.Fatalf("partial import: %+v, want %+v", rep, want)
	}

	brands := must[[]auction.Brand](t)(s.Brands(ctx))
	var names []string
	for _, b := range brands {
		names = append(names, b.Name)
		if b.CarCount != 0 {
			t.Errorf("brand %s car_count %d, want 0", b.Name, b.CarCount)
		}
	}
	if !slices.Equal(names, []string{"현대", "르노삼성", "쉐보레"}) {
		t.Fatalf("brands %q, want in insertion order", names)
	}
	hd := must[*auction.Brand](t)(s.BrandByName(ctx, "현대"))
	if hd.ID != brands[0].ID || hd.Name != "현대" {
		t.Fatalf("BrandByName: %+v", hd)
	}
	_, err = s.BrandByName(ctx, "없는브랜드")
	storetest.WantCode(t, err, hanok.NotFound)

	kinds := must[[]auction.Kind](t)(s.Kinds(ctx, hd.ID))
	if len(kinds) != 2 || kinds[0].Name != "소나타" || kinds[1].Name != "그랜저" || kinds[0].BrandID != hd.ID {
		t.Fatalf("kinds of 현대: %+v", kinds)
	}
	trax := must[[]auction.Kind](t)(s.KindsByName(ctx, "트랙스"))
	if len(trax) != 2 || trax[0].BrandID == trax[1].BrandID {
		t.Fatalf("kinds named 트랙스: %+v, want two under different brands", trax)
	}
	if ks := must[[]auction.Kind](t)(s.KindsByName(ctx, "없음")); len(ks) != 0 {
		t.Fatalf("unknown kind name: %+v", ks)
	}
	models := must[[]auction.Model](t)(s.Models(ctx, []auction.KindID{kinds[0].ID}))
	if len(models) != 3 || models[0].Name != "소나타 2.0" || models[2].Name != "쏘나타 뉴라이즈" || models[0].KindID != kinds[0].ID {
		t.Fatalf("models of 소나타: %+v", models)
	}
	both := must[[]auction.Model](t)(s.Models(ctx, []auction.KindID{trax[0].ID, trax[1].ID}))
	if len(both) != 2 {
		t.Fatalf("models of both 트랙스 kinds: %+v", both)
	}
	paths := must[[]auction.ModelPath](t)(s.ModelsByName(ctx, "트랙스"))
	if len(paths) != 2 || paths[0].Brand.Name != "쉐보레" || paths[1].Brand.Name != "르노삼성" || paths[0].Kind.ID != trax[0].ID {
		t.Fatalf("ModelsByName(트랙스): %+v", paths)
	}
	if ps := must[[]auction.ModelPath](t)(s.ModelsByName(ctx, "없음")); len(ps) != 0 {
		t.Fatalf("unknown model name: %+v", ps)
	}
	if ids := must[[]auction.ModelID](t)(s.ModelIDs(ctx)); len(ids) != 8 {
		t.Fatalf("ModelIDs: %d ids, want 8", len(ids))
	}
}

func checkCounts(t *testing.T, f *fixture, key string, model, kind, brand int) {
	t.Helper()
	ctx := context.Background()
	p := f.models[key]
	ms := must[[]auction.Model](t)(f.s.Models(ctx, []auction.KindID{p.Kind.ID}))
	for _, m := range ms {
		if m.ID == p.Model.ID && m.CarCount != model {
			t.Errorf("%s: model car_count %d, want %d", key, m.CarCount, model)
		}
	}
	ks := must[[]auction.Kind](t)(f.s.Kinds(ctx, p.Brand.ID))
	for _, k := range ks {
		if k.ID == p.Kind.ID && k.CarCount != kind {
			t.Errorf("%s: kind car_count %d, want %d", key, k.CarCount, kind)
		}
	}
	b := must[*auction.Brand](t)(f.s.BrandByName(ctx, p.Brand.Name))
	if b.CarCount != brand {
		t.Errorf("%s: brand car_count %d, want %d", key, b.CarCount, brand)
	}
}

func testCreateCars(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	sm5 := f.model(t, "르노삼성/sm/sm5")
	sm7 := f.model(t, "르노삼성/sm/sm7")
	c1, c2, c3 := newCar(f.owner, sm5, 5), newCar(f.owner, sm5, 6), newCar(f.bob, sm7, 5)
	if err := f.s.CreateCars(ctx, []*auction.Car{c1, c2}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.CreateCars(ctx, []*auction.Car{c3}); err != nil {
		t.Fatal(err)
	}
	if c1.ID == 0 || c2.ID == 0 || c1.ID == c2.ID || c3.ID == c2.ID {
		t.Fatalf("ids not set: %d %d %d", c1.ID, c2.ID, c3.ID)
	}
	for _, im := range c2.Images {
		if im.ID == 0 {
			t.Fatalf("image id not set: %+v", c2.Images)
		}
	}
	checkCounts(t, f, "르노삼성/sm/sm5", 2, 3, 3)
	checkCounts(t, f, "르노삼성/sm/sm7", 1, 3, 3)
	checkCounts(t, f, "현대/소나타/소나타 2.0", 0, 0, 0)

	got := must[*auction.Car](t)(f.s.Car(ctx, c2.ID))
	if got.Owner != f.owner || got.Model.ID != sm5 || got.Model.Name != "sm5" || got.Kind.Name != "sm" || got.Brand.Name != "르노삼성" {
		t.Fatalf("catalog of car: %+v", got)
	}
	if got.Model.CarCount != 2 || got.Kind.CarCount != 3 || got.Brand.CarCount != 3 {
		t.Fatalf("counts of car's catalog: model %d kind %d brand %d, want 2 3 3", got.Model.CarCount, got.Kind.CarCount, got.Brand.CarCount)
	}
	if !got.Year.Equal(c2.Year) || got.Fuel != c2.Fuel || got.Transmission != c2.Transmission || got.Color != "흰색" || got.Mileage != 25000 || got.Address != "서울 신도림" {
		t.Fatalf("fields: %+v", got)
	}
	if got.Status != auction.StatusWaiting || !got.AuctionStart.IsZero() || !got.AuctionEnd.IsZero() || !got.Created.Equal(t0) {
		t.Fatalf("status/times: %+v", got)
	}
	if !slices.Equal(got.Images, c2.Images) {
		t.Fatalf("images %+v, want %+v", got.Images, c2.Images)
	}
	// Returned values are copies.
	got.Images[0].Path = "changed"
	if again := must[*auction.Car](t)(f.s.Car(ctx, c2.ID)); again.Images[0].Path == "changed" {
		t.Fatal("Car returned stored state")
	}

	bad := newCar(f.owner, 999999, 5)
	good := newCar(f.owner, sm5, 5)
	storetest.WantCode(t, f.s.CreateCars(ctx, []*auction.Car{good, bad}), hanok.NotFound)
	checkCounts(t, f, "르노삼성/sm/sm5", 2, 3, 3)
	_, err := f.s.Car(ctx, c3.ID+1)
	storetest.WantCode(t, err, hanok.NotFound)
	page, total := must2(t)(f.s.ListCars(ctx, auction.ListQuery{Limit: 16}))
	if total != 0 || len(page) != 0 {
		t.Fatalf("waiting cars listed: %d %v", total, page)
	}
}

func must2(t *testing.T) func([]auction.Car, int, error) ([]auction.Car, int) {
	return func(cs []auction.Car, n int, err error) ([]auction.Car, int) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return cs, n
	}
}

// testUnknownUsers: a car of an owner, or a bid of a bidder, that is no
// user of the harness's auth store is hanok.NotFound on every store, and
// stores nothing.
func testUnknownUsers(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	sm5 := f.model(t, "르노삼성/sm/sm5")
	storetest.WantCode(t, f.s.CreateCars(ctx, []*auction.Car{newCar(storetest.UnknownUser, sm5, 5)}), hanok.NotFound)
	// One car of an unknown owner refuses the whole batch.
	good, orphan := newCar(f.owner, sm5, 5), newCar(storetest.UnknownUser, sm5, 5)
	storetest.WantCode(t, f.s.CreateCars(ctx, []*auction.Car{good, orphan}), hanok.NotFound)
	checkCounts(t, f, "르노삼성/sm/sm5", 0, 0, 0)

	c := newCar(f.owner, sm5, 5)
	if err := f.s.CreateCars(ctx, []*auction.Car{c}); err != nil {
		t.Fatal(err)
	}
	checkCounts(t, f, "르노삼성/sm/sm5", 1, 1, 1)
	if _, err := f.approve(ctx, c.ID, t0, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err := f.bid(ctx, c.ID, storetest.UnknownUser, 1000, t0.Add(time.Minute))
	storetest.WantCode(t, err, hanok.NotFound)
	if bs := must[[]auction.Bid](t)(f.s.Bids(ctx, c.ID)); len(bs) != 0 {
		t.Fatalf("a bid of an unknown bidder was stored: %+v", bs)
	}
	_, err = f.s.BidOf(ctx, c.ID, storetest.UnknownUser)
	storetest.WantCode(t, err, hanok.NotFound)
}

func testApprove(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	if err := f.s.CreateCars(ctx, []*auction.Car{c}); err != nil {
		t.Fatal(err)
	}
	start, end := t0.Add(time.Hour), t0.Add(49*time.Hour)
	got := must[*auction.Car](t)(f.approve(ctx, c.ID, start, end))
	if got.Status != auction.StatusOngoing || !got.AuctionStart.Equal(start) || !got.AuctionEnd.Equal(end) || len(got.Images) != 5 || got.Model.Name != "sm5" {
		t.Fatalf("approved: %+v", got)
	}
	_, err := f.approve(ctx, c.ID, start, end)
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.approve(ctx, c.ID+100, start, end)
	storetest.WantCode(t, err, hanok.NotFound)
	again := must[*auction.Car](t)(f.s.Car(ctx, c.ID))
	if !again.AuctionStart.Equal(start) || again.Status != auction.StatusOngoing {
		t.Fatalf("after failed re-approval: %+v", again)
	}
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
	if err := f.s.CreateCars(ctx, cars); err != nil {
		t.Fatal(err)
	}
	// Starts: cars 0..7 start at t0+i hours, except car 3 and 4 share a
	// start (the tie is broken by id).
	for i, c := range cars[:8] {
		start := t0.Add(time.Duration(i) * time.Hour)
		if i == 4 {
			start = t0.Add(3 * time.Hour)
		}
		if _, err := f.approve(ctx, c.ID, start, start.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
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
			if total != tc.total || !slices.Equal(ids(page), want(tc.want...)) {
				t.Fatalf("%+v: total %d ids %v, want %d %v", tc.q, total, ids(page), tc.total, want(tc.want...))
			}
		})
	}
	page, _ := must2(t)(f.s.ListCars(ctx, auction.ListQuery{Limit: 1}))
	c := page[0]
	if len(c.Images) != 1 || !c.Images[0].Represent || c.Images[0].Path != cars[7].Images[0].Path || c.Images[0].ID != cars[7].Images[0].ID {
		t.Fatalf("list item images: %+v, want only the representative", c.Images)
	}
	if c.Model.Name != "sm5" || c.Model.CarCount != 5 || c.Kind.Name != "sm" || c.Kind.CarCount != 7 || c.Brand.Name != "르노삼성" || c.Brand.CarCount != 8 {
		t.Fatalf("list item catalog: %+v %+v %+v", c.Model, c.Kind, c.Brand)
	}
	if c.Status != auction.StatusOngoing || !c.AuctionStart.Equal(t0.Add(7*time.Hour)) || c.Mileage != 25000 || c.Address != "서울 신도림" || !c.Year.Equal(cars[7].Year) {
		t.Fatalf("list item fields: %+v", c)
	}
}

func testBids(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	carol := f.h.CreateUser(t, "carol")
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	waiting := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	if err := f.s.CreateCars(ctx, []*auction.Car{c, waiting}); err != nil {
		t.Fatal(err)
	}
	// A waiting car is its owner's only: to a bidder it does not exist.
	_, err := f.bid(ctx, waiting.ID, f.bob, 100, t0)
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = f.bid(ctx, c.ID+waiting.ID+100, f.bob, 100, t0)
	storetest.WantCode(t, err, hanok.NotFound)
	end := t0.Add(48 * time.Hour)
	if _, err := f.approve(ctx, c.ID, t0, end); err != nil {
		t.Fatal(err)
	}
	b1 := must[*auction.Bid](t)(f.bid(ctx, c.ID, f.bob, 1000, t0.Add(time.Minute)))
	if b1.ID == 0 || b1.Car != c.ID || b1.Bidder != f.bob || b1.Amount != 1000 || !b1.Created.Equal(t0.Add(time.Minute)) || !b1.Updated.Equal(b1.Created) {
		t.Fatalf("first bid: %+v", b1)
	}
	_, err = f.bid(ctx, c.ID, f.bob, 900, t0.Add(2*time.Minute))
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.bid(ctx, c.ID, f.bob, 1000, t0.Add(2*time.Minute))
	storetest.WantCode(t, err, hanok.Conflict)
	b2 := must[*auction.Bid](t)(f.bid(ctx, c.ID, f.bob, 1500, t0.Add(3*time.Minute)))
	if b2.ID != b1.ID || b2.Amount != 1500 || !b2.Created.Equal(b1.Created) || !b2.Updated.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("raised bid: %+v (first %+v)", b2, b1)
	}
	b3 := must[*auction.Bid](t)(f.bid(ctx, c.ID, carol, 1200, t0.Add(4*time.Minute)))
	// At the end instant the auction is over.
	_, err = f.bid(ctx, c.ID, carol, 5000, end)
	storetest.WantCode(t, err, hanok.Conflict)

	bids := must[[]auction.Bid](t)(f.s.Bids(ctx, c.ID))
	if len(bids) != 2 || bids[0].ID != b1.ID || bids[0].Amount != 1500 || bids[1].ID != b3.ID || bids[1].Amount != 1200 {
		t.Fatalf("bids: %+v, want bob 1500 then carol 1200", bids)
	}
	own := must[*auction.Bid](t)(f.s.BidOf(ctx, c.ID, carol))
	if own.ID != b3.ID || own.Amount != 1200 {
		t.Fatalf("BidOf carol: %+v", own)
	}
	_, err = f.s.BidOf(ctx, c.ID, f.owner)
	storetest.WantCode(t, err, hanok.NotFound)
	if bs := must[[]auction.Bid](t)(f.s.Bids(ctx, waiting.ID)); len(bs) != 0 {
		t.Fatalf("bids of a car without bids: %+v", bs)
	}
}

func testAccept(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	other := newCar(f.owner, f.model(t, "르노삼성/sm/sm7"), 5)
	if err := f.s.CreateCars(ctx, []*auction.Car{c, other}); err != nil {
		t.Fatal(err)
	}
	end := t0.Add(48 * time.Hour)
	for _, car := range []*auction.Car{c, other} {
		if _, err := f.approve(ctx, car.ID, t0, end); err != nil {
			t.Fatal(err)
		}
	}
	bid := must[*auction.Bid](t)(f.bid(ctx, c.ID, f.bob, 700, t0.Add(time.Hour)))
	otherBid := must[*auction.Bid](t)(f.bid(ctx, other.ID, f.bob, 800, t0.Add(time.Hour)))

	_, err := f.accept(ctx, c.ID, bid.ID, end.Add(-time.Second))
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.accept(ctx, c.ID, otherBid.ID, end)
	storetest.WantCode(t, err, hanok.Conflict)
	_, err = f.accept(ctx, c.ID, otherBid.ID+bid.ID+100, end)
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = f.accept(ctx, c.ID+other.ID+100, bid.ID, end)
	storetest.WantCode(t, err, hanok.NotFound)

	sold := must[*auction.Car](t)(f.accept(ctx, c.ID, bid.ID, end))
	if sold.Status != auction.StatusSold || sold.Buyer != f.bob || sold.SoldBid != bid.ID || len(sold.Images) != 5 {
		t.Fatalf("sold car: %+v", sold)
	}
	_, err = f.accept(ctx, c.ID, bid.ID, end.Add(time.Hour))
	storetest.WantCode(t, err, hanok.Conflict)
	got := must[*auction.Car](t)(f.s.Car(ctx, c.ID))
	if got.Status != auction.StatusSold || got.Buyer != f.bob || got.SoldBid != bid.ID {
		t.Fatalf("stored sold car: %+v", got)
	}
	// A sold car is still listed (its auction started), and takes no bids.
	_, total := must2(t)(f.s.ListCars(ctx, auction.ListQuery{Limit: 16}))
	if total != 2 {
		t.Fatalf("listed %d cars, want 2", total)
	}
	_, err = f.bid(ctx, c.ID, f.bob, 900, t0.Add(2*time.Hour))
	storetest.WantCode(t, err, hanok.Conflict)
	// The other car is unaffected.
	if o := must[*auction.Car](t)(f.s.Car(ctx, other.ID)); o.Status != auction.StatusOngoing || o.Buyer != 0 {
		t.Fatalf("other car: %+v", o)
	}
}

func testConcurrentBids(t *testing.T, mk storetest.Maker[auction.Store]) {
	ctx := context.Background()
	f := setup(t, mk)
	c := newCar(f.owner, f.model(t, "르노삼성/sm/sm5"), 5)
	if err := f.s.CreateCars(ctx, []*auction.Car{c}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.approve(ctx, c.ID, t0, t0.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	const bidders, goroutines = 20, 100
	users := make([]auth.UserID, bidders)
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
		t.Fatal(err)
	}
	bids := must[[]auction.Bid](t)(f.s.Bids(ctx, c.ID))
	if len(bids) != bidders {
		t.Fatalf("%d bids, want one per bidder (%d)", len(bids), bidders)
	}
	if bids[0].Amount != goroutines {
		t.Fatalf("highest bid %d, want %d", bids[0].Amount, goroutines)
	}
	for _, b := range bids {
		i := slices.Index(users, b.Bidder)
		if want := int64(goroutines - bidders + i + 1); b.Amount != want {
			t.Errorf("bidder %d: amount %d, want its highest attempt %d", i, b.Amount, want)
		}
	}
}

// approve opens a car's auction through UpdateCar with the domain's rule.
func (f *fixture) approve(ctx context.Context, id auction.CarID, start, end time.Time) (*auction.Car, error) {
	return f.s.UpdateCar(ctx, id, func(c *auction.Car) error { return c.Approve(start, end) })
}

// bid places a bid through PlaceBid with the domain's rule.
func (f *fixture) bid(ctx context.Context, car auction.CarID, bidder auth.UserID, amount int64, at time.Time) (*auction.Bid, error) {
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
