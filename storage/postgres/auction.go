package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
)

// AuctionStore is the auction.Store of a DB.
type AuctionStore struct{ db *DB }

var _ auction.Store = (*AuctionStore)(nil)

// Auction returns the database's auction store.
func (db *DB) Auction() *AuctionStore { return &AuctionStore{db: db} }

// ImportCatalog implements auction.Store. Two imports at once may both
// add a name; ON CONFLICT keeps one row and the report counts what this
// import added.
func (s *AuctionStore) ImportCatalog(ctx context.Context, entries []auction.CatalogEntry) (auction.ImportReport, error) {
	var rep auction.ImportReport
	err := s.db.write(ctx, func(tx pgx.Tx) error {
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
			var id int64
			err := tx.QueryRow(ctx, insert, args...).Scan(&id)
			if err == nil {
				return id, true, nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return 0, false, err
			}
			err = tx.QueryRow(ctx, get, args...).Scan(&id)
			return id, false, err
		}
		for _, e := range entries {
			bid, ok := brands[e.Brand]
			if !ok {
				id, added, err := insertOrGet(`INSERT INTO auction_brands (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id`,
					`SELECT id FROM auction_brands WHERE name = $1`, e.Brand)
				if err != nil {
					return fmt.Errorf("postgres: import brand %q: %w", e.Brand, err)
				}
				if added {
					rep.Brands++
				}
				bid, brands[e.Brand] = id, id
			}
			kk := kindKey{bid, e.Kind}
			kid, ok := kinds[kk]
			if !ok {
				id, added, err := insertOrGet(`INSERT INTO auction_kinds (brand_id, name) VALUES ($1, $2) ON CONFLICT (brand_id, name) DO NOTHING RETURNING id`,
					`SELECT id FROM auction_kinds WHERE brand_id = $1 AND name = $2`, bid, e.Kind)
				if err != nil {
					return fmt.Errorf("postgres: import kind %q: %w", e.Kind, err)
				}
				if added {
					rep.Kinds++
				}
				kid, kinds[kk] = id, id
			}
			tag, err := tx.Exec(ctx, `INSERT INTO auction_models (kind_id, name) VALUES ($1, $2) ON CONFLICT (kind_id, name) DO NOTHING`, kid, e.Model)
			if err != nil {
				return fmt.Errorf("postgres: import model %q: %w", e.Model, err)
			}
			if tag.RowsAffected() == 1 {
				rep.Models++
			}
		}
		return nil
	})
	return rep, err
}

// auctionRows is pgx.CollectRows of a query's rows (and error) with scan,
// into a slice that is empty, not nil, when there are none; errors are
// wrapped with what.
func auctionRows[T any](what string, rows pgx.Rows, err error, scan func(pgx.CollectableRow) (T, error)) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", what, err)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

func scanBrands(rows pgx.Rows, err error) ([]auction.Brand, error) {
	return auctionRows("brands", rows, err, func(row pgx.CollectableRow) (b auction.Brand, err error) {
		return b, row.Scan(&b.ID, &b.Name, &b.CarCount)
	})
}

// Brands implements auction.Store.
func (s *AuctionStore) Brands(ctx context.Context) ([]auction.Brand, error) {
	return scanBrands(s.db.pool.Query(ctx, `SELECT id, name, car_count FROM auction_brands ORDER BY id`))
}

// BrandByName implements auction.Store.
func (s *AuctionStore) BrandByName(ctx context.Context, name string) (*auction.Brand, error) {
	var b auction.Brand
	err := s.db.pool.QueryRow(ctx, `SELECT id, name, car_count FROM auction_brands WHERE name = $1`, name).Scan(&b.ID, &b.Name, &b.CarCount)
	if err != nil {
		return nil, missing(err, auction.ErrBrandNotFound)
	}
	return &b, nil
}

func scanKinds(rows pgx.Rows, err error) ([]auction.Kind, error) {
	return auctionRows("kinds", rows, err, func(row pgx.CollectableRow) (k auction.Kind, err error) {
		return k, row.Scan(&k.ID, &k.BrandID, &k.Name, &k.CarCount)
	})
}

