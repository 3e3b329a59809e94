package sqlite

import (
	"context"
	"database/sql"
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
// the database held before it.
//
// A write by another process on the same file (the CLI's seed beside a
// running server, a second server), or by another DB of this one, is seen
// the same way: every read first reads the file's version (sync, a
// fileWatch, a few loads from shared memory) and, when it changed since
// the last reading, the count of auction writes that every auction write
// adds to in its transaction (auction_totals.writes); when that changed
// too, it bumps the generation. A read that starts after such a write has
// committed sees a new version and a new count, so it too is answered
// from the database, never from rows cached before the write; a write to
// the file's other tables costs one small query, not the cache.
type auctionCache struct {
	mu    sync.Mutex
	gen   uint64
	pages map[string]cachedPage
	cars  map[auction.CarID]*auction.Car
	// seen is the file's version at the last sync, and writes the count
	// of auction writes read after it; watched tells whether they were
	// ever read.
	seen    fileVersion
	writes  int64
	watched bool
}

// auctionWritesQuery reads the count of auction writes.
const auctionWritesQuery = `SELECT writes FROM auction_totals WHERE id = 1`

// sync bumps the generation if any connection of any process committed
// an auction write to db's file since the previous sync. A version or
// count that cannot be read is taken as a change, so the read goes to the
// database.
func (c *auctionCache) sync(ctx context.Context, db *DB) {
	var err error
	v, ok := db.version(ctx)
	if !ok {
		err = errClosedWatch
	}
	c.mu.Lock()
	unchanged := err == nil && c.watched && v == c.seen
	c.mu.Unlock()
	if unchanged {
		return
	}
	// Read after the version: the count includes every write the version
	// does.
	var writes int64
	if err == nil {
		var stmts map[string]*sql.Stmt
		if stmts, err = db.prepared(ctx, auctionWritesQuery); err == nil {
			err = poolQuerier{db.reader, stmts}.QueryRowContext(ctx, auctionWritesQuery).Scan(&writes)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil && c.watched && writes == c.writes {
		c.seen = v
		return
	}
	c.seen, c.writes, c.watched = v, writes, err == nil
	c.gen++
	c.pages, c.cars = nil, nil
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
