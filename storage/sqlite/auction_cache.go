package sqlite

import (
	"strconv"
	"sync"

	"github.com/hanok-dev/hanok/auction"
)

// Bounds of the auction read cache: when a map is full it is emptied and
// fills again from the database.
const (
	maxCachedPages = 1024
	maxCachedCars  = 16384
)

// auctionCache holds the rows of recent list pages and car details, as
// read from the database: never a derived status or a display string,
// which the service and the adapter compute at each request.
//
// Every auction write of this DB bumps the generation once it has
// committed, which empties the cache; a read that began before a bump is
// not cached. So once a write has returned, no read is answered with what
// the database held before it. The cache sees only the writes of this
// process: a DB assumes it is the only process that writes the auction
// tables of its file. Several servers share a PostgreSQL database
// instead, whose auction store keeps no cache: every read goes to the
// database.
type auctionCache struct {
	mu    sync.Mutex
	gen   uint64
	pages map[string]cachedPage
	cars  map[auction.CarID]*auction.Car
}

type cachedPage struct {
	cars  []auction.Car
	total int
}

// generation returns the current generation, to pass to a put.
func (c *auctionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// bump starts a new generation and forgets every row.
func (c *auctionCache) bump() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.pages, c.cars = nil, nil
}

// pageKey is the key of a list query.
func pageKey(q auction.ListQuery) string {
	b := make([]byte, 0, 32+8*len(q.Models))
	if q.Reverse {
		b = append(b, 'r')
	}
	b = strconv.AppendInt(append(b, 'o'), int64(q.Offset), 10)
	b = strconv.AppendInt(append(b, 'l'), int64(q.Limit), 10)
	for _, m := range q.Models {
		b = strconv.AppendInt(append(b, 'm'), int64(m), 10)
	}
	return string(b)
}

// page returns a copy of the cached page of q.
func (c *auctionCache) page(key string) ([]auction.Car, int, bool) {
	c.mu.Lock()
	p, ok := c.pages[key]
	c.mu.Unlock()
	if !ok {
		return nil, 0, false
	}
	return copyCars(p.cars), p.total, true
}

// putPage caches a page read at generation gen.
func (c *auctionCache) putPage(key string, gen uint64, cars []auction.Car, total int) {
	cars = copyCars(cars)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.pages == nil || len(c.pages) >= maxCachedPages {
		c.pages = map[string]cachedPage{}
	}
	c.pages[key] = cachedPage{cars: cars, total: total}
}

// car returns a copy of the cached car id.
func (c *auctionCache) car(id auction.CarID) (*auction.Car, bool) {
	c.mu.Lock()
	car, ok := c.cars[id]
	c.mu.Unlock()
	if !ok {
		return nil, false
	}
	return copyCar(car), true
}

// putCar caches a car read at generation gen.
func (c *auctionCache) putCar(gen uint64, car *auction.Car) {
	car = copyCar(car)
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.cars == nil || len(c.cars) >= maxCachedCars {
		c.cars = map[auction.CarID]*auction.Car{}
	}
	c.cars[car.ID] = car
}

// copyCars copies cars and their images, the images of every car in one
// array.
func copyCars(cars []auction.Car) []auction.Car {
	out := make([]auction.Car, len(cars))
	copy(out, cars)
	n := 0
	for i := range cars {
		n += len(cars[i].Images)
	}
	ims := make([]auction.Image, 0, n)
	for i := range out {
		if out[i].Images == nil {
			continue
		}
		start := len(ims)
		ims = append(ims, out[i].Images...)
		out[i].Images = ims[start:len(ims):len(ims)]
	}
	return out
}

func copyCar(c *auction.Car) *auction.Car {
	out := *c
	if c.Images != nil {
		out.Images = append([]auction.Image(nil), c.Images...)
	}
	return &out
}
