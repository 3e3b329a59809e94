package auction

import (
	"bytes"
	"context"
	_ "embed" // the bundled test image
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hanok-dev/hanok"
)

//go:embed seedimage.png
var seedImage []byte

// SeedImagePath is the media path of the image shared by generated cars.
const SeedImagePath = "tests/seed.png"

// SeedImage returns the PNG that generated cars show.
func SeedImage() []byte { return bytes.Clone(seedImage) }

// DefaultSeedCount is the number of cars Seed generates by default.
const DefaultSeedCount = 500

// SeedReport says what Seed generated.
type SeedReport struct {
	Catalog ImportReport
	// EndingSoon cars end one minute after the call, Ongoing cars started
	// one minute before it, Waiting cars wait for approval.
	EndingSoon, Ongoing, Waiting int
}

var (
	seedColors    = []string{"흰색", "검정색", "은색", "회색", "빨간색", "파란색", "진주색"}
	seedAddresses = []string{"서울 관악구", "서울 신도림", "서울 강남구", "경기 성남시", "인천 남동구", "부산 해운대구", "대전 유성구"}
)

// GenerateCars returns n random cars of the given models, owned by owner,
// as the test-data generator makes them: two fifths end one minute after
// now, two fifths started one minute before now, the rest wait for
// approval. Every image is SeedImagePath. It stores nothing; Seed and
// benchmarks pass the cars to Store.CreateCars.
func GenerateCars(models []ModelID, owner hanok.Actor, n int, now time.Time, duration time.Duration, rnd *rand.Rand) []*Car {
	now = now.UTC()
	ending, ongoing := n*2/5, n*2/5
	cars := make([]*Car, n)
	for i := range cars {
		c := &Car{
			Owner:        owner.ID,
			Model:        Model{ID: models[rnd.IntN(len(models))]},
			Year:         time.Date(1990+rnd.IntN(35), time.Month(1+rnd.IntN(12)), 1+rnd.IntN(28), 0, 0, 0, 0, time.UTC),
			Fuel:         Fuels[rnd.IntN(len(Fuels))],
			Transmission: Transmissions[rnd.IntN(len(Transmissions))],
			Color:        seedColors[rnd.IntN(len(seedColors))],
			Mileage:      rnd.IntN(250_000),
			Address:      seedAddresses[rnd.IntN(len(seedAddresses))],
			Status:       StatusWaiting,
			Created:      now,
		}
		switch {
		case i < ending:
			c.Status = StatusOngoing
			c.AuctionEnd = now.Add(time.Minute)
			c.AuctionStart = c.AuctionEnd.Add(-duration)
		case i < ending+ongoing:
			c.Status = StatusOngoing
			c.AuctionStart = now.Add(-time.Minute)
			c.AuctionEnd = c.AuctionStart.Add(duration)
		}
		for j := range MinImages {
			c.Images = append(c.Images, Image{Path: SeedImagePath, Represent: j == 0})
		}
		cars[i] = c
	}
	return cars
}

// Seed generates n test cars (DefaultSeedCount when n <= 0) owned by the
// actor, on top of whatever is stored: it picks random models of the whole
// catalog, importing DefaultCatalog first when the catalog is empty. It can
// run any number of times. Only a superuser may seed (else
// hanok.Forbidden).
func (s *Service) Seed(ctx context.Context, actor hanok.Actor, n int) (SeedReport, error) {
	if !actor.Superuser {
		return SeedReport{}, errNotSuperuser
	}
	if n <= 0 {
		n = DefaultSeedCount
	}
	if n > 100_000 {
		return SeedReport{}, hanok.FieldError("count", "must be at most 100000")
	}
	var rep SeedReport
	models, err := s.store.ModelIDs(ctx)
	if err != nil {
		return SeedReport{}, fmt.Errorf("auction: seed: %w", err)
	}
	if len(models) == 0 {
		if rep.Catalog, err = s.ImportEntries(ctx, DefaultCatalog()); err != nil {
			return SeedReport{}, err
		}
		if models, err = s.store.ModelIDs(ctx); err != nil {
			return SeedReport{}, fmt.Errorf("auction: seed: %w", err)
		}
	}
	if err := s.media.Put(ctx, SeedImagePath, seedImage); err != nil {
		return SeedReport{}, fmt.Errorf("auction: seed image: %w", err)
	}
	now := s.cfg.Now()
	cars := GenerateCars(models, actor, n, now, s.cfg.AuctionDuration, rand.New(rand.NewPCG(uint64(now.UnixNano()), uint64(n))))
	if err := s.store.CreateCars(ctx, cars); err != nil {
		return SeedReport{}, fmt.Errorf("auction: seed: %w", err)
	}
	rep.EndingSoon, rep.Ongoing = n*2/5, n*2/5
	rep.Waiting = n - rep.EndingSoon - rep.Ongoing
	s.cfg.Logger.InfoContext(ctx, "test cars generated", "count", n, "by", actor.ID)
	return rep, nil
}
