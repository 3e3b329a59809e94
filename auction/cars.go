package auction

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hanok-dev/hanok"
)

// NewCar is what CreateCar needs.
type NewCar struct {
	// Model is a model name; Kind and Brand pick one when the name exists
	// under several kinds (or under one kind name of several brands).
	Model string
	Kind  string
	Brand string
	// Year is a date, yyyy-mm-dd.
	Year         string
	Fuel         Fuel
	Transmission Transmission
	Color        string
	Mileage      int
	Address      string
	// Images are at least MinImages image files; the first represents
	// the car.
	Images []Upload
}

// Limits of the free-text fields of a car, in characters, and of mileage.
const (
	MaxColorLen   = 50
	MaxAddressLen = 200
	MaxMileage    = 10_000_000
)

// ParseYear parses a car's year, a date in the form yyyy-mm-dd.
func ParseYear(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || t.Year() < 1886 {
		return time.Time{}, hanok.FieldError("year", fmt.Sprintf("must be a date in the form yyyy-mm-dd (like 2018-12-25), not %q", s))
	}
	return t, nil
}

func validFuel(f Fuel) bool {
	for _, v := range Fuels {
		if v == f {
			return true
		}
	}
	return false
}

func validTransmission(t Transmission) bool {
	for _, v := range Transmissions {
		if v == t {
			return true
		}
	}
	return false
}

func enumList[T ~string](vs []T) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// validate checks everything of in but the model, and returns the year
// and the type of each image.
func (s *Service) validate(ctx context.Context, in *NewCar, now time.Time) (time.Time, []ImageType, error) {
	year, err := ParseYear(in.Year)
	if err != nil {
		return time.Time{}, nil, err
	}
	if year.After(now.AddDate(1, 0, 0)) {
		return time.Time{}, nil, hanok.FieldError("year", "must not be more than a year in the future")
	}
	if !validFuel(in.Fuel) {
		return time.Time{}, nil, hanok.FieldError("fuel_type", fmt.Sprintf("%q is not one of %s", in.Fuel, enumList(Fuels)))
	}
	if !validTransmission(in.Transmission) {
		return time.Time{}, nil, hanok.FieldError("transmission_type", fmt.Sprintf("%q is not one of %s", in.Transmission, enumList(Transmissions)))
	}
	in.Color, in.Address = strings.TrimSpace(in.Color), strings.TrimSpace(in.Address)
	if err := hanok.CheckText("color", in.Color, hanok.TextRule{Min: 1, Max: MaxColorLen}); err != nil {
		return time.Time{}, nil, err
	}
	if in.Mileage < 0 || in.Mileage > MaxMileage {
		return time.Time{}, nil, hanok.FieldError("mileage", fmt.Sprintf("must be a whole number of km from 0 to %d", MaxMileage))
	}
	if err := hanok.CheckText("address", in.Address, hanok.TextRule{Min: 1, Max: MaxAddressLen}); err != nil {
		return time.Time{}, nil, err
	}
	if len(in.Images) < MinImages {
		return time.Time{}, nil, hanok.FieldError("car_images", fmt.Sprintf("needs at least %d images, got %d", MinImages, len(in.Images)))
	}
	if len(in.Images) > s.cfg.MaxImages {
		return time.Time{}, nil, hanok.FieldError("car_images", fmt.Sprintf("takes at most %d images, got %d", s.cfg.MaxImages, len(in.Images)))
	}
	types, err := s.checkImages(ctx, in.Images)
	if err != nil {
		return time.Time{}, nil, err
	}
	return year, types, nil
}

