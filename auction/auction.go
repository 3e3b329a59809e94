// Package auction is the used-car auction: a Brand > Kind > Model catalog,
// cars registered with five or more images, approval by a superuser that
// opens a timed auction, a paginated list and a detail view with the
// display strings of the original service, a test-data generator, and
// sealed bids that the owner of a car may accept once its auction ended.
//
// The Service holds the rules; persistence is behind Store (implemented by
// storage/memory, storage/sqlite and storage/postgres and checked by
// auction/auctiontest) and uploaded images are kept by a MediaStore
// (storage/files and storage/memory). The HTTP adapter is
// adapters/auctionhttp.
//
// A car's "end" status is derived, never written: a car whose auction is
// ongoing and whose end time has passed reads as StatusEnd at the moment
// it is read (see Car.StatusAt).
package auction

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/hanok-dev/hanok"
)

// Identifiers of the catalog, cars, images and bids.
type (
	// BrandID identifies a brand.
	BrandID int64
	// KindID identifies a kind.
	KindID int64
	// ModelID identifies a model.
	ModelID int64
	// CarID identifies a car.
	CarID int64
	// ImageID identifies a car image.
	ImageID int64
	// BidID identifies a bid.
	BidID int64
)

// Brand is a maker (현대, 기아...). CarCount counts its cars whose auction
// started (ongoing, ended or sold): the cars anyone may see. A car waiting
// for approval is its owner's and the superusers' only, so it is not
// counted until it is approved (as the list does not show it).
type Brand struct {
	ID       BrandID
	Name     string
	CarCount int
}

// Kind is a line of cars of one brand (소나타, sm...), unique by (brand,
// name). CarCount counts its cars whose auction started, as Brand's.
type Kind struct {
	ID       KindID
	BrandID  BrandID
	Name     string
	CarCount int
}

// Model is one model of a kind, unique by (kind, name). CarCount counts
// its cars whose auction started, as Brand's.
type Model struct {
	ID       ModelID
	KindID   KindID
	Name     string
	CarCount int
}

// ModelPath is a model with its kind and brand.
type ModelPath struct {
	Brand Brand
	Kind  Kind
	Model Model
}

// Fuel is a car's fuel type.
type Fuel string

// The fuel types.
const (
	FuelLPG      Fuel = "lpg"
	FuelGasoline Fuel = "휘발유"
	FuelDiesel   Fuel = "디젤"
	FuelHybrid   Fuel = "하이브리드"
	FuelElectric Fuel = "전기"
	FuelBiFuel   Fuel = "바이퓨얼"
)

// Fuels lists the valid fuel types.
var Fuels = []Fuel{FuelLPG, FuelGasoline, FuelDiesel, FuelHybrid, FuelElectric, FuelBiFuel}

// Transmission is a car's transmission type.
type Transmission string

// The transmission types.
const (
	TransmissionAuto   Transmission = "오토"
	TransmissionManual Transmission = "수동"
)

// Transmissions lists the valid transmission types.
var Transmissions = []Transmission{TransmissionAuto, TransmissionManual}

// Status is where a car is in its auction.
type Status string

// The statuses. StatusEnd is never stored: it is how an ongoing car whose
// end has passed reads.
const (
	StatusWaiting Status = "waiting"
	StatusOngoing Status = "ongoing"
	StatusEnd     Status = "end"
	StatusSold    Status = "sold"
)

// Image is one image of a car. Path is the media path
// ("cars/2019-04-10/<uuid>.png"); the first image of a car represents it.
type Image struct {
	ID        ImageID
	Path      string
	Represent bool
}

// Car is a car put up for auction.
type Car struct {
	ID    CarID
	Owner hanok.UserID
	// Brand, Kind and Model are filled on read, with their car counts.
	Brand        Brand
	Kind         Kind
	Model        Model
	Year         time.Time // a date (UTC midnight)
	Fuel         Fuel
	Transmission Transmission
	Color        string
	Mileage      int // km
	Address      string
	// Images are in upload order. In a CarPage only the representative
	// image is filled.
	Images []Image
	// Status is waiting, ongoing or sold in a Store; the Service returns
	// cars with Status as read at the time of the call (StatusEnd for an
	// ongoing car whose end has passed). StatusAt derives it.
	Status Status
	// AuctionStart and AuctionEnd are zero while the car is waiting.
	AuctionStart time.Time
	AuctionEnd   time.Time
	// Buyer and SoldBid are set once a bid was accepted.
	Buyer   hanok.UserID
	SoldBid BidID
	Created time.Time
}

