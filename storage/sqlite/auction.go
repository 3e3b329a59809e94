package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
)

// AuctionStore is the auction.Store of a DB.
type AuctionStore struct {
	db *DB
}

var _ auction.Store = (*AuctionStore)(nil)

// Auction returns the database's auction store.
func (db *DB) Auction() *AuctionStore { return &AuctionStore{db: db} }

// write runs fn in a write transaction that also adds one to the count of
// auction writes (which the read caches of other processes on the file
// watch), and then, committed or not, bumps the generation of this DB's
// read cache, so that no read after it is answered with rows from before
// it. Every auction write goes through it.
func (s *AuctionStore) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	defer s.db.auction.bump()
	return s.db.write(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE auction_totals SET writes = writes + 1 WHERE id = 1`); err != nil {
			return fmt.Errorf("sqlite: count the auction write: %w", err)
		}
		return nil
	})
}

// querier is what reads need from a *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ImportCatalog implements auction.Store.
func (s *AuctionStore) ImportCatalog(ctx context.Context, entries []auction.CatalogEntry) (auction.ImportReport, error) {
	rep := auction.ImportReport{Rows: len(entries)}
	err := s.write(ctx, func(tx *sql.Tx) error {
		rep = auction.ImportReport{Rows: len(entries)}
		brands := map[string]int64{}
		type kindKey struct {
			brand int64
			name  string
		}
		kinds := map[kindKey]int64{}
		// insertOrGet inserts a row unless its unique key exists and
		// returns its id and whether it was added.
		insertOrGet := func(insert, get string, args ...any) (int64, bool, error) {
			res, err := tx.ExecContext(ctx, insert, args...)
			if err != nil {
				return 0, false, err
			}
			if n, _ := res.RowsAffected(); n == 1 {
				id, err := res.LastInsertId()
				return id, true, err
			}
			var id int64
			err = tx.QueryRowContext(ctx, get, args...).Scan(&id)
			return id, false, err
		}
		for _, e := range entries {
			bid, ok := brands[e.Brand]
			if !ok {
				id, added, err := insertOrGet(`INSERT INTO auction_brands (name) VALUES (?) ON CONFLICT (name) DO NOTHING`,
					`SELECT id FROM auction_brands WHERE name = ?`, e.Brand)
				if err != nil {
					return fmt.Errorf("sqlite: import brand %q: %w", e.Brand, err)
				}
				if added {
					rep.Brands++
				}
				bid, brands[e.Brand] = id, id
			}
			kk := kindKey{bid, e.Kind}
			kid, ok := kinds[kk]
			if !ok {
				id, added, err := insertOrGet(`INSERT INTO auction_kinds (brand_id, name) VALUES (?, ?) ON CONFLICT (brand_id, name) DO NOTHING`,
					`SELECT id FROM auction_kinds WHERE brand_id = ? AND name = ?`, bid, e.Kind)
				if err != nil {
					return fmt.Errorf("sqlite: import kind %q: %w", e.Kind, err)
				}
				if added {
					rep.Kinds++
				}
				kid, kinds[kk] = id, id
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO auction_models (kind_id, name) VALUES (?, ?) ON CONFLICT (kind_id, name) DO NOTHING`, kid, e.Model)
			if err != nil {
				return fmt.Errorf("sqlite: import model %q: %w", e.Model, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				rep.Models++
			}
		}
		return nil
	})
	return rep, err
}

func scanBrands(rows *sql.Rows, err error) ([]auction.Brand, error) {
	return collect("brands", rows, err, func(sc scanner) (b auction.Brand, err error) {
		return b, sc.Scan(&b.ID, &b.Name, &b.CarCount)
	})
}

// Brands implements auction.Store.
func (s *AuctionStore) Brands(ctx context.Context) ([]auction.Brand, error) {
	return scanBrands(s.db.reader.QueryContext(ctx, `SELECT id, name, car_count FROM auction_brands ORDER BY id`))
}

