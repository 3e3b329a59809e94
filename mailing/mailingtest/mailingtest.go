// Package mailingtest is the conformance suite of mailing.Store: every
// store runs RunStoreTests from one _test.go file, so all stores behave
// alike. The suite asserts mailing's declared errors with errors.Is, the
// rules the Store methods state (the campaign settled in SQL), and times
// to the microsecond (the precision of PostgreSQL's timestamptz).
package mailingtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storetest"
)

// t0 is the suite's clock: a sub-second time, to the microsecond.
var t0 = time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)

// RunStoreTests runs the suite against the stores mk makes, each test in
// parallel on a store of its own.
func RunStoreTests(t *testing.T, mk storetest.Maker[mailing.Store]) {
	tests := []struct {
		name string
		fn   func(*testing.T, mailing.Store)
	}{
		{"Subscribers", testSubscribers},
		{"SubscriberPages", testSubscriberPages},
		{"UpdateSubscriber", testUpdateSubscriber},
		{"DeleteSubscribers", testDeleteSubscribers},
		{"UnknownIDs", testUnknownIDs},
		{"CampaignSnapshot", testCampaignSnapshot},
		{"ClaimAndLease", testClaimAndLease},
		{"FinishOutcomes", testFinishOutcomes},
		{"FinishGroups", testFinishGroups},
		{"CancelledCampaign", testCancelledCampaign},
		{"FailPending", testFailPending},
		{"ConcurrentClaimsAreExclusive", testConcurrentClaims},
		{"TimesRoundTrip", testTimes},
		{"Bounces", testBounces},
		{"PendingAndConsent", testPendingAndConsent},
		{"ScheduleAndPause", testScheduleAndPause},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := mk(t)
			tc.fn(t, h.Store)
		})
	}
}

func addSub(t *testing.T, s mailing.Store, email string, subscribed bool) mailing.Subscriber {
	t.Helper()
	sub := mailing.Subscriber{Email: email, Name: "name of " + email, Subscribed: subscribed, Token: tokenFor(email), Created: t0, Updated: t0}
	require.NoError(t, s.CreateSubscriber(context.Background(), &sub), "CreateSubscriber(%s)", email)
	require.Positive(t, sub.ID, "CreateSubscriber(%s) set the id", email)
	return sub
}

// tokenFor is a UUID-shaped token derived from email (FNV-1a), unique
// enough for the suite's few addresses.
func tokenFor(email string) string {
	var h uint64 = 14695981039346656037
	for _, c := range []byte(email) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(h>>32), h&0xffffffffffff)
}

func testSubscribers(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	a := addSub(t, s, "Alice@Example.com", true)
	b := addSub(t, s, "bob@example.co.kr", false)

	dup := mailing.Subscriber{Email: "alice@EXAMPLE.com", Name: "x", Subscribed: true, Token: tokenFor("dup"), Created: t0, Updated: t0}
	assert.ErrorIs(t, s.CreateSubscriber(ctx, &dup), mailing.ErrEmailTaken)
	sameToken := mailing.Subscriber{Email: "other@example.com", Name: "x", Subscribed: true, Token: a.Token, Created: t0, Updated: t0}
	assert.ErrorIs(t, s.CreateSubscriber(ctx, &sameToken), mailing.ErrTokenTaken)

	got, err := s.Subscriber(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, a, got)
	got, err = s.SubscriberByEmail(ctx, "ALICE@example.COM")
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.ID)
	assert.Equal(t, "Alice@Example.com", got.Email, "the email as given")
	got, err = s.SubscriberByToken(ctx, b.Token)
	require.NoError(t, err)
	assert.Equal(t, b, got)
	_, err = s.SubscriberByEmail(ctx, "nobody@example.com")
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	_, err = s.SubscriberByToken(ctx, tokenFor("nobody"))
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)

	list, err := s.Subscribers(ctx, mailing.SubscriberQuery{})
	require.NoError(t, err)
	assert.Equal(t, []mailing.Subscriber{a, b}, list)
}

