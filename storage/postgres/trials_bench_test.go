package postgres_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// The trials sync benchmarks of storage/sqlite, on PostgreSQL.

// benchSyncRecords is the size of the synced registry.
const benchSyncRecords = 100_000

// syncService is a trials service on a new schema that syncs from up
// through the real client (pages of 100, no rate limit).
func syncService(b *testing.B, up *trialstest.Upstream, now func() time.Time) (*trials.Service, func()) {
	b.Helper()
	db := openTestDB(b)
	c, err := odcloud.New(odcloud.Config{Endpoint: up.URL, Key: trialstest.UpstreamKey, Rate: -1})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := trials.New(db.Trials(), trials.Config{Source: c, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	analyze := func() {
		if _, err := db.Pool().Exec(context.Background(), `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return svc, analyze
}

// cpuTime is the CPU time (user and system) the process has used: on a
// machine shared with other work it says more than the wall clock. It
// does not count PostgreSQL's own processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runSync runs one sync and adds the CPU time it took (the fake upstream's
// included: it serves from the same process) to *cpu.
func runSync(b *testing.B, svc *trials.Service, cpu *time.Duration) *trials.Run {
	b.Helper()
	start := cpuTime()
	run, err := svc.RunSync(context.Background(), trials.SyncOptions{})
	*cpu += cpuTime() - start
	if err != nil {
		b.Fatal(err)
	}
	return run
}

func reportSync(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(benchSyncRecords*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkTrialsSyncFirst syncs 100,000 records from a fake upstream on
// loopback into an empty schema: 1,000 pages fetched and decoded, 100,000
// trials written with COPY in one transaction.
func BenchmarkTrialsSyncFirst(b *testing.B) {
	up := trialstest.NewUpstream(b, trialstest.Synthetic(benchSyncRecords))
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		svc, _ := syncService(b, up, time.Now)
		b.StartTimer()
		if run := runSync(b, svc, &cpu); run.Inserted != benchSyncRecords {
			b.Fatalf("run %+v", run)
		}
	}
	reportSync(b, cpu)
}

// BenchmarkTrialsSyncUnchanged syncs the same 100,000 records again: the
// same fetch, a comparison of every digest, no row written but the run's
// and trials_seen. ANALYZE runs after the first sync, as autovacuum would.
func BenchmarkTrialsSyncUnchanged(b *testing.B) {
	up := trialstest.NewUpstream(b, trialstest.Synthetic(benchSyncRecords))
	now := time.Now()
	svc, analyze := syncService(b, up, func() time.Time { return now })
	var cpu time.Duration
	runSync(b, svc, &cpu)
	analyze()
	cpu = 0
	for b.Loop() {
		now = now.Add(time.Hour)
		if run := runSync(b, svc, &cpu); run.Unchanged != benchSyncRecords {
			b.Fatalf("run %+v", run)
		}
	}
	reportSync(b, cpu)
}