// Kinds implements auction.Store.
func (s *AuctionStore) Kinds(ctx context.Context, brand auction.BrandID) ([]auction.Kind, error) {
	return scanKinds(s.db.pool.Query(ctx, `SELECT id, brand_id, name, car_count FROM auction_kinds WHERE brand_id = $1 ORDER BY id`, brand))
}

// KindsByName implements auction.Store.
func (s *AuctionStore) KindsByName(ctx context.Context, name string) ([]auction.Kind, error) {
	return scanKinds(s.db.pool.Query(ctx, `SELECT id, brand_id, name, car_count FROM auction_kinds WHERE name = $1 ORDER BY id`, name))
}

// int64s converts ids for an = ANY($n) parameter.
func int64s[T ~int64](ids []T) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

// Models implements auction.Store.
func (s *AuctionStore) Models(ctx context.Context, kinds []auction.KindID) ([]auction.Model, error) {
	out := []auction.Model{}
	if len(kinds) == 0 {
		return out, nil
	}
	rows, err := s.db.pool.Query(ctx, `SELECT id, kind_id, name, car_count FROM auction_models WHERE kind_id = ANY($1) ORDER BY id`, int64s(kinds))
	return auctionRows("models", rows, err, func(row pgx.CollectableRow) (m auction.Model, err error) {
		return m, row.Scan(&m.ID, &m.KindID, &m.Name, &m.CarCount)
	})
}