// testSubscriberPages: a query lists the subscribers above After, by id,
// at most Limit of them; every read answers the writes before it, and a
// caller's changes to the rows it got reach no later read.
func testSubscriberPages(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	var subs []mailing.Subscriber
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"} {
		subs = append(subs, addSub(t, s, e, true))
	}
	require.NoError(t, s.DeleteSubscriber(ctx, subs[2].ID))
	a, b, d, e := subs[0], subs[1], subs[3], subs[4]
	list := func(q mailing.SubscriberQuery) []mailing.Subscriber {
		t.Helper()
		got, err := s.Subscribers(ctx, q)
		require.NoError(t, err, "Subscribers(%+v)", q)
		return got
	}
	for _, c := range []struct {
		q    mailing.SubscriberQuery
		want []mailing.Subscriber
	}{
		{mailing.SubscriberQuery{}, []mailing.Subscriber{a, b, d, e}},
		{mailing.SubscriberQuery{Limit: 2}, []mailing.Subscriber{a, b}},
		{mailing.SubscriberQuery{After: b.ID, Limit: 2}, []mailing.Subscriber{d, e}},
		{mailing.SubscriberQuery{After: b.ID + 1, Limit: 1}, []mailing.Subscriber{d}},
		{mailing.SubscriberQuery{After: a.ID}, []mailing.Subscriber{b, d, e}},
		{mailing.SubscriberQuery{After: d.ID, Limit: 5}, []mailing.Subscriber{e}},
	} {
		assert.Equal(t, c.want, list(c.q), "Subscribers(%+v)", c.q)
	}
	assert.Empty(t, list(mailing.SubscriberQuery{After: e.ID}), "after the last")

	// Reads after writes, and a caller changing its rows.
	list(mailing.SubscriberQuery{})[0].Name = "changed by a caller"
	assert.Equal(t, a.Name, list(mailing.SubscriberQuery{})[0].Name, "after a caller changed its rows")
	_, err := s.UpdateSubscriber(ctx, d.ID, func(sub *mailing.Subscriber) error {
		sub.Name, sub.Subscribed, sub.Bounced = "renamed", false, t0.Add(time.Hour)
		return nil
	})
	require.NoError(t, err)
	got := list(mailing.SubscriberQuery{After: b.ID, Limit: 2})
	require.Len(t, got, 2)
	assert.Equal(t, "renamed", got[0].Name, "after an update")
	assert.True(t, got[0].Bounced.Equal(t0.Add(time.Hour)), "the bounce after an update")
	f := addSub(t, s, "f@example.com", true)
	assert.Equal(t, []mailing.SubscriberID{e.ID, f.ID}, ids(list(mailing.SubscriberQuery{After: d.ID})), "after a subscription")
	require.NoError(t, s.DeleteSubscriber(ctx, e.ID))
	assert.Equal(t, []mailing.SubscriberID{f.ID}, ids(list(mailing.SubscriberQuery{After: d.ID})), "after a deletion")
	_, err = s.DeleteSubscribers(ctx)
	require.NoError(t, err)
	assert.Empty(t, list(mailing.SubscriberQuery{}), "after deleting every subscriber")
}

func ids(subs []mailing.Subscriber) []mailing.SubscriberID {
	out := make([]mailing.SubscriberID, len(subs))
	for i, s := range subs {
		out[i] = s.ID
	}
	return out
}

func testUpdateSubscriber(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	a := addSub(t, s, "a@example.com", true)
	later := t0.Add(time.Hour + time.Microsecond)
	got, err := s.UpdateSubscriber(ctx, a.ID, func(sub *mailing.Subscriber) error {
		assert.True(t, sub.Subscribed)
		assert.Equal(t, "a@example.com", sub.Email)
		sub.Subscribed, sub.Name, sub.Updated = false, "renamed", later
		return nil
	})
	require.NoError(t, err)
	assert.False(t, got.Subscribed)
	assert.Equal(t, "renamed", got.Name)
	assert.Equal(t, later, got.Updated)
	assert.Equal(t, t0, got.Created)
	// A failing fn stores nothing and its error comes back.
	no := hanok.Errorf(hanok.Conflict, "no")
	_, err = s.UpdateSubscriber(ctx, a.ID, func(sub *mailing.Subscriber) error {
		sub.Name = "lost"
		return no
	})
	assert.ErrorIs(t, err, no)
	again, err := s.Subscriber(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, got, again, "a failed update changed the row")
	// A token another subscriber has is refused.
	b := addSub(t, s, "b@example.com", true)
	_, err = s.UpdateSubscriber(ctx, b.ID, func(sub *mailing.Subscriber) error {
		sub.Token = a.Token
		return nil
	})
	assert.ErrorIs(t, err, mailing.ErrTokenTaken)
}

