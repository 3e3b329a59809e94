package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// ImagePaths implements auction.Store.
func (s *AuctionStore) ImagePaths(ctx context.Context) ([]string, error) {
	var out []string
	err := s.db.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT DISTINCT path FROM auction_car_images`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: image paths: %w", err)
	}
	return out, nil
}
