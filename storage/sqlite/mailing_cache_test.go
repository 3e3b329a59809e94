package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

// TestMailingCacheSeesOtherDBs: two DBs on one file. The subscriber list
// read by the first answers, at its next request, what the other wrote (a
// subscriber, a bounce, an unsubscribe, a deletion), whole or by pages; a
// repeated read is answered without a query, the dispatcher's delivery
// bookkeeping (which changes no subscriber) keeps it, and what a caller
// does to its rows does not reach the cache.
func TestMailingCacheSeesOtherDBs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)
	db := openTestDB(t)
	other := openAgain(t, db)
	s, s2 := db.Mailing(), other.Mailing()

	add := func(s *MailingStore, email string) mailing.Subscriber {
		t.Helper()
		sub := mailing.Subscriber{Email: email, Name: email, Subscribed: true, Token: "token-" + email, Created: at, Updated: at}
		require.NoError(t, s.CreateSubscriber(ctx, &sub))
		return sub
	}
	list := func(q mailing.SubscriberQuery) []string {
		t.Helper()
		subs, err := s.Subscribers(ctx, q)
		require.NoError(t, err)
		var out []string
		for _, sub := range subs {
			out = append(out, sub.Email+"/"+string(sub.Status()))
		}
		return out
	}
	all, firstTwo := mailing.SubscriberQuery{}, mailing.SubscriberQuery{Limit: 2}

	a := add(s, "a@example.com")
	assert.Equal(t, []string{"a@example.com/active"}, list(all))
	queries := countReads(t, db)
	assert.Equal(t, []string{"a@example.com/active"}, list(all))
	require.Zero(t, queries.Load(), "a read of the cached list")
	subs, err := s.Subscribers(ctx, all)
	require.NoError(t, err)
	subs[0].Email = "changed"
	assert.Equal(t, []string{"a@example.com/active"}, list(all), "the cached rows after a caller changed its copy")

	// The other DB adds a subscriber: listed at the next request.
	b := add(s2, "b@example.com")
	assert.Equal(t, []string{"a@example.com/active", "b@example.com/active"}, list(all), "after another DB's subscriber")
	assert.Equal(t, []string{"a@example.com/active", "b@example.com/active"}, list(firstTwo))

	// A campaign and its deliveries: claims and finishes keep the cache.
	c := &mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: at, Updated: at}
	n, err := s2.CreateCampaign(ctx, c)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	list(all)
	list(firstTwo)
	ds, err := s2.ClaimDeliveries(ctx, at, at.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	require.NoError(t, s2.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}))
	require.NoError(t, s2.BounceDelivery(ctx, c.ID, a.ID, mailing.DeliveryBounce{Kind: mailing.BounceHard, Status: "5.1.1", At: at}))
	queries.Store(0)
	list(all)
	list(firstTwo)
	assert.EqualValues(t, 1, queries.Load(), "reads of the list after the dispatcher's bookkeeping: the count of mailing writes only")

	// The other DB records the bounce on the subscriber and fails its
	// pending delivery.
	_, err = s2.UpdateSubscriber(ctx, a.ID, func(sub *mailing.Subscriber) error {
		sub.Subscribed, sub.Bounced, sub.Updated = false, at, at
		return nil
	})
	require.NoError(t, err)
	_, err = s2.FailPending(ctx, a.ID, at, "bounced")
	require.NoError(t, err)
	assert.Equal(t, []string{"a@example.com/bounced", "b@example.com/active"}, list(all), "after another DB's bounce")
	assert.Equal(t, []string{"b@example.com/active"}, list(mailing.SubscriberQuery{After: a.ID, Limit: 2}))

	// The other DB deletes b: gone at once from the list and the page.
	require.NoError(t, s2.DeleteSubscriber(ctx, b.ID))
	assert.Equal(t, []string{"a@example.com/bounced"}, list(all), "after another DB's deletion")
	assert.Empty(t, list(mailing.SubscriberQuery{After: a.ID, Limit: 2}), "the page after another DB's deletion")

	// This DB's own write empties its cache at once; then hits again.
	_, err = s.DeleteSubscribers(ctx)
	require.NoError(t, err)
	assert.Empty(t, list(all), "after a deletion of every subscriber")
	queries.Store(0)
	list(all)
	assert.Zero(t, queries.Load(), "a read of the list after the writes")
}
