package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
)

// AuctionStore is an in-memory auction.Store.
type AuctionStore struct {
	mu                             sync.Mutex
	nextBrand, nextKind, nextModel int64
	nextCar, nextImage, nextBid    int64
	brands                         []auction.Brand // by id
	kinds                          []auction.Kind
	models                         []auction.Model
	brandIdx                       map[auction.BrandID]int
	kindIdx                        map[auction.KindID]int
	modelIdx                       map[auction.ModelID]int
	cars                           map[auction.CarID]*auction.Car
	bids                           map[auction.BidID]*auction.Bid
	bidsOf                         map[auction.CarID][]auction.BidID
	users                          *AuthStore // the owners and bidders cars and bids may refer to
}

var _ auction.Store = (*AuctionStore)(nil)

// NewAuctionStore returns an empty AuctionStore whose cars and bids may
// refer to the users of users only.
func NewAuctionStore(users *AuthStore) *AuctionStore {
	return &AuctionStore{
		users:    users,
		brandIdx: map[auction.BrandID]int{}, kindIdx: map[auction.KindID]int{}, modelIdx: map[auction.ModelID]int{},
		cars: map[auction.CarID]*auction.Car{}, bids: map[auction.BidID]*auction.Bid{}, bidsOf: map[auction.CarID][]auction.BidID{},
	}
}

// Auction returns the database's auction store.
func (db *DB) Auction() *AuctionStore {
	users := db.Auth()
	return db.store("auction", func() any { return NewAuctionStore(users) }).(*AuctionStore)
}

// ImportCatalog implements auction.Store.
func (s *AuctionStore) ImportCatalog(_ context.Context, entries []auction.CatalogEntry) (auction.ImportReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rep := auction.ImportReport{Rows: len(entries)}
	for _, e := range entries {
		bi := slices.IndexFunc(s.brands, func(b auction.Brand) bool { return b.Name == e.Brand })
		if bi < 0 {
			s.nextBrand++
			s.brands = append(s.brands, auction.Brand{ID: auction.BrandID(s.nextBrand), Name: e.Brand})
			bi = len(s.brands) - 1
			s.brandIdx[auction.BrandID(s.nextBrand)] = bi
			rep.Brands++
		}
		bid := s.brands[bi].ID
		ki := slices.IndexFunc(s.kinds, func(k auction.Kind) bool { return k.BrandID == bid && k.Name == e.Kind })
		if ki < 0 {
			s.nextKind++
			s.kinds = append(s.kinds, auction.Kind{ID: auction.KindID(s.nextKind), BrandID: bid, Name: e.Kind})
			ki = len(s.kinds) - 1
			s.kindIdx[auction.KindID(s.nextKind)] = ki
			rep.Kinds++
		}
		kid := s.kinds[ki].ID
		if !slices.ContainsFunc(s.models, func(m auction.Model) bool { return m.KindID == kid && m.Name == e.Model }) {
			s.nextModel++
			s.models = append(s.models, auction.Model{ID: auction.ModelID(s.nextModel), KindID: kid, Name: e.Model})
			s.modelIdx[auction.ModelID(s.nextModel)] = len(s.models) - 1
			rep.Models++
		}
	}
	return rep, nil
}

// Brands implements auction.Store.
func (s *AuctionStore) Brands(context.Context) ([]auction.Brand, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.brands), nil
}

// BrandByName implements auction.Store.
func (s *AuctionStore) BrandByName(_ context.Context, name string) (*auction.Brand, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.brands {
		if b.Name == name {
			return &b, nil
		}
	}
	return nil, auction.ErrBrandNotFound
}

// Kinds implements auction.Store.
func (s *AuctionStore) Kinds(_ context.Context, brand auction.BrandID) ([]auction.Kind, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []auction.Kind{}
	for _, k := range s.kinds {
		if k.BrandID == brand {
			out = append(out, k)
		}
	}
	return out, nil
}