func testDeleteSubscribers(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	a := addSub(t, s, "a@example.com", true)
	addSub(t, s, "b@example.com", true)
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	n, err := s.CreateCampaign(ctx, &c)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.NoError(t, s.DeleteSubscriber(ctx, a.ID))
	assert.ErrorIs(t, s.DeleteSubscriber(ctx, a.ID), mailing.ErrSubscriberNotFound)
	_, err = s.Subscriber(ctx, a.ID)
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Pending, "the deleted subscriber's delivery goes with it")
	assert.Equal(t, mailing.CampaignQueued, r.Campaign.Status)
	n, err = s.DeleteSubscribers(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	list, err := s.Subscribers(ctx, mailing.SubscriberQuery{})
	require.NoError(t, err)
	assert.Empty(t, list)
	// The rule the Store states: a campaign left without a pending
	// delivery is settled done, its Updated unchanged.
	r, err = s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Zero(t, r.Pending)
	assert.Equal(t, mailing.CampaignDone, r.Campaign.Status)
	assert.Equal(t, t0, r.Campaign.Updated)
	n, err = s.DeleteSubscribers(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	// The email is free again.
	addSub(t, s, "a@example.com", true)
}

func testUnknownIDs(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	_, err := s.Subscriber(ctx, 999)
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	_, err = s.UpdateSubscriber(ctx, 999, func(*mailing.Subscriber) error { t.Error("fn called"); return nil })
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	assert.ErrorIs(t, s.DeleteSubscriber(ctx, 999), mailing.ErrSubscriberNotFound)
	_, err = s.Campaign(ctx, 999)
	assert.ErrorIs(t, err, mailing.ErrCampaignNotFound)
	_, err = s.UpdateCampaign(ctx, 999, func(*mailing.Campaign) error { t.Error("fn called"); return nil })
	assert.ErrorIs(t, err, mailing.ErrCampaignNotFound)
	_, err = s.CampaignReport(ctx, 999)
	assert.ErrorIs(t, err, mailing.ErrCampaignNotFound)
	err = s.FinishDelivery(ctx, mailing.Delivery{ID: 999, LeaseUntil: t0}, mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0})
	assert.ErrorIs(t, err, mailing.ErrDeliveryNotFound)
	storetest.WantCode(t, err, hanok.NotFound)
}

func testCampaignSnapshot(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	// No active subscriber: the campaign is done at once
	// (CampaignStatus.Settled).
	empty := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	n, err := s.CreateCampaign(ctx, &empty)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Positive(t, empty.ID)
	assert.Equal(t, mailing.CampaignDone, empty.Status)
	got, err := s.Campaign(ctx, empty.ID)
	require.NoError(t, err)
	assert.Equal(t, mailing.CampaignDone, got.Status)

	a := addSub(t, s, "a@example.com", true)
	addSub(t, s, "gone@example.com", false)
	b := addSub(t, s, "b@example.com", true)
	c := mailing.Campaign{Subject: "hello", Text: "body\nline", HTML: "<p>x</p>", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	n, err = s.CreateCampaign(ctx, &c)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.NotEqual(t, empty.ID, c.ID)
	got, err = s.Campaign(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, got)
	// A subscriber added later is not in the snapshot.
	addSub(t, s, "late@example.com", true)
	lease := t0.Add(time.Minute)
	ds, err := s.ClaimDeliveries(ctx, t0, lease, 10)
	require.NoError(t, err)
	require.Len(t, ds, 2)
	want := map[mailing.SubscriberID]mailing.Subscriber{a.ID: a, b.ID: b}
	for _, d := range ds {
		sub, ok := want[d.Subscriber]
		require.True(t, ok, "delivery to subscriber %d", d.Subscriber)
		assert.Equal(t, mailing.Delivery{ID: d.ID, Campaign: c.ID, Subscriber: sub.ID, Email: sub.Email, Name: sub.Name, Token: sub.Token,
			Status: mailing.DeliveryPending, NextAttempt: t0, LeaseUntil: lease}, d)
		delete(want, d.Subscriber)
	}
	// The first claim makes the campaign sending (CampaignStatus.Claimed).
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Pending)
	assert.Zero(t, r.Sent)
	assert.Zero(t, r.Failed)
	assert.Equal(t, mailing.CampaignSending, r.Campaign.Status)
	assert.Equal(t, t0, r.Campaign.Updated)
}

func campaignOf(t *testing.T, s mailing.Store, emails ...string) mailing.Campaign {
	t.Helper()
	for _, e := range emails {
		addSub(t, s, e, true)
	}
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	n, err := s.CreateCampaign(context.Background(), &c)
	require.NoError(t, err)
	require.Equal(t, len(emails), n)
	return c
}