// CreateCar registers a car of the actor, waiting for approval. Its images
// are stored under cars/<creation date>/; if anything fails, no car is
// stored and no image is left behind. Staged uploads are committed or
// discarded whatever the outcome.
func (s *Service) CreateCar(ctx context.Context, actor hanok.Actor, in NewCar) (car *Car, err error) {
	defer DiscardUploads(in.Images)
	if err := actor.Check(); err != nil {
		return nil, err
	}
	now := s.cfg.Now().UTC()
	year, types, err := s.validate(ctx, &in, now)
	if err != nil {
		return nil, err
	}
	mp, err := s.resolveModel(ctx, in.Model, in.Kind, in.Brand)
	if err != nil {
		return nil, err
	}
	c := &Car{
		Owner: actor.ID, Brand: mp.Brand, Kind: mp.Kind, Model: mp.Model,
		Year: year, Fuel: in.Fuel, Transmission: in.Transmission, Color: in.Color,
		Mileage: in.Mileage, Address: in.Address, Status: StatusWaiting, Created: now,
	}
	dir := carImageDir + now.Format(time.DateOnly) + "/"
	var stored []string
	defer func() {
		if err == nil {
			return
		}
		// Leave no orphan: a context already cancelled must not stop the
		// cleanup.
		cctx := context.WithoutCancel(ctx)
		for _, name := range stored {
			if derr := s.media.Delete(cctx, name); derr != nil {
				s.cfg.Logger.ErrorContext(cctx, "deleting image of a failed car", "path", name, "err", derr)
			}
		}
	}()
	for i, up := range in.Images {
		name := dir + uuid.NewString() + "." + types[i].Ext
		if err := s.storeImage(ctx, up, name); err != nil {
			return nil, fmt.Errorf("auction: store image %d: %w", i+1, err)
		}
		stored = append(stored, name)
		c.Images = append(c.Images, Image{Path: name, Represent: i == 0})
	}
	if err := s.store.CreateCars(ctx, []*Car{c}); err != nil {
		return nil, fmt.Errorf("auction: create car: %w", err)
	}
	// The car is stored: its images are its own now, whatever happens next.
	stored = nil
	// The counts read back include this car.
	got, err := s.store.Car(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("auction: read created car: %w", err)
	}
	s.cfg.Logger.InfoContext(ctx, "car registered", "car_id", got.ID, "owner", actor.ID, "model", mp.Model.Name)
	return s.derive(got), nil
}

// errNotSuperuser is the answer to a superuser-only call by anyone else.
var errNotSuperuser = hanok.Errorf(hanok.Forbidden, "only a superuser may do this")

// Approve opens the auction of a waiting car: it starts now and ends
// Config.AuctionDuration later. Only a superuser may approve (else
// hanok.Forbidden); a car that is not waiting is hanok.Conflict.
func (s *Service) Approve(ctx context.Context, actor hanok.Actor, id CarID) (*Car, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if !actor.Superuser {
		return nil, errNotSuperuser
	}
	start := s.cfg.Now().UTC()
	c, err := s.store.UpdateCar(ctx, id, func(c *Car) error {
		return c.Approve(start, start.Add(s.cfg.AuctionDuration))
	})
	if err != nil {
		return nil, s.carError(id, err)
	}
	s.cfg.Logger.InfoContext(ctx, "car approved", "car_id", id, "by", actor.ID)
	return s.derive(c), nil
}

// carError gives a store's error about car id the service's words: an
// unknown car is NotFound with the service's message, a rule's error is
// passed on, and anything else is wrapped as internal.
func (s *Service) carError(id CarID, err error) error {
	switch hanok.CodeOf(err) {
	case hanok.NotFound:
		if errors.Is(err, ErrCarNotFound) {
			return carNotFound(id, err)
		}
		return err
	case hanok.Internal:
		return fmt.Errorf("auction: car %d: %w", id, err)
	}
	return err
}

// CanRead reports whether actor may read car c: a car waiting for
// approval is its owner's and the superusers' only; a car whose auction
// started is anyone's.
func CanRead(actor hanok.Actor, c *Car) bool {
	return c.Status != StatusWaiting || actor.Superuser || c.Owner == actor.ID
}

// Car returns a car with its catalog entries and images, as the actor may
// read it (see CanRead): another user's waiting car is hanok.NotFound,
// like a car that does not exist.
func (s *Service) Car(ctx context.Context, actor hanok.Actor, id CarID) (*Car, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	c, err := s.store.Car(ctx, id)
	if err != nil {
		return nil, s.carError(id, err)
	}
	if !CanRead(actor, c) {
		return nil, carNotFound(id, nil)
	}
	return s.derive(c), nil
}

// derive sets c.Status to what the car reads as now.
func (s *Service) derive(c *Car) *Car {
	c.Status = c.StatusAt(s.cfg.Now())
	return c
}

// ListOptions selects a page of the car list.
type ListOptions struct {
	// Model, when not empty, restricts the list to the cars of the
	// models with that name (under any kind).
	Model string
	// Reverse lists the oldest auction start first.
	Reverse bool
	// Page is the page number from 1. A page below 1 or past the last
	// page gives the last page (see ParsePage for text).
	Page int
}

// CarPage is one page of the car list.
type CarPage struct {
	Cars []Car
	// Page is the page returned, from 1; Pages is the number of pages (at
	// least 1) and Total the number of cars over all pages.
	Page, Pages, Total int
}

// ParsePage parses a page number as the original paginator did: text that
// is not a whole number means page 1. A whole number too large for an int
// is still a page past the end (or below 1), so it saturates rather than
// falling back to page 1.
func ParsePage(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if errors.Is(err, strconv.ErrRange) {
		return n // math.MaxInt or math.MinInt
	}
	if err != nil {
		return 1
	}
	return n
}

