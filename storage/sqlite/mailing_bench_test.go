package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/mailing"
)

// BenchmarkMailingFinish records the outcomes of a claimed campaign in
// groups of 1, 4 and 16 (FinishDeliveries), as a dispatcher's recorder
// does: the cost of the outbox's bookkeeping per message.
func BenchmarkMailingFinish(b *testing.B) {
	for _, group := range []int{1, 4, 16} {
		b.Run(fmt.Sprintf("group=%d", group), func(b *testing.B) {
			ctx := context.Background()
			s := openTestDB(b).Mailing()
			t0 := time.Unix(1_700_000_000, 0).UTC()
			const subs = 4096
			for i := range subs {
				if err := s.CreateSubscriber(ctx, &mailing.Subscriber{Email: fmt.Sprintf("u%d@example.com", i), Subscribed: true, Token: fmt.Sprintf("tok-%d", i), Created: t0, Updated: t0}); err != nil {
					b.Fatal(err)
				}
			}
			var ds []mailing.Delivery
			claim := func() {
				c := &mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
				if _, err := s.CreateCampaign(ctx, c); err != nil {
					b.Fatal(err)
				}
				var err error
				if ds, err = s.ClaimDeliveries(ctx, t0, t0.Add(time.Hour), subs); err != nil || len(ds) != subs {
					b.Fatalf("claim: %d, %v", len(ds), err)
				}
			}
			fs := make([]mailing.Finish, group)
			b.ResetTimer()
			for i := 0; i < b.N; i += group {
				if len(ds) < group {
					b.StopTimer()
					claim()
					b.StartTimer()
				}
				for j := range fs {
					fs[j] = mailing.Finish{Delivery: ds[j], Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0.Add(time.Minute)}}
				}
				ds = ds[group:]
				for _, err := range s.FinishDeliveries(ctx, fs) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