func testClaimAndLease(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	campaignOf(t, s, "a@example.com", "b@example.com", "c@example.com")
	lease := t0.Add(time.Minute)
	// Not due before the campaign's time.
	ds, err := s.ClaimDeliveries(ctx, t0.Add(-time.Microsecond), lease, 10)
	require.NoError(t, err)
	assert.Empty(t, ds, "claimed before due")
	first, err := s.ClaimDeliveries(ctx, t0, lease, 2)
	require.NoError(t, err)
	require.Len(t, first, 2)
	second, err := s.ClaimDeliveries(ctx, t0, lease, 10)
	require.NoError(t, err)
	require.Len(t, second, 1)
	assert.NotContains(t, []mailing.DeliveryID{first[0].ID, first[1].ID}, second[0].ID)
	ds, err = s.ClaimDeliveries(ctx, lease.Add(-time.Microsecond), lease, 10)
	require.NoError(t, err)
	assert.Empty(t, ds, "leased rows claimed again before the lease ended")
	// Finish one; the lease of the others runs out and they come back.
	require.NoError(t, s.FinishDelivery(ctx, first[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0.Add(time.Second)}))
	again, err := s.ClaimDeliveries(ctx, lease, lease.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, again, 2)
	for _, d := range again {
		assert.NotEqual(t, first[0].ID, d.ID, "a sent delivery was claimed again")
	}
	// The old claim of a reclaimed row can no longer finish it.
	assert.ErrorIs(t, s.FinishDelivery(ctx, first[1], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: lease}), mailing.ErrNotHeld)
	// Nor can a finished claim finish it twice.
	assert.ErrorIs(t, s.FinishDelivery(ctx, first[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: lease}), mailing.ErrNotHeld)
	// Nor a claim that never was (no lease).
	unleased := again[0]
	unleased.LeaseUntil = time.Time{}
	assert.ErrorIs(t, s.FinishDelivery(ctx, unleased, mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: lease}), mailing.ErrNotHeld)
}

func testFinishOutcomes(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "ok@example.com", "retry@example.com", "bad@example.com")
	counts, err := s.DeliveryCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[mailing.DeliveryStatus]int{mailing.DeliveryPending: 3}, counts)
	ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, ds, 3)
	by := map[string]mailing.Delivery{}
	for _, d := range ds {
		by[d.Email] = d
		// A delivery carries the subscriber's name, for its To: header.
		assert.Equal(t, "name of "+d.Email, d.Name)
	}
	at := t0.Add(time.Second + time.Microsecond)
	next := t0.Add(time.Hour)
	require.NoError(t, s.FinishDelivery(ctx, by["ok@example.com"], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}))
	require.NoError(t, s.FinishDelivery(ctx, by["retry@example.com"], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: at, NextAttempt: next, Error: "451 try later"}))
	require.NoError(t, s.FinishDelivery(ctx, by["bad@example.com"], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: at, NextAttempt: at, Error: "connection reset"}))

	// The retry is not due before its time; the other one is.
	ds, err = s.ClaimDeliveries(ctx, at, at.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, "bad@example.com", ds[0].Email)
	assert.Equal(t, 1, ds[0].Attempts)
	assert.Equal(t, "connection reset", ds[0].LastError)
	assert.Equal(t, at, ds[0].NextAttempt)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryFailed, Attempted: true, At: at.Add(time.Second), Error: "550 no such user"}))

	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Pending)
	assert.Equal(t, 1, r.Sent)
	assert.Equal(t, 1, r.Failed)
	assert.Equal(t, mailing.CampaignSending, r.Campaign.Status)
	// The pending delivery whose attempt failed is listed with its last
	// error and when it is tried again.
	require.Len(t, r.Retrying, 1)
	assert.Equal(t, "retry@example.com", r.Retrying[0].Email)
	assert.Equal(t, "451 try later", r.Retrying[0].LastError)
	assert.Equal(t, next, r.Retrying[0].NextAttempt)
	assert.Equal(t, 1, r.Retrying[0].Attempts)
	require.Len(t, r.Failures, 1)
	f := r.Failures[0]
	assert.Equal(t, "bad@example.com", f.Email)
	assert.Equal(t, mailing.DeliveryFailed, f.Status)
	assert.Equal(t, 2, f.Attempts)
	assert.Equal(t, "550 no such user", f.LastError)
	assert.True(t, f.LeaseUntil.IsZero(), "a finished delivery holds no lease")
	assert.Equal(t, []mailing.AttemptError{{Attempt: 1, At: at, Error: "connection reset"}, {Attempt: 2, At: at.Add(time.Second), Error: "550 no such user"}}, f.Errors)

	// A release (no attempt) leaves the count and the errors alone.
	ds, err = s.ClaimDeliveries(ctx, next, next.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, "retry@example.com", ds[0].Email)
	assert.Equal(t, 1, ds[0].Attempts)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryPending, At: next, NextAttempt: next}))
	ds, err = s.ClaimDeliveries(ctx, next, next.Add(time.Minute), 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, 1, ds[0].Attempts)
	done := next.Add(time.Microsecond)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: done}))
	// The rule the Store states: the last finish settles the campaign
	// done, Updated at its time.
	r, err = s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Zero(t, r.Pending)
	assert.Equal(t, 2, r.Sent)
	assert.Equal(t, 1, r.Failed)
	assert.Equal(t, mailing.CampaignDone, r.Campaign.Status)
	assert.Equal(t, done, r.Campaign.Updated)
	assert.Empty(t, r.Retrying, "a sent delivery is not retrying")
	// The outbox's depth counts the deliveries by status.
	counts, err = s.DeliveryCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, counts[mailing.DeliveryPending])
	assert.Equal(t, 2, counts[mailing.DeliverySent])
	assert.Equal(t, 1, counts[mailing.DeliveryFailed])
}