// ListCars returns a page of the cars whose auction started (ongoing,
// ended or sold), Config.PageSize a page, newest auction start first
// unless Reverse. An unknown model name is hanok.NotFound.
func (s *Service) ListCars(ctx context.Context, opt ListOptions) (*CarPage, error) {
	var q ListQuery
	q.Reverse = opt.Reverse
	q.Limit = s.cfg.PageSize
	if m := strings.TrimSpace(opt.Model); m != "" {
		ps, err := s.store.ModelsByName(ctx, m)
		if err != nil {
			return nil, fmt.Errorf("auction: models: %w", err)
		}
		if len(ps) == 0 {
			return nil, hanok.Errorf(hanok.NotFound, "model %q not found", m)
		}
		for _, p := range ps {
			q.Models = append(q.Models, p.Model.ID)
		}
	}
	page := opt.Page
	if page > 1 && page-1 > (math.MaxInt-q.Limit)/q.Limit {
		// So far past any last page that its offset would overflow.
		page = 0
	}
	q.Offset = (max(page, 1) - 1) * q.Limit
	cars, total, err := s.store.ListCars(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("auction: list cars: %w", err)
	}
	pages := max(1, (total+q.Limit-1)/q.Limit)
	if page < 1 || page > pages {
		// The original paginator answered a page out of range with the
		// last page.
		page = pages
		q.Offset = (page - 1) * q.Limit
		if cars, total, err = s.store.ListCars(ctx, q); err != nil {
			return nil, fmt.Errorf("auction: list cars: %w", err)
		}
		pages = max(1, (total+q.Limit-1)/q.Limit)
	}
	// Every car of the page is read at one instant.
	now := s.cfg.Now()
	for i := range cars {
		cars[i].Status = cars[i].StatusAt(now)
	}
	return &CarPage{Cars: cars, Page: page, Pages: pages, Total: total}, nil
}

// PlaceBid places or raises the actor's sealed bid on an ongoing car, in
// 만원, by the rules of CheckBid: the owner may not bid (hanok.Forbidden); a
// car that is not ongoing, or an amount not above the actor's current bid,
// is hanok.Conflict.
func (s *Service) PlaceBid(ctx context.Context, actor hanok.Actor, car CarID, amount int64) (*Bid, error) {
	if err := actor.Check(); err != nil {
		return nil, err
	}
	if amount <= 0 || amount > MaxBid {
		// Refused before the store is asked, with the same words as CheckBid.
		return nil, CheckBid(&Car{}, actor, nil, amount, time.Time{})
	}
	at := s.cfg.Now().UTC()
	b, err := s.store.PlaceBid(ctx, car, actor.ID, amount, at, func(c *Car, prev *Bid) error {
		return CheckBid(c, actor, prev, amount, at)
	})
	if err != nil {
		return nil, s.carError(car, err)
	}
	return b, nil
}

// Bids returns the bids on a car that the actor may see: every bid,
// highest first, for the car's owner; the actor's own bid (if any) for
// anyone else.
func (s *Service) Bids(ctx context.Context, actor hanok.Actor, car CarID) ([]Bid, error) {
	c, err := s.Car(ctx, actor, car)
	if err != nil {
		return nil, err
	}
	if c.Owner == actor.ID {
		bs, err := s.store.Bids(ctx, car)
		if err != nil {
			return nil, fmt.Errorf("auction: bids: %w", err)
		}
		return bs, nil
	}
	b, err := s.store.BidOf(ctx, car, actor.ID)
	if errors.Is(err, ErrBidNotFound) {
		return []Bid{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auction: bid: %w", err)
	}
	return []Bid{*b}, nil
}

// AcceptBid sells a car whose auction ended to the bidder of one of its
// bids, by the rules of Car.Accept. Only the owner may accept (else
// hanok.Forbidden). Accepting before the end, a second time, or a bid on
// another car is hanok.Conflict; an unknown bid is hanok.NotFound.
func (s *Service) AcceptBid(ctx context.Context, actor hanok.Actor, car CarID, bid BidID) (*Car, error) {
	c, err := s.Car(ctx, actor, car)
	if err != nil {
		return nil, err
	}
	if c.Owner != actor.ID {
		return nil, hanok.Errorf(hanok.Forbidden, "only the owner of car %d may accept a bid", car)
	}
	b, err := s.store.Bid(ctx, bid)
	if errors.Is(err, ErrBidNotFound) {
		return nil, &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("bid %d not found", bid), Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("auction: bid %d: %w", bid, err)
	}
	at := s.cfg.Now().UTC()
	got, err := s.store.UpdateCar(ctx, car, func(c *Car) error { return c.Accept(b, at) })
	if err != nil {
		return nil, s.carError(car, err)
	}
	s.cfg.Logger.InfoContext(ctx, "car sold", "car_id", car, "bid_id", bid, "buyer", got.Buyer)
	return s.derive(got), nil
}