// KindsByName implements auction.Store.
func (s *AuctionStore) KindsByName(_ context.Context, name string) ([]auction.Kind, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []auction.Kind{}
	for _, k := range s.kinds {
		if k.Name == name {
			out = append(out, k)
		}
	}
	return out, nil
}

// Models implements auction.Store.
func (s *AuctionStore) Models(_ context.Context, kinds []auction.KindID) ([]auction.Model, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []auction.Model{}
	for _, m := range s.models {
		if slices.Contains(kinds, m.KindID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// ModelsByName implements auction.Store.
func (s *AuctionStore) ModelsByName(_ context.Context, name string) ([]auction.ModelPath, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []auction.ModelPath{}
	for _, m := range s.models {
		if m.Name == name {
			out = append(out, s.path(m.ID))
		}
	}
	return out, nil
}

// path returns a model with its kind and brand. Callers hold s.mu.
func (s *AuctionStore) path(id auction.ModelID) auction.ModelPath {
	m := s.models[s.modelIdx[id]]
	k := s.kinds[s.kindIdx[m.KindID]]
	return auction.ModelPath{Brand: s.brands[s.brandIdx[k.BrandID]], Kind: k, Model: m}
}

// ModelIDs implements auction.Store.
func (s *AuctionStore) ModelIDs(context.Context) ([]auction.ModelID, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]auction.ModelID, len(s.models))
	for i, m := range s.models {
		out[i] = m.ID
	}
	return out, nil
}

// CreateCars implements auction.Store.
func (s *AuctionStore) CreateCars(_ context.Context, cars []*auction.Car) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cars {
		if _, ok := s.modelIdx[c.Model.ID]; !ok {
			return fmt.Errorf("memory: model %d: %w", c.Model.ID, auction.ErrModelNotFound)
		}
		if err := s.users.requireUser(c.Owner); err != nil {
			return err
		}
	}
	for _, c := range cars {
		s.nextCar++
		c.ID = auction.CarID(s.nextCar)
		for i := range c.Images {
			s.nextImage++
			c.Images[i].ID = auction.ImageID(s.nextImage)
		}
		stored := *c
		stored.Images = slices.Clone(c.Images)
		stored.Brand, stored.Kind, stored.Model = auction.Brand{}, auction.Kind{}, auction.Model{ID: c.Model.ID}
		s.cars[c.ID] = &stored
		if !c.AuctionStart.IsZero() {
			s.count(c.Model.ID)
		}
	}
	return nil
}

// count adds a car that left (or never had) the waiting status to the car
// counts of its model, kind and brand. Callers hold s.mu.
func (s *AuctionStore) count(model auction.ModelID) {
	mi := s.modelIdx[model]
	s.models[mi].CarCount++
	ki := s.kindIdx[s.models[mi].KindID]
	s.kinds[ki].CarCount++
	s.brands[s.brandIdx[s.kinds[ki].BrandID]].CarCount++
}

// read returns a copy of a stored car with its catalog. Callers hold s.mu.
func (s *AuctionStore) read(c *auction.Car, allImages bool) auction.Car {
	out := *c
	p := s.path(c.Model.ID)
	out.Brand, out.Kind, out.Model = p.Brand, p.Kind, p.Model
	if allImages {
		out.Images = slices.Clone(c.Images)
	} else {
		out.Images = nil
		if im, ok := c.Representative(); ok {
			out.Images = []auction.Image{im}
		}
	}
	return out
}

// Car implements auction.Store.
func (s *AuctionStore) Car(_ context.Context, id auction.CarID) (*auction.Car, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cars[id]
	if !ok {
		return nil, auction.ErrCarNotFound
	}
	out := s.read(c, true)
	return &out, nil
}

// ruleView is what a rule of the auction sees of a stored car: its id,
// owner and auction fields.
func ruleView(c *auction.Car) auction.Car {
	return auction.Car{ID: c.ID, Owner: c.Owner, Status: c.Status, AuctionStart: c.AuctionStart, AuctionEnd: c.AuctionEnd, Buyer: c.Buyer, SoldBid: c.SoldBid}
}