func testCancelledCampaign(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "a@example.com", "b@example.com")
	cancelledAt := t0.Add(time.Minute + time.Microsecond)
	got, err := s.UpdateCampaign(ctx, c.ID, func(c *mailing.Campaign) error {
		c.Status, c.Updated = mailing.CampaignCancelled, cancelledAt
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, mailing.CampaignCancelled, got.Status)
	assert.Equal(t, cancelledAt, got.Updated)
	no := hanok.Errorf(hanok.Conflict, "no")
	_, err = s.UpdateCampaign(ctx, c.ID, func(c *mailing.Campaign) error {
		c.Status = mailing.CampaignDone
		return no
	})
	assert.ErrorIs(t, err, no)
	ds, err := s.ClaimDeliveries(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 10)
	require.NoError(t, err)
	assert.Empty(t, ds, "deliveries of a cancelled campaign claimed")
	got, err = s.Campaign(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, mailing.CampaignCancelled, got.Status, "after a failed update")
}

func testConcurrentClaims(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	const subs, claimers = 60, 6
	emails := make([]string, subs)
	for i := range emails {
		emails[i] = fmt.Sprintf("u%d@example.com", i)
	}
	campaignOf(t, s, emails...)
	var mu sync.Mutex
	seen := map[mailing.DeliveryID]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 3)
				if !assert.NoError(t, err) || len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, seen, subs, "deliveries claimed")
	for id, n := range seen {
		assert.Equal(t, 1, n, "claims of delivery %d", id)
	}
}

// Times come back equal to the microsecond, in UTC; a time with finer
// digits is kept at least to the microsecond.
func testTimes(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 987654000, time.UTC)
	sub := mailing.Subscriber{Email: "t@example.com", Name: "t", Subscribed: true, Token: tokenFor("t"), Created: at, Updated: at.Add(time.Microsecond)}
	require.NoError(t, s.CreateSubscriber(ctx, &sub))
	got, err := s.Subscriber(ctx, sub.ID)
	require.NoError(t, err)
	assert.Equal(t, at, got.Created)
	assert.Equal(t, at.Add(time.Microsecond), got.Updated)
	assert.Equal(t, time.UTC, got.Created.Location())
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: at, Updated: at}
	_, err = s.CreateCampaign(ctx, &c)
	require.NoError(t, err)
	lease := at.Add(time.Microsecond)
	ds, err := s.ClaimDeliveries(ctx, at, lease, 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.Equal(t, at, ds[0].NextAttempt)
	assert.Equal(t, lease, ds[0].LeaseUntil)
	assert.True(t, ds[0].Sent.IsZero())
	// A nanosecond-precise clock (time.Now) works too: the claim hands
	// back the lease as stored, and finishing with it matches.
	fine := at.Add(2*time.Second + 123*time.Nanosecond)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: at, NextAttempt: fine, Error: "later"}))
	ds, err = s.ClaimDeliveries(ctx, fine, fine.Add(time.Minute+time.Nanosecond), 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	assert.WithinDuration(t, fine, ds[0].NextAttempt, time.Microsecond)
	sentAt := at.Add(3 * time.Second)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: sentAt}))
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, sentAt, r.Campaign.Updated)
}

