package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// trialsBenchStore is an empty trials store on a new SQLite file.
func trialsBenchStore(b *testing.B) (trials.Store, func()) {
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "trials.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db.Trials(), nil
}

// BenchmarkTrialsSyncFirst: 1,000 pages fetched and decoded, 100,000
// inserts in one transaction.
func BenchmarkTrialsSyncFirst(b *testing.B) { trialstest.BenchmarkSyncFirst(b, trialsBenchStore) }

// BenchmarkTrialsSyncUnchanged: no row written but the run's.
func BenchmarkTrialsSyncUnchanged(b *testing.B) {
	trialstest.BenchmarkSyncUnchanged(b, trialsBenchStore)
}

// BenchmarkTrialsRecent: a page of the last 7 days with its total, at 145
// and 100,000 trials.
func BenchmarkTrialsRecent(b *testing.B) { trialstest.BenchmarkRecent(b, trialsBenchStore) }