// BrandByName implements auction.Store.
func (s *AuctionStore) BrandByName(ctx context.Context, name string) (*auction.Brand, error) {
	var b auction.Brand
	err := s.db.reader.QueryRowContext(ctx, `SELECT id, name, car_count FROM auction_brands WHERE name = ?`, name).Scan(&b.ID, &b.Name, &b.CarCount)
	if err != nil {
		return nil, missing(err, auction.ErrBrandNotFound)
	}
	return &b, nil
}

func scanKinds(rows *sql.Rows, err error) ([]auction.Kind, error) {
	return collect("kinds", rows, err, func(sc scanner) (k auction.Kind, err error) {
		return k, sc.Scan(&k.ID, &k.BrandID, &k.Name, &k.CarCount)
	})
}

// Kinds implements auction.Store.
func (s *AuctionStore) Kinds(ctx context.Context, brand auction.BrandID) ([]auction.Kind, error) {
	return scanKinds(s.db.reader.QueryContext(ctx, `SELECT id, brand_id, name, car_count FROM auction_kinds WHERE brand_id = ? ORDER BY id`, brand))
}

// KindsByName implements auction.Store.
func (s *AuctionStore) KindsByName(ctx context.Context, name string) ([]auction.Kind, error) {
	return scanKinds(s.db.reader.QueryContext(ctx, `SELECT id, brand_id, name, car_count FROM auction_kinds WHERE name = ? ORDER BY id`, name))
}

// placeholders returns "?, ?, ..." for n arguments and the arguments.
func placeholders[T ~int64](ids []T) (string, []any) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = int64(id)
	}
	return strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", "), args
}

// Models implements auction.Store.
func (s *AuctionStore) Models(ctx context.Context, kinds []auction.KindID) ([]auction.Model, error) {
	out := []auction.Model{}
	if len(kinds) == 0 {
		return out, nil
	}
	ph, args := placeholders(kinds)
	rows, err := s.db.reader.QueryContext(ctx, `SELECT id, kind_id, name, car_count FROM auction_models WHERE kind_id IN (`+ph+`) ORDER BY id`, args...)
	return collect("models", rows, err, func(sc scanner) (m auction.Model, err error) {
		return m, sc.Scan(&m.ID, &m.KindID, &m.Name, &m.CarCount)
	})
}

// ModelsByName implements auction.Store.
func (s *AuctionStore) ModelsByName(ctx context.Context, name string) ([]auction.ModelPath, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT m.id, m.kind_id, m.name, m.car_count, k.id, k.brand_id, k.name, k.car_count, b.id, b.name, b.car_count
		FROM auction_models m JOIN auction_kinds k ON k.id = m.kind_id JOIN auction_brands b ON b.id = k.brand_id
		WHERE m.name = ? ORDER BY m.id`, name)
	return collect("models by name", rows, err, func(sc scanner) (p auction.ModelPath, err error) {
		return p, sc.Scan(&p.Model.ID, &p.Model.KindID, &p.Model.Name, &p.Model.CarCount, &p.Kind.ID, &p.Kind.BrandID, &p.Kind.Name, &p.Kind.CarCount, &p.Brand.ID, &p.Brand.Name, &p.Brand.CarCount)
	})
}

// ModelIDs implements auction.Store.
func (s *AuctionStore) ModelIDs(ctx context.Context) ([]auction.ModelID, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT id FROM auction_models ORDER BY id`)
	return collect("model ids", rows, err, func(sc scanner) (id auction.ModelID, err error) {
		return id, sc.Scan(&id)
	})
}

