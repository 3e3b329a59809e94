package trialstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
)

// BenchSyncRecords is the size of the registry the sync benchmarks sync.
const BenchSyncRecords = 100_000

// BenchStore makes a fresh, empty store for a sync benchmark, and what to
// run once the first sync has filled it (PostgreSQL's ANALYZE, as
// autovacuum would; nil for none).
type BenchStore func(b *testing.B) (store trials.Store, afterFill func())

// BenchmarkSyncFirst syncs BenchSyncRecords synthetic records from a fake
// upstream on loopback, through the real client (pages of 100, no rate
// limit), into an empty store. Beside ns/op it reports records/s and the
// process's CPU time a sync (the fake upstream's included: it serves from
// the same process).
func BenchmarkSyncFirst(b *testing.B, mk BenchStore) {
	up := NewUpstream(b, Synthetic(BenchSyncRecords))
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		store, _ := mk(b)
		svc := benchService(b, up, store, time.Now)
		b.StartTimer()
		if run := benchSync(b, svc, &cpu); run.Inserted != BenchSyncRecords {
			b.Fatalf("run %+v", run)
		}
	}
	benchReport(b, cpu)
}

// BenchmarkSyncUnchanged syncs the same records again into a store that
// already holds them: the same fetch, a comparison of every record, no
// trial written.
func BenchmarkSyncUnchanged(b *testing.B, mk BenchStore) {
	up := NewUpstream(b, Synthetic(BenchSyncRecords))
	now := time.Now()
	store, afterFill := mk(b)
	svc := benchService(b, up, store, func() time.Time { return now })
	var cpu time.Duration
	benchSync(b, svc, &cpu)
	if afterFill != nil {
		afterFill()
	}
	cpu = 0
	for b.Loop() {
		now = now.Add(time.Hour)
		if run := benchSync(b, svc, &cpu); run.Unchanged != BenchSyncRecords {
			b.Fatalf("run %+v", run)
		}
	}
	benchReport(b, cpu)
}

func benchService(b *testing.B, up *Upstream, store trials.Store, now func() time.Time) *trials.Service {
	b.Helper()
	c, err := odcloud.New(odcloud.Config{Endpoint: up.URL, Key: UpstreamKey, Rate: -1})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := trials.New(store, trials.Config{Source: c, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	return svc
}

// benchSync runs one sync and adds the CPU time it took to *cpu.
func benchSync(b *testing.B, svc *trials.Service, cpu *time.Duration) *trials.Run {
	b.Helper()
	start := testkit.CPUTime()
	run, err := svc.RunSync(context.Background(), trials.SyncOptions{})
	*cpu += testkit.CPUTime() - start
	if err != nil {
		b.Fatal(err)
	}
	return run
}

func benchReport(b *testing.B, cpu time.Duration) {
	b.ReportMetric(float64(BenchSyncRecords*b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// BenchmarkRecent lists the first page of 10 of the trials changed in the
// last 7 days (Service.Recent, what GET /tasks?days=7 asks), with its
// total, in a mirror of 145 and of 100,000 trials that one sync filled
// (so every trial is in the window): the page should cost the same at
// both sizes.
func BenchmarkRecent(b *testing.B, mk BenchStore) {
	for _, n := range []int{145, BenchSyncRecords} {
		b.Run(fmt.Sprintf("trials=%d", n), func(b *testing.B) {
			up := NewUpstream(b, Synthetic(n))
			store, afterFill := mk(b)
			svc := benchService(b, up, store, time.Now)
			var cpu time.Duration
			benchSync(b, svc, &cpu)
			if afterFill != nil {
				afterFill()
			}
			ctx := context.Background()
			for b.Loop() {
				l, err := svc.Recent(ctx, 7, 0, 10)
				if err != nil {
					b.Fatal(err)
				}
				if l.Total != n || len(l.Trials) != 10 {
					b.Fatalf("%d trials of %d, want 10 of %d", len(l.Trials), l.Total, n)
				}
			}
		})
	}
}
