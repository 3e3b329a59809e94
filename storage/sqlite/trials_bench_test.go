package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// benchSyncRecords is the size of the synced registry.
const benchSyncRecords = 100_000

// syncService is a trials service on a new SQLite file that syncs from up
// through the real client (pages of 100, no rate limit).
func syncService(b *testing.B, up *trialstest.Upstream, now func() time.Time) *trials.Service {
	b.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "trials.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	c, err := odcloud.New(odcloud.Config{Endpoint: up.URL, Key: trialstest.UpstreamKey, Rate: -1})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := trials.New(db.Trials(), trials.Config{Source: c, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

func runSync(b *testing.B, svc *trials.Service) *trials.Run {
	b.Helper()
	run, err := svc.RunSync(context.Background(), trials.SyncOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return run
}

// BenchmarkTrialsSyncFirst syncs 100,000 records from a fake upstream on
// loopback into an empty SQLite file: 1,000 pages fetched and decoded,
// 100,000 inserts in one transaction.
func BenchmarkTrialsSyncFirst(b *testing.B) {
	up := trialstest.NewUpstream(b, trialstest.Synthetic(benchSyncRecords))
	for b.Loop() {
		b.StopTimer()
		svc := syncService(b, up, time.Now)
		b.StartTimer()
		if run := runSync(b, svc); run.Inserted != benchSyncRecords {
			b.Fatalf("run %+v", run)
		}
	}
	b.ReportMetric(float64(benchSyncRecords*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkTrialsSyncUnchanged syncs the same 100,000 records again: the
// same fetch, a comparison of every field, no row written but LastSeen.
func BenchmarkTrialsSyncUnchanged(b *testing.B) {
	up := trialstest.NewUpstream(b, trialstest.Synthetic(benchSyncRecords))
	now := time.Now()
	svc := syncService(b, up, func() time.Time { return now })
	runSync(b, svc)
	for b.Loop() {
		now = now.Add(time.Hour)
		if run := runSync(b, svc); run.Unchanged != benchSyncRecords {
			b.Fatalf("run %+v", run)
		}
	}
	b.ReportMetric(float64(benchSyncRecords*b.N)/b.Elapsed().Seconds(), "records/s")
}