// CreateCars implements auction.Store.
func (s *AuctionStore) CreateCars(ctx context.Context, cars []*auction.Car) error {
	// Only a car whose auction started counts (see auction.Brand).
	type counts struct{ listed int64 }
	perModel := map[auction.ModelID]*counts{}
	var order []auction.ModelID
	var listed int64
	for _, c := range cars {
		n := perModel[c.Model.ID]
		if n == nil {
			n = &counts{}
			perModel[c.Model.ID] = n
			order = append(order, c.Model.ID)
		}
		if !c.AuctionStart.IsZero() {
			n.listed++
			listed++
		}
	}
	ids := make([][]auction.ImageID, len(cars))
	carIDs := make([]auction.CarID, len(cars))
	err := s.write(ctx, func(tx *sql.Tx) error {
		// The counters first: an unknown model stops everything before any
		// insert.
		for _, m := range order {
			n := perModel[m]
			var kind int64
			err := tx.QueryRowContext(ctx, `UPDATE auction_models SET car_count = car_count + ?, listed_count = listed_count + ? WHERE id = ? RETURNING kind_id`, n.listed, n.listed, m).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sqlite: model %d: %w", m, auction.ErrModelNotFound)
			}
			if err != nil {
				return fmt.Errorf("sqlite: count cars: %w", err)
			}
			var brand int64
			if err := tx.QueryRowContext(ctx, `UPDATE auction_kinds SET car_count = car_count + ? WHERE id = ? RETURNING brand_id`, n.listed, kind).Scan(&brand); err != nil {
				return fmt.Errorf("sqlite: count cars: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE auction_brands SET car_count = car_count + ? WHERE id = ?`, n.listed, brand); err != nil {
				return fmt.Errorf("sqlite: count cars: %w", err)
			}
		}
		if listed > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE auction_totals SET listed = listed + ? WHERE id = 1`, listed); err != nil {
				return fmt.Errorf("sqlite: count cars: %w", err)
			}
		}
		insCar, err := tx.PrepareContext(ctx, `INSERT INTO auction_cars (owner_id, model_id, year, fuel_type, transmission, color, mileage, address, status, auction_start, auction_end, buyer_id, sold_bid_id, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insCar.Close()
		insImage, err := tx.PrepareContext(ctx, `INSERT INTO auction_car_images (car_id, position, path, represent) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insImage.Close()
		for i, c := range cars {
			res, err := insCar.ExecContext(ctx, c.Owner, c.Model.ID, c.Year.Format(time.DateOnly), c.Fuel, c.Transmission, c.Color, c.Mileage, c.Address,
				c.Status, nanos(c.AuctionStart), nanos(c.AuctionEnd), nullID(c.Buyer), nullID(c.SoldBid), c.Created.UnixNano())
			if isForeignKey(err) {
				return fmt.Errorf("sqlite: owner %d: %w", c.Owner, auction.ErrUserNotFound)
			}
			if err != nil {
				return fmt.Errorf("sqlite: insert car: %w", err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			carIDs[i] = auction.CarID(id)
			ids[i] = make([]auction.ImageID, len(c.Images))
			for j, im := range c.Images {
				res, err := insImage.ExecContext(ctx, id, j, im.Path, im.Represent)
				if err != nil {
					return fmt.Errorf("sqlite: insert image: %w", err)
				}
				iid, err := res.LastInsertId()
				if err != nil {
					return err
				}
				ids[i][j] = auction.ImageID(iid)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, c := range cars {
		c.ID = carIDs[i]
		for j := range c.Images {
			c.Images[j].ID = ids[i][j]
		}
	}
	return nil
}

// carColumns are the columns scanCar reads, from auction_cars c joined
// with its model m, kind k and brand b.
const carColumns = `c.id, c.owner_id, c.year, c.fuel_type, c.transmission, c.color, c.mileage, c.address, c.status,
	c.auction_start, c.auction_end, c.buyer_id, c.sold_bid_id, c.created,
	m.id, m.kind_id, m.name, m.car_count, k.id, k.brand_id, k.name, k.car_count, b.id, b.name, b.car_count`

const carJoins = `JOIN auction_models m ON m.id = c.model_id JOIN auction_kinds k ON k.id = m.kind_id JOIN auction_brands b ON b.id = k.brand_id`

func scanCar(sc scanner, extra ...any) (*auction.Car, error) {
	var c auction.Car
	var year string
	var start, end, buyer, sold sql.NullInt64
	var created int64
	dest := append([]any{&c.ID, &c.Owner, &year, &c.Fuel, &c.Transmission, &c.Color, &c.Mileage, &c.Address, &c.Status,
		&start, &end, &buyer, &sold, &created,
		&c.Model.ID, &c.Model.KindID, &c.Model.Name, &c.Model.CarCount, &c.Kind.ID, &c.Kind.BrandID, &c.Kind.Name, &c.Kind.CarCount,
		&c.Brand.ID, &c.Brand.Name, &c.Brand.CarCount}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	y, err := time.Parse(time.DateOnly, year)
	if err != nil {
		return nil, fmt.Errorf("sqlite: car %d: bad year %q: %w", c.ID, year, err)
	}
	c.Year = y
	c.AuctionStart, c.AuctionEnd = fromNanos(start), fromNanos(end)
	c.Buyer, c.SoldBid = hanok.UserID(buyer.Int64), auction.BidID(sold.Int64)
	c.Created = time.Unix(0, created).UTC()
	return &c, nil
}

// The queries of a car's read: the car, then its images.
const (
	carQuery       = `SELECT ` + carColumns + ` FROM auction_cars c ` + carJoins + ` WHERE c.id = ?`
	carImagesQuery = `SELECT id, path, represent FROM auction_car_images WHERE car_id = ? ORDER BY position`
)

// car reads a car with every image.
func (s *AuctionStore) car(ctx context.Context, q querier, id auction.CarID) (*auction.Car, error) {
	c, err := scanCar(q.QueryRowContext(ctx, carQuery, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auction.ErrCarNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: car: %w", err)
	}
	rows, err := q.QueryContext(ctx, carImagesQuery, id)
	c.Images, err = collect("car images", rows, err, func(sc scanner) (im auction.Image, err error) {
		return im, sc.Scan(&im.ID, &im.Path, &im.Represent)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Car implements auction.Store. A car read since the last write to the
// file, by any process, is answered from the read cache.
func (s *AuctionStore) Car(ctx context.Context, id auction.CarID) (*auction.Car, error) {
	s.db.auction.sync(ctx, s.db)
	if c, ok := s.db.auction.car(id); ok {
		return c, nil
	}
	gen := s.db.auction.generation()
	stmts, err := s.db.prepared(ctx, carQuery, carImagesQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: car: %w", err)
	}
	var c *auction.Car
	err = s.db.read(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = s.car(ctx, stmtTx{tx, stmts}, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.db.auction.putCar(gen, c)
	return c, nil
}

// carForUpdate reads what a rule of the auction sees of a car: its id,
// owner and auction fields.
func carForUpdate(ctx context.Context, tx *sql.Tx, id auction.CarID) (*auction.Car, error) {
	c := &auction.Car{ID: id}
	var start, end, buyer, sold sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT owner_id, status, auction_start, auction_end, buyer_id, sold_bid_id FROM auction_cars WHERE id = ?`, id).
		Scan(&c.Owner, &c.Status, &start, &end, &buyer, &sold)
	if err != nil {
		return nil, missing(err, auction.ErrCarNotFound)
	}
	c.AuctionStart, c.AuctionEnd = fromNanos(start), fromNanos(end)
	c.Buyer, c.SoldBid = hanok.UserID(buyer.Int64), auction.BidID(sold.Int64)
	return c, nil
}

// UpdateCar implements auction.Store. A car that leaves the waiting
// status is counted in the listed counters the list reads.
func (s *AuctionStore) UpdateCar(ctx context.Context, id auction.CarID, fn func(*auction.Car) error) (*auction.Car, error) {
	var c *auction.Car
	err := s.write(ctx, func(tx *sql.Tx) error {
		old, err := carForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		next := *old
		if err := fn(&next); err != nil {
			return err
		}
		var model int64
		err = tx.QueryRowContext(ctx, `UPDATE auction_cars SET status = ?, auction_start = ?, auction_end = ?, buyer_id = ?, sold_bid_id = ? WHERE id = ? RETURNING model_id`,
			next.Status, nanos(next.AuctionStart), nanos(next.AuctionEnd), nullID(next.Buyer), nullID(next.SoldBid), id).Scan(&model)
		if err != nil {
			return fmt.Errorf("sqlite: update car: %w", err)
		}
		if old.Status == auction.StatusWaiting && next.Status != auction.StatusWaiting {
			// The car counts now: in its model, kind and brand.
			if _, err := tx.ExecContext(ctx, `UPDATE auction_models SET car_count = car_count + 1, listed_count = listed_count + 1 WHERE id = ?`, model); err != nil {
				return fmt.Errorf("sqlite: update car: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE auction_kinds SET car_count = car_count + 1 WHERE id = (SELECT kind_id FROM auction_models WHERE id = ?)`, model); err != nil {
				return fmt.Errorf("sqlite: update car: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE auction_brands SET car_count = car_count + 1 WHERE id = (SELECT k.brand_id FROM auction_models m JOIN auction_kinds k ON k.id = m.kind_id WHERE m.id = ?)`, model); err != nil {
				return fmt.Errorf("sqlite: update car: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE auction_totals SET listed = listed + 1 WHERE id = 1`); err != nil {
				return fmt.Errorf("sqlite: update car: %w", err)
			}
		}
		c, err = s.car(ctx, tx, id)
		return err
	})
	return c, err
}

// listQueries returns the page query and the count query of q with their
// arguments; the page query gives the count too, in its last column. The
// page query walks auction_cars_listed (or, for one model,
// auction_cars_model_listed) in order and joins only the page's rows; the
// count reads counters. The page size is written into the text: a bound
// LIMIT would make SQLite compile the statement again at its first step,
// to plan with the value.
func listQueries(q auction.ListQuery) (page string, pageArgs []any, count string, countArgs []any) {
	dir := "DESC"
	if q.Reverse {
		dir = "ASC"
	}
	where := `auction_start IS NOT NULL`
	switch len(q.Models) {
	case 0:
		count = `SELECT listed FROM auction_totals WHERE id = 1`
	case 1:
		where += ` AND model_id = ?`
		pageArgs = []any{int64(q.Models[0])}
		count = `SELECT coalesce(sum(listed_count), 0) FROM auction_models WHERE id = ?`
		countArgs = pageArgs
	default:
		ph, args := placeholders(q.Models)
		where += ` AND model_id IN (` + ph + `)`
		pageArgs = args
		count = `SELECT coalesce(sum(listed_count), 0) FROM auction_models WHERE id IN (` + ph + `)`
		countArgs = args
	}
	// The page carries the total in every row, the count query as a
	// scalar subquery (computed once), so that one statement reads both
	// from one snapshot.
	page = `SELECT ` + carColumns + `, i.id, i.path, (` + count + `)
		FROM (SELECT id FROM auction_cars WHERE ` + where + ` ORDER BY auction_start ` + dir + `, id ` + dir + ` LIMIT ` + strconv.Itoa(q.Limit) + ` OFFSET ?) p
		JOIN auction_cars c ON c.id = p.id ` + carJoins + `
		LEFT JOIN auction_car_images i ON i.car_id = c.id AND i.represent
		ORDER BY c.auction_start ` + dir + `, c.id ` + dir
	pageArgs = append(append(append([]any{}, countArgs...), pageArgs...), q.Offset)
	return page, pageArgs, count, countArgs
}

// ListCars implements auction.Store. It issues one query whatever the
// page size, the page with the total, and a second (the total) only for a
// page past the end. A page read since the last write to the file, by any
// process, is answered from the read cache.
func (s *AuctionStore) ListCars(ctx context.Context, q auction.ListQuery) ([]auction.Car, int, error) {
	s.db.auction.sync(ctx, s.db)
	key := pageKey(q)
	if cars, total, ok := s.db.auction.page(key); ok {
		return cars, total, nil
	}
	gen := s.db.auction.generation()
	pageQ, pageArgs, countQ, countArgs := listQueries(q)
	var total int
	// A query of one model or all is prepared once per connection; a
	// query of several models, whose text has one placeholder per model,
	// is prepared for its run.
	var stmts map[string]*sql.Stmt
	if len(q.Models) <= 1 {
		var err error
		if stmts, err = s.db.prepared(ctx, countQ, pageQ); err != nil {
			return nil, 0, fmt.Errorf("sqlite: list cars: %w", err)
		}
	}
	rq := poolQuerier{s.db.reader, stmts}
	rows, err := rq.QueryContext(ctx, pageQ, pageArgs...)
	out, err := collect("list cars", rows, err, func(sc scanner) (auction.Car, error) {
		var imID sql.NullInt64
		var imPath sql.NullString
		c, err := scanCar(sc, &imID, &imPath, &total)
		if err != nil {
			return auction.Car{}, err
		}
		if imID.Valid {
			c.Images = []auction.Image{{ID: auction.ImageID(imID.Int64), Path: imPath.String, Represent: true}}
		}
		return *c, nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		// A page past the end has no row to carry the total.
		if err := rq.QueryRowContext(ctx, countQ, countArgs...).Scan(&total); err != nil {
			return nil, 0, fmt.Errorf("sqlite: count cars: %w", err)
		}
	}
	s.db.auction.putPage(key, gen, out, total)
	return out, total, nil
}

const bidColumns = `id, car_id, bidder_id, amount, created, updated`

func scanBid(sc scanner) (*auction.Bid, error) {
	var b auction.Bid
	var created, updated int64
	if err := sc.Scan(&b.ID, &b.Car, &b.Bidder, &b.Amount, &created, &updated); err != nil {
		return nil, err
	}
	b.Created, b.Updated = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &b, nil
}

// PlaceBid implements auction.Store. The rule and the write share one
// IMMEDIATE transaction on the single writer connection, so concurrent
// bids are serialized.
func (s *AuctionStore) PlaceBid(ctx context.Context, car auction.CarID, bidder hanok.UserID, amount int64, at time.Time, fn func(*auction.Car, *auction.Bid) error) (*auction.Bid, error) {
	var b *auction.Bid
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := carForUpdate(ctx, tx, car)
		if err != nil {
			return err
		}
		prev, err := scanBid(tx.QueryRowContext(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE car_id = ? AND bidder_id = ?`, car, bidder))
		if errors.Is(err, sql.ErrNoRows) {
			prev, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("sqlite: place bid: %w", err)
		}
		if err := fn(c, prev); err != nil {
			return err
		}
		if prev == nil {
			b, err = scanBid(tx.QueryRowContext(ctx, `INSERT INTO auction_bids (car_id, bidder_id, amount, created, updated) VALUES (?, ?, ?, ?, ?) RETURNING `+bidColumns,
				car, bidder, amount, at.UnixNano(), at.UnixNano()))
			if isForeignKey(err) {
				return fmt.Errorf("sqlite: bidder %d: %w", bidder, auction.ErrUserNotFound)
			}
		} else {
			b, err = scanBid(tx.QueryRowContext(ctx, `UPDATE auction_bids SET amount = ?, updated = ? WHERE id = ? RETURNING `+bidColumns, amount, at.UnixNano(), prev.ID))
		}
		if err != nil {
			return fmt.Errorf("sqlite: place bid: %w", err)
		}
		return nil
	})
	return b, err
}

// Bids implements auction.Store.
func (s *AuctionStore) Bids(ctx context.Context, car auction.CarID) ([]auction.Bid, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE car_id = ? ORDER BY amount DESC, id`, car)
	return collect("bids", rows, err, func(sc scanner) (auction.Bid, error) {
		b, err := scanBid(sc)
		if err != nil {
			return auction.Bid{}, err
		}
		return *b, nil
	})
}

// BidOf implements auction.Store.
func (s *AuctionStore) BidOf(ctx context.Context, car auction.CarID, bidder hanok.UserID) (*auction.Bid, error) {
	b, err := scanBid(s.db.reader.QueryRowContext(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE car_id = ? AND bidder_id = ?`, car, bidder))
	if err != nil {
		return nil, missing(err, auction.ErrBidNotFound)
	}
	return b, nil
}

// Bid implements auction.Store.
func (s *AuctionStore) Bid(ctx context.Context, id auction.BidID) (*auction.Bid, error) {
	b, err := scanBid(s.db.reader.QueryRowContext(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE id = ?`, id))
	if err != nil {
		return nil, missing(err, auction.ErrBidNotFound)
	}
	return b, nil
}
