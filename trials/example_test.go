package trials_test

import (
	"context"
	"fmt"
	"time"

	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// A sync stores what the upstream holds; the next one records only what
// changed, and "updated recently" lists only the trials that did.
func Example() {
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	src := &trialstest.StaticSource{Records: []trials.Record{
		{Number: "C130010", Title: "조직구증식증 임상연구 네트워크 구축 및 운영(HLH)", Department: "Pediatrics", TargetSize: "120", Duration: "3년"},
		{Number: "C130011", Title: "대한민국 쇼그렌 증후군 코호트 구축", Department: "Rheumatology", TargetSize: "500", Duration: "6년"},
	}}
	svc, err := trials.New(memory.New().Trials(), trials.Config{Source: src, Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	run, _ := svc.RunSync(ctx, trials.SyncOptions{})
	fmt.Printf("first run: %d inserted\n", run.Inserted)

	now = now.AddDate(0, 0, 10)
	src.Records[1].Duration = "7년"
	run, _ = svc.RunSync(ctx, trials.SyncOptions{})
	fmt.Printf("second run: %d changed, %d unchanged\n", run.Changed, run.Unchanged)

	recent, _ := svc.Recent(ctx, 7, 0, 10)
	for _, t := range recent.Trials {
		d, _ := svc.Get(ctx, t.Number)
		fmt.Printf("%s %s: %d months; %s %q -> %q\n", t.Number, t.Title, *t.DurationMonths, d.History[0].Field, d.History[0].Old, d.History[0].New)
	}
	// Output:
	// first run: 2 inserted
	// second run: 1 changed, 1 unchanged
	// C130011 대한민국 쇼그렌 증후군 코호트 구축: 84 months; duration "6년" -> "7년"
}