// ModelsByName implements auction.Store.
func (s *AuctionStore) ModelsByName(ctx context.Context, name string) ([]auction.ModelPath, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT m.id, m.kind_id, m.name, m.car_count, k.id, k.brand_id, k.name, k.car_count, b.id, b.name, b.car_count
		FROM auction_models m JOIN auction_kinds k ON k.id = m.kind_id JOIN auction_brands b ON b.id = k.brand_id
		WHERE m.name = $1 ORDER BY m.id`, name)
	return auctionRows("models by name", rows, err, func(row pgx.CollectableRow) (p auction.ModelPath, err error) {
		return p, row.Scan(&p.Model.ID, &p.Model.KindID, &p.Model.Name, &p.Model.CarCount, &p.Kind.ID, &p.Kind.BrandID, &p.Kind.Name, &p.Kind.CarCount, &p.Brand.ID, &p.Brand.Name, &p.Brand.CarCount)
	})
}

// ModelIDs implements auction.Store.
func (s *AuctionStore) ModelIDs(ctx context.Context) ([]auction.ModelID, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT id FROM auction_models ORDER BY id`)
	return auctionRows("model ids", rows, err, pgx.RowTo[auction.ModelID])
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
	// Counter rows are locked in id order, so that two CreateCars of
	// overlapping models never deadlock.
	slices.Sort(order)
	ids := make([][]auction.ImageID, len(cars))
	carIDs := make([]auction.CarID, len(cars))
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		// The counters first: an unknown model stops everything before any
		// insert.
		for _, m := range order {
			n := perModel[m]
			var kind int64
			err := tx.QueryRow(ctx, `UPDATE auction_models SET car_count = car_count + $1, listed_count = listed_count + $1 WHERE id = $2 RETURNING kind_id`, n.listed, m).Scan(&kind)
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("postgres: model %d: %w", m, auction.ErrModelNotFound)
			}
			if err != nil {
				return fmt.Errorf("postgres: count cars: %w", err)
			}
			var brand int64
			if err := tx.QueryRow(ctx, `UPDATE auction_kinds SET car_count = car_count + $1 WHERE id = $2 RETURNING brand_id`, n.listed, kind).Scan(&brand); err != nil {
				return fmt.Errorf("postgres: count cars: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE auction_brands SET car_count = car_count + $1 WHERE id = $2`, n.listed, brand); err != nil {
				return fmt.Errorf("postgres: count cars: %w", err)
			}
		}
		if listed > 0 {
			if _, err := tx.Exec(ctx, `UPDATE auction_totals SET listed = listed + $1 WHERE id = 1`, listed); err != nil {
				return fmt.Errorf("postgres: count cars: %w", err)
			}
		}
		for i, c := range cars {
			var id int64
			err := tx.QueryRow(ctx, `INSERT INTO auction_cars (owner_id, model_id, year, fuel_type, transmission, color, mileage, address, status, auction_start, auction_end, buyer_id, sold_bid_id, created)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
				c.Owner, c.Model.ID, c.Year, c.Fuel, c.Transmission, c.Color, c.Mileage, c.Address,
				c.Status, nullTime(c.AuctionStart), nullTime(c.AuctionEnd), nullID(c.Buyer), nullID(c.SoldBid), c.Created).Scan(&id)
			if isForeignKey(err) {
				return fmt.Errorf("postgres: owner %d: %w", c.Owner, auction.ErrUserNotFound)
			}
			if err != nil {
				return fmt.Errorf("postgres: insert car: %w", err)
			}
			carIDs[i] = auction.CarID(id)
			ids[i] = make([]auction.ImageID, len(c.Images))
			for j, im := range c.Images {
				if err := tx.QueryRow(ctx, `INSERT INTO auction_car_images (car_id, position, path, represent) VALUES ($1, $2, $3, $4) RETURNING id`,
					id, j, im.Path, im.Represent).Scan(&ids[i][j]); err != nil {
					return fmt.Errorf("postgres: insert image: %w", err)
				}
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

func scanCar(sc pgx.Row, extra ...any) (*auction.Car, error) {
	var c auction.Car
	var start, end *time.Time
	var buyer, sold *int64
	dest := append([]any{&c.ID, &c.Owner, &c.Year, &c.Fuel, &c.Transmission, &c.Color, &c.Mileage, &c.Address, &c.Status,
		&start, &end, &buyer, &sold, &c.Created,
		&c.Model.ID, &c.Model.KindID, &c.Model.Name, &c.Model.CarCount, &c.Kind.ID, &c.Kind.BrandID, &c.Kind.Name, &c.Kind.CarCount,
		&c.Brand.ID, &c.Brand.Name, &c.Brand.CarCount}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return nil, err
	}
	c.Year = c.Year.UTC()
	c.Created = c.Created.UTC()
	c.AuctionStart, c.AuctionEnd = utc(start), utc(end)
	c.Buyer, c.SoldBid = hanok.UserID(deref(buyer)), auction.BidID(deref(sold))
	return &c, nil
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// car reads a car with every image.
func car(ctx context.Context, q querier, id auction.CarID) (*auction.Car, error) {
	c, err := scanCar(q.QueryRow(ctx, `SELECT `+carColumns+` FROM auction_cars c `+carJoins+` WHERE c.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, auction.ErrCarNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: car: %w", err)
	}
	rows, err := q.Query(ctx, `SELECT id, path, represent FROM auction_car_images WHERE car_id = $1 ORDER BY position`, id)
	c.Images, err = auctionRows("car images", rows, err, func(row pgx.CollectableRow) (im auction.Image, err error) {
		return im, row.Scan(&im.ID, &im.Path, &im.Represent)
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Car implements auction.Store.
func (s *AuctionStore) Car(ctx context.Context, id auction.CarID) (*auction.Car, error) {
	var c *auction.Car
	err := s.db.read(ctx, func(tx pgx.Tx) error {
		var err error
		c, err = car(ctx, tx, id)
		return err
	})
	return c, err
}

// lockCar reads what a rule of the auction sees of a car (its id, owner
// and auction fields) and locks its row until the end of tx, so that
// every other transaction deciding about the car, in any process, waits.
func lockCar(ctx context.Context, tx pgx.Tx, id auction.CarID) (*auction.Car, error) {
	c := &auction.Car{ID: id}
	var start, end *time.Time
	var buyer, sold *int64
	err := tx.QueryRow(ctx, `SELECT owner_id, status, auction_start, auction_end, buyer_id, sold_bid_id FROM auction_cars WHERE id = $1 FOR UPDATE`, id).
		Scan(&c.Owner, &c.Status, &start, &end, &buyer, &sold)
	if err != nil {
		return nil, missing(err, auction.ErrCarNotFound)
	}
	c.AuctionStart, c.AuctionEnd = utc(start), utc(end)
	c.Buyer, c.SoldBid = hanok.UserID(deref(buyer)), auction.BidID(deref(sold))
	return c, nil
}

// UpdateCar implements auction.Store. fn runs with the car's row locked.
// A car that leaves the waiting status is counted in the listed counters
// the list reads.
func (s *AuctionStore) UpdateCar(ctx context.Context, id auction.CarID, fn func(*auction.Car) error) (*auction.Car, error) {
	var c *auction.Car
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		old, err := lockCar(ctx, tx, id)
		if err != nil {
			return err
		}
		next := *old
		if err := fn(&next); err != nil {
			return err
		}
		var model int64
		err = tx.QueryRow(ctx, `UPDATE auction_cars SET status = $1, auction_start = $2, auction_end = $3, buyer_id = $4, sold_bid_id = $5 WHERE id = $6 RETURNING model_id`,
			next.Status, nullTime(next.AuctionStart), nullTime(next.AuctionEnd), nullID(next.Buyer), nullID(next.SoldBid), id).Scan(&model)
		if isForeignKey(err) {
			return fmt.Errorf("postgres: buyer %d: %w", next.Buyer, auction.ErrUserNotFound)
		}
		if err != nil {
			return fmt.Errorf("postgres: update car: %w", err)
		}
		if old.Status == auction.StatusWaiting && next.Status != auction.StatusWaiting {
			// The car counts now: in its model, kind and brand.
			var kind, brand int64
			if err := tx.QueryRow(ctx, `UPDATE auction_models SET car_count = car_count + 1, listed_count = listed_count + 1 WHERE id = $1 RETURNING kind_id`, model).Scan(&kind); err != nil {
				return fmt.Errorf("postgres: update car: %w", err)
			}
			if err := tx.QueryRow(ctx, `UPDATE auction_kinds SET car_count = car_count + 1 WHERE id = $1 RETURNING brand_id`, kind).Scan(&brand); err != nil {
				return fmt.Errorf("postgres: update car: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE auction_brands SET car_count = car_count + 1 WHERE id = $1`, brand); err != nil {
				return fmt.Errorf("postgres: update car: %w", err)
			}
			if _, err := tx.Exec(ctx, `UPDATE auction_totals SET listed = listed + 1 WHERE id = 1`); err != nil {
				return fmt.Errorf("postgres: update car: %w", err)
			}
		}
		c, err = car(ctx, tx, id)
		return err
	})
	return c, err
}

// listQueries returns the page query and the count query of q with their
// arguments. The page query walks auction_cars_listed (or, for one model,
// auction_cars_model_listed) in order and joins only the page's rows; the
// count reads counters. Neither depends on q.Limit.
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
		where += ` AND model_id = $3`
		pageArgs = []any{int64(q.Models[0])}
		count = `SELECT coalesce(sum(listed_count), 0) FROM auction_models WHERE id = $1`
		countArgs = pageArgs
	default:
		where += ` AND model_id = ANY($3)`
		pageArgs = []any{int64s(q.Models)}
		count = `SELECT coalesce(sum(listed_count), 0) FROM auction_models WHERE id = ANY($1)`
		countArgs = pageArgs
	}
	page = `SELECT ` + carColumns + `, i.id, i.path
		FROM (SELECT id FROM auction_cars WHERE ` + where + ` ORDER BY auction_start ` + dir + `, id ` + dir + ` LIMIT $1 OFFSET $2) p
		JOIN auction_cars c ON c.id = p.id ` + carJoins + `
		LEFT JOIN auction_car_images i ON i.car_id = c.id AND i.represent
		ORDER BY c.auction_start ` + dir + `, c.id ` + dir
	pageArgs = append([]any{q.Limit, q.Offset}, pageArgs...)
	return page, pageArgs, count, countArgs
}

