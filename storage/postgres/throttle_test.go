package postgres_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// Updates of one key from two pools (two servers) at once are serialized:
// none is lost. A zero bucket deletes the key.
func TestUpdateThrottleAcrossPools(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	var stores [2]*postgres.AuthStore
	for i := range stores {
		db, err := postgres.Open(ctx, dsn)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		stores[i] = db.Auth()
	}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Keys in both orders: the locks are taken sorted, so no deadlock.
			keys := []string{"u:kim", "a:10.0.0.1"}
			if i%2 == 1 {
				keys = []string{"a:10.0.0.1", "u:kim"}
			}
			err := stores[i%2].UpdateThrottle(ctx, keys, func(bs []auth.Bucket) error {
				for j := range bs {
					bs[j].Pending++
					bs[j].Spent += 0.5
					bs[j].At, bs[j].PendingAt = at, at
				}
				return nil
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	err := stores[0].UpdateThrottle(ctx, []string{"u:kim", "a:10.0.0.1", "u:nobody"}, func(bs []auth.Bucket) error {
		for j, want := range []auth.Bucket{{Spent: n / 2, At: at, Pending: n, PendingAt: at}, {Spent: n / 2, At: at, Pending: n, PendingAt: at}, {}} {
			assert.True(t, bs[j].At.Equal(want.At), "bucket %d: At %v, want %v", j, bs[j].At, want.At)
			assert.True(t, bs[j].PendingAt.Equal(want.PendingAt), "bucket %d: PendingAt %v, want %v", j, bs[j].PendingAt, want.PendingAt)
			assert.Equal(t, want.Pending, bs[j].Pending, "bucket %d: Pending", j)
			assert.Equal(t, want.Spent, bs[j].Spent, "bucket %d: Spent", j)
		}
		bs[0] = auth.Bucket{}
		return nil
	})
	require.NoError(t, err)
	stores[1].UpdateThrottle(ctx, []string{"u:kim"}, func(bs []auth.Bucket) error {
		assert.Equal(t, (auth.Bucket{}), bs[0], "deleted bucket = %+v, want the zero Bucket", bs[0])
		return nil
	})
	// Pruning keeps what changed at or after the bound, deletes the rest.
	require.NoError(t, stores[1].PruneThrottle(ctx, at))
	stores[1].UpdateThrottle(ctx, []string{"a:10.0.0.1"}, func(bs []auth.Bucket) error {
		assert.Equal(t, n, bs[0].Pending, "bucket changed at the bound = %+v, want it kept", bs[0])
		return nil
	})
	require.NoError(t, stores[1].PruneThrottle(ctx, at.Add(time.Second)))
	stores[0].UpdateThrottle(ctx, []string{"a:10.0.0.1"}, func(bs []auth.Bucket) error {
		assert.Equal(t, (auth.Bucket{}), bs[0], "bucket older than the bound = %+v, want it pruned", bs[0])
		return nil
	})
}
