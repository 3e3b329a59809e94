package postgres_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// trialsBenchStore is an empty trials store on a new schema; after the
// first sync it runs ANALYZE, as autovacuum would some time later. The
// CPU time the benchmarks report does not count PostgreSQL's processes.
func trialsBenchStore(b *testing.B) (trials.Store, func()) {
	db := openTestDB(b)
	return db.Trials(), func() {
		_, err := db.Pool().Exec(context.Background(), `ANALYZE`)
		require.NoError(b, err)
	}
}

// BenchmarkTrialsSyncFirst: 1,000 pages fetched and decoded, 100,000
// trials written with COPY in one transaction.
func BenchmarkTrialsSyncFirst(b *testing.B) { trialstest.BenchmarkSyncFirst(b, trialsBenchStore) }

// BenchmarkTrialsSyncUnchanged: no trial written, only the run's row and
// trials_seen.
func BenchmarkTrialsSyncUnchanged(b *testing.B) {
	trialstest.BenchmarkSyncUnchanged(b, trialsBenchStore)
}

// BenchmarkTrialsRecent: a page of the last 7 days with its total, at 145
// and 100,000 trials.
func BenchmarkTrialsRecent(b *testing.B) { trialstest.BenchmarkRecent(b, trialsBenchStore) }