// ListCars implements auction.Store. It issues two queries whatever the
// page size, in one snapshot and one round trip: the total, and the page.
func (s *AuctionStore) ListCars(ctx context.Context, q auction.ListQuery) ([]auction.Car, int, error) {
	pageQ, pageArgs, countQ, countArgs := listQueries(q)
	out := []auction.Car{}
	var total int
	err := s.db.readBatch(ctx, func(b *pgx.Batch) {
		b.Queue(countQ, countArgs...)
		b.Queue(pageQ, pageArgs...)
	}, func(br pgx.BatchResults) error {
		if err := br.QueryRow().Scan(&total); err != nil {
			return fmt.Errorf("postgres: count cars: %w", err)
		}
		rows, err := br.Query()
		if err != nil {
			return fmt.Errorf("postgres: list cars: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var imID *int64
			var imPath *string
			c, err := scanCar(rows, &imID, &imPath)
			if err != nil {
				return fmt.Errorf("postgres: list cars: %w", err)
			}
			if imID != nil {
				c.Images = []auction.Image{{ID: auction.ImageID(*imID), Path: *imPath, Represent: true}}
			}
			out = append(out, *c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

const bidColumns = `id, car_id, bidder_id, amount, created, updated`

func scanBid(sc pgx.Row) (*auction.Bid, error) {
	var b auction.Bid
	if err := sc.Scan(&b.ID, &b.Car, &b.Bidder, &b.Amount, &b.Created, &b.Updated); err != nil {
		return nil, err
	}
	b.Created, b.Updated = b.Created.UTC(), b.Updated.UTC()
	return &b, nil
}

// PlaceBid implements auction.Store. The car's row is locked (SELECT ...
// FOR UPDATE) before fn runs, so bids on one car are serialized across
// every process on the database and fn always sees the state its write
// changes.
func (s *AuctionStore) PlaceBid(ctx context.Context, carID auction.CarID, bidder hanok.UserID, amount int64, at time.Time, fn func(*auction.Car, *auction.Bid) error) (*auction.Bid, error) {
	var b *auction.Bid
	err := s.db.write(ctx, func(tx pgx.Tx) error {
		c, err := lockCar(ctx, tx, carID)
		if err != nil {
			return err
		}
		prev, err := scanBid(tx.QueryRow(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE car_id = $1 AND bidder_id = $2`, carID, bidder))
		if errors.Is(err, pgx.ErrNoRows) {
			prev, err = nil, nil
		}
		if err != nil {
			return fmt.Errorf("postgres: place bid: %w", err)
		}
		if err := fn(c, prev); err != nil {
			return err
		}
		if prev == nil {
			b, err = scanBid(tx.QueryRow(ctx, `INSERT INTO auction_bids (car_id, bidder_id, amount, created, updated) VALUES ($1, $2, $3, $4, $4) RETURNING `+bidColumns,
				carID, bidder, amount, at))
			if isForeignKey(err) {
				return fmt.Errorf("postgres: bidder %d: %w", bidder, auction.ErrUserNotFound)
			}
		} else {
			b, err = scanBid(tx.QueryRow(ctx, `UPDATE auction_bids SET amount = $1, updated = $2 WHERE id = $3 RETURNING `+bidColumns, amount, at, prev.ID))
		}
		if err != nil {
			return fmt.Errorf("postgres: place bid: %w", err)
		}
		return nil
	})
	return b, err
}

// Bids implements auction.Store.
func (s *AuctionStore) Bids(ctx context.Context, carID auction.CarID) ([]auction.Bid, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE car_id = $1 ORDER BY amount DESC, id`, carID)
	return auctionRows("bids", rows, err, func(row pgx.CollectableRow) (auction.Bid, error) {
		b, err := scanBid(row)
		if err != nil {
			return auction.Bid{}, err
		}
		return *b, nil
	})
}

// BidOf implements auction.Store.
func (s *AuctionStore) BidOf(ctx context.Context, carID auction.CarID, bidder hanok.UserID) (*auction.Bid, error) {
	b, err := scanBid(s.db.pool.QueryRow(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE car_id = $1 AND bidder_id = $2`, carID, bidder))
	if err != nil {
		return nil, missing(err, auction.ErrBidNotFound)
	}
	return b, nil
}

// Bid implements auction.Store.
func (s *AuctionStore) Bid(ctx context.Context, id auction.BidID) (*auction.Bid, error) {
	b, err := scanBid(s.db.pool.QueryRow(ctx, `SELECT `+bidColumns+` FROM auction_bids WHERE id = $1`, id))
	if err != nil {
		return nil, missing(err, auction.ErrBidNotFound)
	}
	return b, nil
}

// ImagePaths implements auction.Store.
func (s *AuctionStore) ImagePaths(ctx context.Context) ([]string, error) {
	rows, err := s.db.pool.Query(ctx, `SELECT DISTINCT path FROM auction_car_images`)
	return auctionRows("image paths", rows, err, pgx.RowTo[string])
}