func testFailPending(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "a@example.com", "b@example.com")
	a, err := s.SubscriberByEmail(ctx, "a@example.com")
	require.NoError(t, err)
	b, err := s.SubscriberByEmail(ctx, "b@example.com")
	require.NoError(t, err)
	ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, a.ID, ds[0].Subscriber)
	// a's first attempt fails; its retry is pending.
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: t0, NextAttempt: t0, Error: "451 later"}))
	ds, err = s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, a.ID, ds[0].Subscriber)
	at := t0.Add(time.Second + time.Microsecond)
	n, err := s.FailPending(ctx, a.ID, at, "unsubscribed")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	// The claim in flight can no longer finish the row.
	assert.ErrorIs(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}), mailing.ErrNotHeld)
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Failed)
	assert.Equal(t, 1, r.Pending)
	assert.NotEqual(t, mailing.CampaignDone, r.Campaign.Status)
	require.Len(t, r.Failures, 1)
	f := r.Failures[0]
	assert.Equal(t, "unsubscribed", f.LastError)
	assert.Equal(t, 1, f.Attempts)
	assert.True(t, f.LeaseUntil.IsZero())
	assert.Equal(t, []mailing.AttemptError{{Attempt: 1, At: t0, Error: "451 later"}, {Attempt: 2, At: at, Error: "unsubscribed"}}, f.Errors)
	n, err = s.FailPending(ctx, a.ID, at, "again")
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = s.FailPending(ctx, 999, at, "x")
	require.NoError(t, err)
	assert.Zero(t, n)
	n, err = s.FailPending(ctx, b.ID, at, "unsubscribed")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	// The rule the Store states: the campaign left without a pending
	// delivery is done, Updated at.
	r, err = s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Failed)
	assert.Zero(t, r.Pending)
	assert.Equal(t, mailing.CampaignDone, r.Campaign.Status)
	assert.Equal(t, at, r.Campaign.Updated)
}

// testBounces: a subscriber's bounce fields round-trip through
// UpdateSubscriber; BounceDelivery keeps a report on one delivery (the
// later replacing the earlier), which CampaignReport lists; a delivery
// that does not exist is ErrDeliveryNotFound.
func testBounces(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "gone@example.com", "ok@example.com")
	gone, err := s.SubscriberByEmail(ctx, "gone@example.com")
	require.NoError(t, err)
	at := t0.Add(time.Hour + time.Microsecond)
	up, err := s.UpdateSubscriber(ctx, gone.ID, func(sub *mailing.Subscriber) error {
		sub.SoftBounces, sub.SoftSince = 2, t0.Add(time.Microsecond)
		sub.Bounce(at)
		return nil
	})
	require.NoError(t, err)
	got, err := s.Subscriber(ctx, gone.ID)
	require.NoError(t, err)
	assert.Equal(t, up, got)
	assert.Equal(t, at, got.Bounced)
	assert.Equal(t, 2, got.SoftBounces)
	assert.Equal(t, t0.Add(time.Microsecond), got.SoftSince)
	assert.Equal(t, mailing.SubscriberBounced, got.Status())
	list, err := s.Subscribers(ctx, mailing.SubscriberQuery{})
	require.NoError(t, err)
	assert.Equal(t, at, list[0].Bounced, "the list shows the bounce")

	soft := mailing.DeliveryBounce{Kind: mailing.BounceSoft, Status: "4.2.2", Detail: "mailbox full", At: t0.Add(time.Minute)}
	require.NoError(t, s.BounceDelivery(ctx, c.ID, gone.ID, soft))
	hard := mailing.DeliveryBounce{Kind: mailing.BounceHard, Status: "5.1.1", Detail: "smtp; 550 5.1.1 no such user", At: at}
	require.NoError(t, s.BounceDelivery(ctx, c.ID, gone.ID, hard))
	assert.ErrorIs(t, s.BounceDelivery(ctx, c.ID+100, gone.ID, hard), mailing.ErrDeliveryNotFound)
	assert.ErrorIs(t, s.BounceDelivery(ctx, c.ID, gone.ID+100, hard), mailing.ErrDeliveryNotFound)
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Bounced)
	require.Len(t, r.Bounces, 1)
	assert.Equal(t, "gone@example.com", r.Bounces[0].Email)
	assert.Equal(t, hard, r.Bounces[0].Bounce)
	assert.Equal(t, 2, r.Pending, "a bounce report leaves the delivery's status alone")
}

