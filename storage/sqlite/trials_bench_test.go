package sqlite_test

import (
	"testing"

	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// trialsBenchStore is an empty trials store on a new SQLite file.
func trialsBenchStore(b *testing.B) (trials.Store, func()) {
	db := openTestDB(b)
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