// UpdateCar implements auction.Store.
func (s *AuctionStore) UpdateCar(_ context.Context, id auction.CarID, fn func(*auction.Car) error) (*auction.Car, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cars[id]
	if !ok {
		return nil, auction.ErrCarNotFound
	}
	next := ruleView(c)
	if err := fn(&next); err != nil {
		return nil, err
	}
	if c.Status == auction.StatusWaiting && next.Status != auction.StatusWaiting {
		s.count(c.Model.ID)
	}
	c.Status, c.AuctionStart, c.AuctionEnd, c.Buyer, c.SoldBid = next.Status, next.AuctionStart, next.AuctionEnd, next.Buyer, next.SoldBid
	out := s.read(c, true)
	return &out, nil
}

// ListCars implements auction.Store.
func (s *AuctionStore) ListCars(_ context.Context, q auction.ListQuery) ([]auction.Car, int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var listed []*auction.Car
	for _, c := range s.cars {
		if c.AuctionStart.IsZero() || (len(q.Models) > 0 && !slices.Contains(q.Models, c.Model.ID)) {
			continue
		}
		listed = append(listed, c)
	}
	slices.SortFunc(listed, func(a, b *auction.Car) int {
		r := cmp.Or(a.AuctionStart.Compare(b.AuctionStart), cmp.Compare(a.ID, b.ID))
		if q.Reverse {
			return r
		}
		return -r
	})
	out := []auction.Car{}
	for i := q.Offset; i < len(listed) && i < q.Offset+q.Limit; i++ {
		out = append(out, s.read(listed[i], false))
	}
	return out, len(listed), nil
}

// PlaceBid implements auction.Store.
func (s *AuctionStore) PlaceBid(_ context.Context, car auction.CarID, bidder hanok.UserID, amount int64, at time.Time, fn func(*auction.Car, *auction.Bid) error) (*auction.Bid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cars[car]
	if !ok {
		return nil, auction.ErrCarNotFound
	}
	var prev *auction.Bid
	for _, id := range s.bidsOf[car] {
		if b := s.bids[id]; b.Bidder == bidder {
			prev = b
			break
		}
	}
	view := ruleView(c)
	var prevCopy *auction.Bid
	if prev != nil {
		p := *prev
		prevCopy = &p
	}
	if err := fn(&view, prevCopy); err != nil {
		return nil, err
	}
	if err := s.users.requireUser(bidder); err != nil {
		return nil, err
	}
	if prev != nil {
		prev.Amount, prev.Updated = amount, at
		out := *prev
		return &out, nil
	}
	s.nextBid++
	b := &auction.Bid{ID: auction.BidID(s.nextBid), Car: car, Bidder: bidder, Amount: amount, Created: at, Updated: at}
	s.bids[b.ID] = b
	s.bidsOf[car] = append(s.bidsOf[car], b.ID)
	out := *b
	return &out, nil
}

// Bids implements auction.Store.
func (s *AuctionStore) Bids(_ context.Context, car auction.CarID) ([]auction.Bid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []auction.Bid{}
	for _, id := range s.bidsOf[car] {
		out = append(out, *s.bids[id])
	}
	slices.SortFunc(out, func(a, b auction.Bid) int {
		return cmp.Or(cmp.Compare(b.Amount, a.Amount), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// BidOf implements auction.Store.
func (s *AuctionStore) BidOf(_ context.Context, car auction.CarID, bidder hanok.UserID) (*auction.Bid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range s.bidsOf[car] {
		if b := s.bids[id]; b.Bidder == bidder {
			out := *b
			return &out, nil
		}
	}
	return nil, auction.ErrBidNotFound
}

// Bid implements auction.Store.
func (s *AuctionStore) Bid(_ context.Context, id auction.BidID) (*auction.Bid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.bids[id]
	if !ok {
		return nil, auction.ErrBidNotFound
	}
	out := *b
	return &out, nil
}