// testPendingAndConsent: Pending and the consent record round-trip
// through CreateSubscriber and UpdateSubscriber; a pending subscriber
// gets no campaign; DeletePending deletes the never-confirmed pending
// subscribers who subscribed before the time given, and no other.
func testPendingAndConsent(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	mk := func(email string, pending bool, subscribed time.Time) mailing.Subscriber {
		sub := mailing.Subscriber{Email: email, Name: "n", Subscribed: !pending, Pending: pending, Token: tokenFor(email), Created: subscribed, Updated: subscribed,
			Consent: mailing.Consent{Subscribed: subscribed, SubscribedFrom: "192.0.2.7"}}
		require.NoError(t, s.CreateSubscriber(ctx, &sub))
		return sub
	}
	old := mk("old@example.com", true, at(0))
	fresh := mk("fresh@example.com", true, at(time.Hour))
	active := mk("active@example.com", false, at(0))
	got, err := s.Subscriber(ctx, old.ID)
	require.NoError(t, err)
	assert.Equal(t, old, got)
	assert.Equal(t, mailing.SubscriberPending, got.Status())

	// A subscriber who confirmed once, unsubscribed and subscribed again
	// is pending but not deleted: its history stays.
	again := mk("again@example.com", false, at(0))
	want, err := s.UpdateSubscriber(ctx, again.ID, func(sub *mailing.Subscriber) error {
		sub.Confirm(at(time.Minute), "192.0.2.8")
		sub.Unsubscribe(at(2*time.Minute), "192.0.2.9")
		sub.Resubscribe("n2", at(3*time.Minute), "192.0.2.10", true)
		return nil
	})
	require.NoError(t, err)
	got, err = s.Subscriber(ctx, again.ID)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.Equal(t, mailing.Consent{Subscribed: at(3 * time.Minute), SubscribedFrom: "192.0.2.10", Confirmed: at(time.Minute), ConfirmedFrom: "192.0.2.8",
		Unsubscribed: at(2 * time.Minute), UnsubscribedFrom: "192.0.2.9"}, got.Consent)
	assert.True(t, got.Pending)

	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: at(2 * time.Hour), Updated: at(2 * time.Hour)}
	n, err := s.CreateCampaign(ctx, &c)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "pending subscribers get no campaign")

	n, err = s.DeletePending(ctx, at(30*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = s.Subscriber(ctx, old.ID)
	assert.ErrorIs(t, err, mailing.ErrSubscriberNotFound)
	for _, id := range []mailing.SubscriberID{fresh.ID, active.ID, again.ID} {
		_, err = s.Subscriber(ctx, id)
		assert.NoError(t, err)
	}
}

// testScheduleAndPause: a campaign's deliveries are due at its SendAt;
// a paused campaign's are not claimed, and claimed again once it is
// queued; CancelPending marks the pending ones cancelled (a leased one
// too: its claim can no longer finish it), which the report counts; a
// paused campaign whose last pending delivery finishes is done.
func testScheduleAndPause(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	addSub(t, s, "a@example.com", true)
	addSub(t, s, "b@example.com", true)
	sendAt := t0.Add(time.Hour + time.Microsecond)
	c := mailing.Campaign{Subject: "later", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0, SendAt: sendAt}
	_, err := s.CreateCampaign(ctx, &c)
	require.NoError(t, err)
	got, err := s.Campaign(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, sendAt, got.SendAt)
	ds, err := s.ClaimDeliveries(ctx, sendAt.Add(-time.Microsecond), sendAt.Add(time.Minute), 10)
	require.NoError(t, err)
	assert.Empty(t, ds, "claimed before send_at")

	pause := func(st mailing.CampaignStatus) {
		_, err := s.UpdateCampaign(ctx, c.ID, func(c *mailing.Campaign) error { c.Status = st; return nil })
		require.NoError(t, err)
	}
	pause(mailing.CampaignPaused)
	ds, err = s.ClaimDeliveries(ctx, sendAt, sendAt.Add(time.Minute), 10)
	require.NoError(t, err)
	assert.Empty(t, ds, "claimed while paused")
	pause(mailing.CampaignQueued)
	ds, err = s.ClaimDeliveries(ctx, sendAt, sendAt.Add(time.Minute), 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: sendAt}))

	// A paused campaign whose last pending delivery finishes is done.
	ds, err = s.ClaimDeliveries(ctx, sendAt, sendAt.Add(time.Minute), 1)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	pause(mailing.CampaignPaused)
	done := sendAt.Add(time.Second)
	require.NoError(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: done}))
	got, err = s.Campaign(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, mailing.CampaignDone, got.Status)

	// Cancelling: the pending rows, leased or not, are cancelled.
	c2 := mailing.Campaign{Subject: "cancel me", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	_, err = s.CreateCampaign(ctx, &c2)
	require.NoError(t, err)
	leased, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 1)
	require.NoError(t, err)
	require.Len(t, leased, 1)
	_, err = s.UpdateCampaign(ctx, c2.ID, func(c *mailing.Campaign) error { c.Status = mailing.CampaignCancelled; return nil })
	require.NoError(t, err)
	n, err := s.CancelPending(ctx, c2.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.ErrorIs(t, s.FinishDelivery(ctx, leased[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0}), mailing.ErrNotHeld)
	r, err := s.CampaignReport(ctx, c2.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, r.Cancelled)
	assert.Zero(t, r.Pending)
	assert.Equal(t, mailing.CampaignCancelled, r.Campaign.Status)
	counts, err := s.DeliveryCounts(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, counts[mailing.DeliveryCancelled])
}

