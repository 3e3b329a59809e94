package sqlite

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

// Finishes called at once from many goroutines are recorded together
// (finishGroup), each with its own result: every held delivery becomes
// sent, and a finish of a claim no longer held is ErrNotHeld alone,
// without failing the finishes written in its transaction.
func TestMailingFinishGroupConcurrent(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	s := db.Mailing()
	const n = 200
	t0 := time.Unix(1_700_000_000, 0).UTC()
	for i := range n {
		require.NoError(t, s.CreateSubscriber(ctx, &mailing.Subscriber{
			Email: fmt.Sprintf("u%d@example.com", i), Subscribed: true, Token: fmt.Sprintf("tok-%d", i), Created: t0, Updated: t0,
		}))
	}
	c := &mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	_, err := s.CreateCampaign(ctx, c)
	require.NoError(t, err)
	lease := t0.Add(time.Hour)
	ds, err := s.ClaimDeliveries(ctx, t0, lease, n)
	require.NoError(t, err)
	require.Len(t, ds, n)

	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, d := range ds {
		if i%10 == 0 {
			d.LeaseUntil = lease.Add(time.Second) // not this claim's lease
		}
		wg.Go(func() {
			errs[i] = s.FinishDelivery(ctx, d, mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0.Add(time.Minute)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%10 == 0 {
			assert.ErrorIs(t, err, mailing.ErrNotHeld, "finish %d", i)
		} else {
			assert.NoError(t, err, "finish %d", i)
		}
	}
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, n-n/10, r.Sent)
	assert.Equal(t, n/10, r.Pending)

	// The rest, finished at once too, settle the campaign.
	for i := 0; i < n; i += 10 {
		wg.Go(func() {
			errs[i] = s.FinishDelivery(ctx, ds[i], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0.Add(2 * time.Minute)})
		})
	}
	wg.Wait()
	for i := 0; i < n; i += 10 {
		assert.NoError(t, errs[i], "finish %d", i)
	}
	r, err = s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, n, r.Sent)
	assert.Equal(t, mailing.CampaignDone, r.Campaign.Status)
}
