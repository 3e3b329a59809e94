package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hanok-dev/hanok/auth"
)

var _ auth.ThrottleStore = (*AuthStore)(nil)

// UpdateThrottle implements auth.ThrottleStore. The keys are locked with
// transaction-level advisory locks, taken in sorted order so that two
// updates of overlapping keys never deadlock, whether or not the keys
// have rows yet.
func (s *AuthStore) UpdateThrottle(ctx context.Context, keys []string, fn func([]auth.Bucket) error) error {
	return s.db.write(ctx, func(tx pgx.Tx) error {
		sorted := slices.Clone(keys)
		slices.Sort(sorted)
		for _, k := range slices.Compact(sorted) {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('hanok.throttle:' || $1, 0))`, k); err != nil {
				return fmt.Errorf("postgres: lock throttle: %w", err)
			}
		}
		rows, _ := tx.Query(ctx, `SELECT key, spent, at, pending, pending_at FROM auth_throttle WHERE key = ANY($1)`, keys)
		read, err := pgx.CollectRows(rows, scanBucket)
		if err != nil {
			return fmt.Errorf("postgres: read throttle: %w", err)
		}
		stored := make(map[string]auth.Bucket, len(read))
		for _, kb := range read {
			stored[kb.key] = kb.Bucket
		}
		bs := make([]auth.Bucket, len(keys))
		for i, k := range keys {
			bs[i] = stored[k]
		}
		if err := fn(bs); err != nil {
			return err
		}
		for i, k := range keys {
			b := bs[i]
			if b == (auth.Bucket{}) {
				if _, err := tx.Exec(ctx, `DELETE FROM auth_throttle WHERE key = $1`, k); err != nil {
					return fmt.Errorf("postgres: write throttle: %w", err)
				}
				continue
			}
			_, err := tx.Exec(ctx, `INSERT INTO auth_throttle (key, spent, at, pending, pending_at) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (key) DO UPDATE SET spent = excluded.spent, at = excluded.at, pending = excluded.pending, pending_at = excluded.pending_at`,
				k, b.Spent, b.At, b.Pending, nullTime(b.PendingAt))
			if err != nil {
				return fmt.Errorf("postgres: write throttle: %w", err)
			}
		}
		return nil
	})
}

// PruneThrottle implements auth.ThrottleStore.
func (s *AuthStore) PruneThrottle(ctx context.Context, before time.Time) error {
	if _, err := s.db.pool.Exec(ctx, `DELETE FROM auth_throttle WHERE at < $1 AND (pending_at IS NULL OR pending_at < $1)`, before); err != nil {
		return fmt.Errorf("postgres: prune throttle: %w", err)
	}
	return nil
}

// keyedBucket is a row of auth_throttle.
type keyedBucket struct {
	key string
	auth.Bucket
}

func scanBucket(row pgx.CollectableRow) (keyedBucket, error) {
	var kb keyedBucket
	var pendingAt *time.Time
	err := row.Scan(&kb.key, &kb.Spent, &kb.At, &kb.Pending, &pendingAt)
	kb.At, kb.PendingAt = kb.At.UTC(), utc(pendingAt)
	return kb, err
}
