package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/mailing"
)

// Finishes of one campaign's deliveries from many connections at once,
// the last ones among them together: the campaign ends done every time,
// whichever finish commits last.
func TestMailingConcurrentFinishesSettle(t *testing.T) {
	db := openTestDB(t)
	s := db.Mailing()
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	const subs = 64
	for i := range subs {
		sub := mailing.Subscriber{Email: fmt.Sprintf("s%d@example.com", i), Name: "s", Subscribed: true, Token: fmt.Sprint("token-", i), Created: t0, Updated: t0}
		if err := s.CreateSubscriber(ctx, &sub); err != nil {
			t.Fatal(err)
		}
	}
	for round := range 10 {
		c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
		if n, err := s.CreateCampaign(ctx, &c); err != nil || n != subs {
			t.Fatalf("CreateCampaign = %d, %v", n, err)
		}
		ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), subs)
		if err != nil || len(ds) != subs {
			t.Fatalf("claimed %d, %v", len(ds), err)
		}
		var wg sync.WaitGroup
		for _, d := range ds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := s.FinishDelivery(ctx, d, mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		got, err := s.Campaign(ctx, c.ID)
		if err != nil || got.Status != mailing.CampaignDone {
			t.Fatalf("round %d: campaign %+v, %v; want done", round, got, err)
		}
	}
}