// StatusAt returns the status the car reads as at now: an ongoing car whose
// end is not after now is StatusEnd.
func (c *Car) StatusAt(now time.Time) Status {
	if c.Status == StatusOngoing && !c.AuctionEnd.After(now) {
		return StatusEnd
	}
	return c.Status
}

// Representative returns the car's representative image, if it has one.
func (c *Car) Representative() (Image, bool) {
	for _, im := range c.Images {
		if im.Represent {
			return im, true
		}
	}
	return Image{}, false
}

// Bid is a sealed bid: one per (car, bidder), raised in place.
type Bid struct {
	ID     BidID
	Car    CarID
	Bidder hanok.UserID
	// Amount is in 만원 (10,000 won).
	Amount  int64
	Created time.Time
	Updated time.Time
}

// CatalogEntry is one row of the catalog: a model under a kind under a
// brand.
type CatalogEntry struct {
	Brand, Kind, Model string
}

// ImportReport says what an import added. An import of rows that already
// exist adds nothing.
type ImportReport struct {
	// Rows is the number of non-blank rows read.
	Rows   int
	Brands int
	Kinds  int
	Models int
}

// ListQuery selects a page of listed (approved) cars, newest auction start
// first unless Reverse.
type ListQuery struct {
	// Models restricts the list to these models; empty means all.
	Models  []ModelID
	Reverse bool
	Offset  int
	Limit   int
}

// Store is the persistence auction needs. Unknown ids are the declared
// errors of errors.go (ErrCarNotFound, ErrBidNotFound...), a user id too
// (ErrUserNotFound): cars and bids belong to users of the same database's
// auth.Store.
type Store interface {
	// ImportCatalog adds the brands, kinds and models of entries that do
	// not exist yet, in one transaction, and reports what it added.
	// Entries are already trimmed and non-empty.
	ImportCatalog(ctx context.Context, entries []CatalogEntry) (ImportReport, error)
	// Brands returns every brand, by id.
	Brands(ctx context.Context) ([]Brand, error)
	// BrandByName returns the brand with that name.
	BrandByName(ctx context.Context, name string) (*Brand, error)
	// Kinds returns the kinds of a brand, by id.
	Kinds(ctx context.Context, brand BrandID) ([]Kind, error)
	// KindsByName returns the kinds with that name under any brand, by id.
	KindsByName(ctx context.Context, name string) ([]Kind, error)
	// Models returns the models of the given kinds, by id.
	Models(ctx context.Context, kinds []KindID) ([]Model, error)
	// ModelsByName returns the models with that name under any kind, with
	// their kind and brand, by model id.
	ModelsByName(ctx context.Context, name string) ([]ModelPath, error)
	// ModelIDs returns the id of every model.
	ModelIDs(ctx context.Context) ([]ModelID, error)

	// CreateCars stores cars with their images in one transaction, sets
	// their ids and their images' ids, and adds each car whose auction
	// started to the car counts of its model, kind and brand. An unknown
	// model is ErrModelNotFound, an unknown owner ErrUserNotFound, and
	// either stores nothing.
	CreateCars(ctx context.Context, cars []*Car) error
	// Car returns a car with its brand, kind, model and every image.
	Car(ctx context.Context, id CarID) (*Car, error)
	// UpdateCar runs fn on the car inside one write transaction and, if fn
	// returns nil, stores the auction fields fn set (Status, AuctionStart,
	// AuctionEnd, Buyer, SoldBid) and returns the car as stored, with its
	// catalog entries and images. A car that leaves the waiting status is
	// added to the car counts of its model, kind and brand. An unknown car
	// is ErrCarNotFound. fn sees the car's id, owner and auction
	// fields only. If fn fails, nothing is stored and its error is
	// returned as it is.
	UpdateCar(ctx context.Context, id CarID, fn func(c *Car) error) (*Car, error)
	// ImagePaths returns the path of every image of every stored car,
	// each once, in no particular order.
	ImagePaths(ctx context.Context) ([]string, error)
	// ListCars returns a page of the cars with an auction start (ongoing,
	// ended or sold), ordered by auction start then id, descending unless
	// q.Reverse, each with brand, kind, model and its representative image
	// only; and the number of such cars over all pages. The queries it
	// issues do not depend on q.Limit.
	ListCars(ctx context.Context, q ListQuery) ([]Car, int, error)

	// PlaceBid runs fn inside one write transaction with the car (its id,
	// owner and auction fields only) and bidder's current bid on it (nil if
	// none). If fn returns nil, bidder's bid is created with amount, or
	// raised to it, at the time at, and returned. If fn fails, nothing is
	// stored and its error is returned as it is. Concurrent calls are
	// serialized, so fn always sees the state its write changes.
	PlaceBid(ctx context.Context, car CarID, bidder hanok.UserID, amount int64, at time.Time, fn func(c *Car, prev *Bid) error) (*Bid, error)
	// Bids returns the bids on a car, highest first (then oldest first).
	Bids(ctx context.Context, car CarID) ([]Bid, error)
	// BidOf returns bidder's bid on a car; none is hanok.NotFound.
	BidOf(ctx context.Context, car CarID, bidder hanok.UserID) (*Bid, error)
	// Bid returns a bid by id.
	Bid(ctx context.Context, id BidID) (*Bid, error)
}