// testFinishGroups: FinishDeliveries stores each finish of a group as
// FinishDelivery would, a finish of a claim no longer held or of an
// unknown delivery failing alone; groups written from many goroutines
// at once settle the campaign when the last pending delivery is done,
// at that finish's time.
func testFinishGroups(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	const n = 60
	for i := range n {
		addSub(t, s, fmt.Sprintf("g%02d@example.com", i), true)
	}
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	_, err := s.CreateCampaign(ctx, &c)
	require.NoError(t, err)
	lease := t0.Add(time.Hour)
	ds, err := s.ClaimDeliveries(ctx, t0, lease, n)
	require.NoError(t, err)
	require.Len(t, ds, n)

	// One group: sent, retried with an error, a stale lease, an unknown
	// delivery, failed.
	at := t0.Add(time.Minute)
	stale := ds[2]
	stale.LeaseUntil = lease.Add(time.Second)
	unknown := ds[3]
	unknown.ID += 1_000_000
	errs := s.FinishDeliveries(ctx, []mailing.Finish{
		{Delivery: ds[0], Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}},
		{Delivery: ds[1], Outcome: mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: at, NextAttempt: at.Add(time.Minute), Error: "451 later"}},
		{Delivery: stale, Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}},
		{Delivery: unknown, Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}},
		{Delivery: ds[4], Outcome: mailing.Outcome{Status: mailing.DeliveryFailed, Attempted: true, At: at, Error: "550 no such user"}},
	})
	require.Len(t, errs, 5)
	assert.NoError(t, errs[0])
	assert.NoError(t, errs[1])
	assert.ErrorIs(t, errs[2], mailing.ErrNotHeld)
	assert.ErrorIs(t, errs[3], mailing.ErrDeliveryNotFound)
	assert.NoError(t, errs[4])
	r, err := s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Sent)
	assert.Equal(t, 1, r.Failed)
	assert.Equal(t, n-2, r.Pending)
	require.Len(t, r.Retrying, 1)
	assert.Equal(t, ds[1].Email, r.Retrying[0].Email)
	assert.Equal(t, "451 later", r.Retrying[0].LastError)
	assert.Empty(t, s.FinishDeliveries(ctx, nil), "an empty group")

	// The rest (but the retried one, and the one finished above twice)
	// in groups of five from many goroutines at once; the last of them
	// settles the campaign.
	rest := []mailing.Delivery{ds[2], ds[3]}
	rest = append(rest, ds[5:]...)
	done := t0.Add(2 * time.Minute)
	var wg sync.WaitGroup
	all := make([][]error, 0, len(rest)/5+1)
	var mu sync.Mutex
	for i := 0; i < len(rest); i += 5 {
		group := rest[i:min(i+5, len(rest))]
		wg.Go(func() {
			fs := make([]mailing.Finish, len(group))
			for j, d := range group {
				fs[j] = mailing.Finish{Delivery: d, Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: done}}
			}
			errs := s.FinishDeliveries(ctx, fs)
			mu.Lock()
			all = append(all, errs)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, errs := range all {
		for _, err := range errs {
			assert.NoError(t, err)
		}
	}
	r, err = s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, n-2, r.Sent)
	assert.Equal(t, 1, r.Pending, "the retried one")
	assert.Equal(t, mailing.CampaignSending, r.Campaign.Status)

	ds, err = s.ClaimDeliveries(ctx, at.Add(time.Minute), lease.Add(time.Hour), n)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	last := t0.Add(3 * time.Minute)
	errs = s.FinishDeliveries(ctx, []mailing.Finish{{Delivery: ds[0], Outcome: mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: last}}})
	require.Len(t, errs, 1)
	require.NoError(t, errs[0])
	r, err = s.CampaignReport(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, n-1, r.Sent)
	assert.Zero(t, r.Pending)
	assert.Equal(t, mailing.CampaignDone, r.Campaign.Status)
	assert.Equal(t, last, r.Campaign.Updated, "settled at the last finish's time")
}
