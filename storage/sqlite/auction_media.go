package sqlite

import (
	"context"
	"database/sql"
)

// ImagePaths implements auction.Store.
func (s *AuctionStore) ImagePaths(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT path FROM auction_car_images`)
		out, err = collect("image paths", rows, err, func(sc scanner) (p string, err error) {
			return p, sc.Scan(&p)
		})
		return err
	})
	return out, err
}