// Config configures a Service. Every field has a default.
type Config struct {
	// AuctionDuration is how long an approved auction runs. Default 48h.
	AuctionDuration time.Duration
	// MaxImageBytes is the largest accepted image. Default 10 MiB.
	MaxImageBytes int
	// MaxImagePixels is the pixel budget of one image, checked before it
	// is decoded (for a GIF, the sum over its frames). Default
	// DefaultMaxImagePixels.
	MaxImagePixels int64
	// MaxConcurrentDecodes is how many images may be decoded at once,
	// over every upload: decoding is CPU work, so more at once than there
	// are CPUs only takes memory. Default runtime.GOMAXPROCS(0).
	MaxConcurrentDecodes int
	// MaxDecodeBytes is the memory that decoding images may take at once,
	// over every upload: each decode reserves what its header says it
	// will take (pixels times what the decoder keeps of each: 8 bytes for
	// a 16-bit PNG, about 7.5 for a progressive 4:2:0 JPEG; see
	// decodecost.go) and waits, first come first served, until that much
	// is free. An image that alone would take more is refused. Default
	// DefaultMaxDecodeBytes.
	MaxDecodeBytes int64
	// MaxImages is the most images a car may have. Default 30.
	MaxImages int
	// PageSize is the number of cars in a page of the list. Default 16.
	PageSize int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Logger receives notable events. Default: discard.
	Logger *slog.Logger
}

// DefaultMaxDecodeBytes is the default memory budget of image decoding
// (Config.MaxDecodeBytes): enough for a 25-megapixel 8-bit PNG (100 MB)
// or a progressive 6000×4000 JPEG (180 MB) at once, and so that a
// server's peak stays within a few hundred MB however many uploads
// arrive.
const DefaultMaxDecodeBytes = 192 << 20

// MinImages is the fewest images a car may have.
const MinImages = 5

// MaxBid is the largest bid amount, in 만원.
const MaxBid int64 = 1_000_000_000

// Service is the auction.
type Service struct {
	store Store
	media MediaStore
	cfg   Config
	// decodes holds a token for each image being checked.
	decodes chan struct{}
	// decodeMem is the memory budget of decoding (Config.MaxDecodeBytes).
	decodeMem *budget
}

// New returns a Service over store, keeping images in media.
func New(store Store, media MediaStore, cfg Config) (*Service, error) {
	if store == nil || media == nil {
		return nil, errors.New("auction: New needs a Store and a MediaStore")
	}
	if cfg.AuctionDuration <= 0 {
		cfg.AuctionDuration = 48 * time.Hour
	}
	if cfg.MaxImageBytes <= 0 {
		cfg.MaxImageBytes = 10 << 20
	}
	if cfg.MaxImagePixels <= 0 {
		cfg.MaxImagePixels = DefaultMaxImagePixels
	}
	if cfg.MaxConcurrentDecodes <= 0 {
		cfg.MaxConcurrentDecodes = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxDecodeBytes <= 0 {
		cfg.MaxDecodeBytes = DefaultMaxDecodeBytes
	}
	if cfg.MaxImages <= 0 {
		cfg.MaxImages = 30
	}
	if cfg.MaxImages < MinImages {
		return nil, fmt.Errorf("auction: Config.MaxImages %d is below the minimum of %d images", cfg.MaxImages, MinImages)
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 16
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, media: media, cfg: cfg, decodes: make(chan struct{}, cfg.MaxConcurrentDecodes), decodeMem: newBudget(cfg.MaxDecodeBytes)}, nil
}

// Config returns the service's configuration with its defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// Now returns the service clock's time.
func (s *Service) Now() time.Time { return s.cfg.Now() }
