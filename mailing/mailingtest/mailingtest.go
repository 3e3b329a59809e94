// Package mailingtest is the conformance suite of mailing.Store: every
// store runs RunStoreTests from one _test.go file, so all stores behave
// alike. The suite asserts hanok error codes only.
package mailingtest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storetest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// RunStoreTests runs the suite against the stores mk makes.
func RunStoreTests(t *testing.T, mk storetest.Maker[mailing.Store]) {
	tests := []struct {
		name string
		fn   func(*testing.T, mailing.Store)
	}{
		{"Subscribers", testSubscribers},
		{"UpdateSubscriber", testUpdateSubscriber},
		{"DeleteSubscribers", testDeleteSubscribers},
		{"UnknownIDs", testUnknownIDs},
		{"CampaignSnapshot", testCampaignSnapshot},
		{"ClaimAndLease", testClaimAndLease},
		{"FinishOutcomes", testFinishOutcomes},
		{"CancelledCampaign", testCancelledCampaign},
		{"FailPending", testFailPending},
		{"ConcurrentClaimsAreExclusive", testConcurrentClaims},
		{"TimesRoundTrip", testTimes},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := mk(t)
			tc.fn(t, h.Store)
		})
	}
}

func addSub(t *testing.T, s mailing.Store, email string, subscribed bool) mailing.Subscriber {
	t.Helper()
	sub := mailing.Subscriber{Email: email, Name: "name of " + email, Subscribed: subscribed, Token: tokenFor(email), Created: t0, Updated: t0}
	if err := s.CreateSubscriber(context.Background(), &sub); err != nil {
		t.Fatalf("CreateSubscriber(%s): %v", email, err)
	}
	if sub.ID <= 0 {
		t.Fatalf("CreateSubscriber(%s) set id %d", email, sub.ID)
	}
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
	storetest.WantCode(t, s.CreateSubscriber(ctx, &dup), hanok.Conflict)

	got, err := s.Subscriber(ctx, a.ID)
	if err != nil || got != a {
		t.Fatalf("Subscriber = %+v, %v; want %+v", got, err, a)
	}
	got, err = s.SubscriberByEmail(ctx, "ALICE@example.COM")
	if err != nil || got.ID != a.ID || got.Email != "Alice@Example.com" {
		t.Fatalf("SubscriberByEmail = %+v, %v", got, err)
	}
	got, err = s.SubscriberByToken(ctx, b.Token)
	if err != nil || got.ID != b.ID || got.Subscribed {
		t.Fatalf("SubscriberByToken = %+v, %v", got, err)
	}
	_, err = s.SubscriberByEmail(ctx, "nobody@example.com")
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.SubscriberByToken(ctx, tokenFor("nobody"))
	storetest.WantCode(t, err, hanok.NotFound)

	list, err := s.Subscribers(ctx)
	if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1] != b {
		t.Fatalf("Subscribers = %+v, %v", list, err)
	}
}

func testUpdateSubscriber(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	a := addSub(t, s, "a@example.com", true)
	later := t0.Add(time.Hour)
	got, err := s.UpdateSubscriber(ctx, a.ID, func(sub *mailing.Subscriber) error {
		if !sub.Subscribed || sub.Email != "a@example.com" {
			t.Errorf("fn sees %+v", sub)
		}
		sub.Subscribed, sub.Name, sub.Updated = false, "renamed", later
		return nil
	})
	if err != nil || got.Subscribed || got.Name != "renamed" || !got.Updated.Equal(later) || !got.Created.Equal(t0) {
		t.Fatalf("UpdateSubscriber = %+v, %v", got, err)
	}
	// A failing fn stores nothing and its error comes back.
	_, err = s.UpdateSubscriber(ctx, a.ID, func(sub *mailing.Subscriber) error {
		sub.Name = "lost"
		return hanok.Errorf(hanok.Conflict, "no")
	})
	storetest.WantCode(t, err, hanok.Conflict)
	again, _ := s.Subscriber(ctx, a.ID)
	if again.Name != "renamed" || again.Subscribed {
		t.Fatalf("failed update changed the row: %+v", again)
	}
}

func testDeleteSubscribers(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	a := addSub(t, s, "a@example.com", true)
	addSub(t, s, "b@example.com", true)
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	if n, err := s.CreateCampaign(ctx, &c); err != nil || n != 2 {
		t.Fatalf("CreateCampaign = %d, %v", n, err)
	}
	if err := s.DeleteSubscriber(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, s.DeleteSubscriber(ctx, a.ID), hanok.NotFound)
	_, err := s.Subscriber(ctx, a.ID)
	storetest.WantCode(t, err, hanok.NotFound)
	r, err := s.CampaignReport(ctx, c.ID)
	if err != nil || r.Pending != 1 {
		t.Fatalf("after deleting a subscriber: %+v, %v (its delivery must go with it)", r, err)
	}
	n, err := s.DeleteSubscribers(ctx)
	if err != nil || n != 1 {
		t.Fatalf("DeleteSubscribers = %d, %v", n, err)
	}
	if list, _ := s.Subscribers(ctx); len(list) != 0 {
		t.Fatalf("subscribers left: %+v", list)
	}
	r, _ = s.CampaignReport(ctx, c.ID)
	if r.Pending != 0 || r.Campaign.Status != mailing.CampaignDone {
		t.Fatalf("campaign after deleting everyone: %+v", r)
	}
	if n, err := s.DeleteSubscribers(ctx); err != nil || n != 0 {
		t.Fatalf("DeleteSubscribers of none = %d, %v", n, err)
	}
	// The email is free again.
	addSub(t, s, "a@example.com", true)
}

func testUnknownIDs(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	_, err := s.Subscriber(ctx, 999)
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.UpdateSubscriber(ctx, 999, func(*mailing.Subscriber) error { t.Error("fn called"); return nil })
	storetest.WantCode(t, err, hanok.NotFound)
	storetest.WantCode(t, s.DeleteSubscriber(ctx, 999), hanok.NotFound)
	_, err = s.Campaign(ctx, 999)
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.UpdateCampaign(ctx, 999, func(*mailing.Campaign) error { t.Error("fn called"); return nil })
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.CampaignReport(ctx, 999)
	storetest.WantCode(t, err, hanok.NotFound)
	err = s.FinishDelivery(ctx, mailing.Delivery{ID: 999, LeaseUntil: t0}, mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0})
	storetest.WantCode(t, err, hanok.NotFound)
}

func testCampaignSnapshot(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	// No active subscriber: the campaign is done at once.
	empty := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	if n, err := s.CreateCampaign(ctx, &empty); err != nil || n != 0 || empty.ID <= 0 {
		t.Fatalf("CreateCampaign of none = %d, %v, id %d", n, err, empty.ID)
	}
	if c, _ := s.Campaign(ctx, empty.ID); c.Status != mailing.CampaignDone {
		t.Fatalf("empty campaign status %q, want done", c.Status)
	}

	a := addSub(t, s, "a@example.com", true)
	addSub(t, s, "gone@example.com", false)
	b := addSub(t, s, "b@example.com", true)
	c := mailing.Campaign{Subject: "hello", Text: "body\nline", HTML: "<p>x</p>", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	n, err := s.CreateCampaign(ctx, &c)
	if err != nil || n != 2 || c.ID <= 0 || c.ID == empty.ID {
		t.Fatalf("CreateCampaign = %d, %v, %+v", n, err, c)
	}
	got, err := s.Campaign(ctx, c.ID)
	if err != nil || got.Subject != "hello" || got.Text != "body\nline" || got.HTML != "<p>x</p>" || got.Status != mailing.CampaignQueued || !got.Created.Equal(t0) {
		t.Fatalf("Campaign = %+v, %v", got, err)
	}
	// A subscriber added later is not in the snapshot.
	addSub(t, s, "late@example.com", true)
	ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 10)
	if err != nil || len(ds) != 2 {
		t.Fatalf("ClaimDeliveries = %+v, %v", ds, err)
	}
	want := map[mailing.SubscriberID]mailing.Subscriber{a.ID: a, b.ID: b}
	for _, d := range ds {
		sub, ok := want[d.Subscriber]
		if !ok || d.Email != sub.Email || d.Token != sub.Token || d.Campaign != c.ID || d.Status != mailing.DeliveryPending || d.Attempts != 0 || !d.NextAttempt.Equal(t0) || !d.LeaseUntil.Equal(t0.Add(time.Minute)) {
			t.Errorf("delivery %+v", d)
		}
		delete(want, d.Subscriber)
	}
	r, err := s.CampaignReport(ctx, c.ID)
	if err != nil || r.Pending != 2 || r.Sent != 0 || r.Failed != 0 || r.Campaign.Status != mailing.CampaignSending {
		t.Fatalf("report %+v, %v", r, err)
	}
}

func campaignOf(t *testing.T, s mailing.Store, emails ...string) mailing.Campaign {
	t.Helper()
	for _, e := range emails {
		addSub(t, s, e, true)
	}
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: t0, Updated: t0}
	if n, err := s.CreateCampaign(context.Background(), &c); err != nil || n != len(emails) {
		t.Fatalf("CreateCampaign = %d, %v", n, err)
	}
	return c
}

func testClaimAndLease(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	campaignOf(t, s, "a@example.com", "b@example.com", "c@example.com")
	lease := t0.Add(time.Minute)
	// Not due before the campaign's time.
	if ds, err := s.ClaimDeliveries(ctx, t0.Add(-time.Second), lease, 10); err != nil || len(ds) != 0 {
		t.Fatalf("claim before due = %+v, %v", ds, err)
	}
	first, err := s.ClaimDeliveries(ctx, t0, lease, 2)
	if err != nil || len(first) != 2 {
		t.Fatalf("claim 2 = %+v, %v", first, err)
	}
	second, err := s.ClaimDeliveries(ctx, t0, lease, 10)
	if err != nil || len(second) != 1 || second[0].ID == first[0].ID || second[0].ID == first[1].ID {
		t.Fatalf("second claim = %+v, %v", second, err)
	}
	if ds, _ := s.ClaimDeliveries(ctx, t0.Add(30*time.Second), lease, 10); len(ds) != 0 {
		t.Fatalf("leased rows claimed again before the lease ended: %+v", ds)
	}
	// Finish one; the lease of the others runs out and they come back.
	if err := s.FinishDelivery(ctx, first[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	again, err := s.ClaimDeliveries(ctx, lease, lease.Add(time.Minute), 10)
	if err != nil || len(again) != 2 {
		t.Fatalf("claim after the lease = %+v, %v", again, err)
	}
	for _, d := range again {
		if d.ID == first[0].ID {
			t.Fatalf("a sent delivery was claimed again")
		}
	}
	// The old claim of a reclaimed row can no longer finish it.
	storetest.WantCode(t, s.FinishDelivery(ctx, first[1], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: lease}), hanok.Conflict)
	// Nor can a finished claim finish it twice.
	storetest.WantCode(t, s.FinishDelivery(ctx, first[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: lease}), hanok.Conflict)
}

func testFinishOutcomes(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "ok@example.com", "retry@example.com", "bad@example.com")
	if counts, err := s.DeliveryCounts(ctx); err != nil || counts[mailing.DeliveryPending] != 3 || len(counts) != 1 {
		t.Fatalf("DeliveryCounts of a new campaign = %v, %v", counts, err)
	}
	ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 10)
	if err != nil || len(ds) != 3 {
		t.Fatalf("claim = %+v, %v", ds, err)
	}
	by := map[string]mailing.Delivery{}
	for _, d := range ds {
		by[d.Email] = d
	}
	at := t0.Add(time.Second)
	next := t0.Add(time.Hour)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.FinishDelivery(ctx, by["ok@example.com"], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}))
	must(s.FinishDelivery(ctx, by["retry@example.com"], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: at, NextAttempt: next, Error: "451 try later"}))
	must(s.FinishDelivery(ctx, by["bad@example.com"], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: at, NextAttempt: at, Error: "connection reset"}))

	// The retry is not due before its time; the other one is.
	ds, _ = s.ClaimDeliveries(ctx, at, at.Add(time.Minute), 10)
	if len(ds) != 1 || ds[0].Email != "bad@example.com" || ds[0].Attempts != 1 || ds[0].LastError != "connection reset" {
		t.Fatalf("claim at %v = %+v", at, ds)
	}
	must(s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryFailed, Attempted: true, At: at.Add(time.Second), Error: "550 no such user"}))

	r, err := s.CampaignReport(ctx, c.ID)
	if err != nil || r.Pending != 1 || r.Sent != 1 || r.Failed != 1 || r.Campaign.Status != mailing.CampaignSending {
		t.Fatalf("report = %+v, %v", r, err)
	}
	f := r.Failures[0]
	if f.Email != "bad@example.com" || f.Status != mailing.DeliveryFailed || f.Attempts != 2 || f.LastError != "550 no such user" || len(f.Errors) != 2 ||
		f.Errors[0].Error != "connection reset" || f.Errors[0].Attempt != 1 || !f.Errors[0].At.Equal(at) || f.Errors[1].Error != "550 no such user" || f.Errors[1].Attempt != 2 {
		t.Fatalf("failure = %+v", f)
	}

	// A release (no attempt) leaves the count and the errors alone.
	ds, _ = s.ClaimDeliveries(ctx, next, next.Add(time.Minute), 10)
	if len(ds) != 1 || ds[0].Email != "retry@example.com" || ds[0].Attempts != 1 {
		t.Fatalf("claim at next = %+v", ds)
	}
	must(s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryPending, At: next, NextAttempt: next}))
	ds, _ = s.ClaimDeliveries(ctx, next, next.Add(time.Minute), 10)
	if len(ds) != 1 || ds[0].Attempts != 1 {
		t.Fatalf("claim after release = %+v", ds)
	}
	must(s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: next}))
	r, _ = s.CampaignReport(ctx, c.ID)
	if r.Pending != 0 || r.Sent != 2 || r.Failed != 1 || r.Campaign.Status != mailing.CampaignDone {
		t.Fatalf("final report = %+v", r)
	}
	// The outbox's depth counts the deliveries by status.
	counts, err := s.DeliveryCounts(ctx)
	if err != nil || counts[mailing.DeliveryPending] != 0 || counts[mailing.DeliverySent] != 2 || counts[mailing.DeliveryFailed] != 1 {
		t.Fatalf("DeliveryCounts = %v, %v", counts, err)
	}
}

func testCancelledCampaign(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "a@example.com", "b@example.com")
	got, err := s.UpdateCampaign(ctx, c.ID, func(c *mailing.Campaign) error {
		c.Status, c.Updated = mailing.CampaignCancelled, t0.Add(time.Minute)
		return nil
	})
	if err != nil || got.Status != mailing.CampaignCancelled || !got.Updated.Equal(t0.Add(time.Minute)) {
		t.Fatalf("UpdateCampaign = %+v, %v", got, err)
	}
	_, err = s.UpdateCampaign(ctx, c.ID, func(c *mailing.Campaign) error {
		c.Status = mailing.CampaignDone
		return hanok.Errorf(hanok.Conflict, "no")
	})
	storetest.WantCode(t, err, hanok.Conflict)
	if ds, _ := s.ClaimDeliveries(ctx, t0.Add(time.Hour), t0.Add(2*time.Hour), 10); len(ds) != 0 {
		t.Fatalf("deliveries of a cancelled campaign claimed: %+v", ds)
	}
	if got, _ := s.Campaign(ctx, c.ID); got.Status != mailing.CampaignCancelled {
		t.Fatalf("status %q after a failed update", got.Status)
	}
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
				if err != nil {
					t.Error(err)
					return
				}
				if len(ds) == 0 {
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
	if len(seen) != subs {
		t.Fatalf("%d deliveries claimed, want %d", len(seen), subs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times", id, n)
		}
	}
}

func testTimes(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.UTC)
	sub := mailing.Subscriber{Email: "t@example.com", Name: "t", Subscribed: true, Token: tokenFor("t"), Created: at, Updated: at}
	if err := s.CreateSubscriber(ctx, &sub); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Subscriber(ctx, sub.ID)
	if !got.Created.Equal(at) || got.Created.Location() != time.UTC {
		t.Fatalf("created %v, want %v in UTC", got.Created, at)
	}
	c := mailing.Campaign{Subject: "s", Text: "t", Status: mailing.CampaignQueued, Created: at, Updated: at}
	if _, err := s.CreateCampaign(ctx, &c); err != nil {
		t.Fatal(err)
	}
	ds, _ := s.ClaimDeliveries(ctx, at, at.Add(time.Nanosecond), 1)
	if len(ds) != 1 || !ds[0].NextAttempt.Equal(at) || !ds[0].LeaseUntil.Equal(at.Add(time.Nanosecond)) {
		t.Fatalf("claimed %+v", ds)
	}
	if err := s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}); err != nil {
		t.Fatal(err)
	}
}

func testFailPending(t *testing.T, s mailing.Store) {
	ctx := context.Background()
	c := campaignOf(t, s, "a@example.com", "b@example.com")
	a, _ := s.SubscriberByEmail(ctx, "a@example.com")
	b, _ := s.SubscriberByEmail(ctx, "b@example.com")
	ds, err := s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 1)
	if err != nil || len(ds) != 1 || ds[0].Subscriber != a.ID {
		t.Fatalf("claim = %+v, %v", ds, err)
	}
	// a's first attempt fails; its retry is pending.
	if err := s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliveryPending, Attempted: true, At: t0, NextAttempt: t0, Error: "451 later"}); err != nil {
		t.Fatal(err)
	}
	ds, _ = s.ClaimDeliveries(ctx, t0, t0.Add(time.Minute), 1)
	if len(ds) != 1 || ds[0].Subscriber != a.ID {
		t.Fatalf("reclaim = %+v", ds)
	}
	at := t0.Add(time.Second)
	if n, err := s.FailPending(ctx, a.ID, at, "unsubscribed"); err != nil || n != 1 {
		t.Fatalf("FailPending = %d, %v", n, err)
	}
	// The claim in flight can no longer finish the row.
	storetest.WantCode(t, s.FinishDelivery(ctx, ds[0], mailing.Outcome{Status: mailing.DeliverySent, Attempted: true, At: at}), hanok.Conflict)
	r, _ := s.CampaignReport(ctx, c.ID)
	if r.Failed != 1 || r.Pending != 1 || r.Campaign.Status == mailing.CampaignDone {
		t.Fatalf("report %+v", r)
	}
	f := r.Failures[0]
	if f.LastError != "unsubscribed" || f.Attempts != 1 || len(f.Errors) != 2 || f.Errors[0].Error != "451 later" || f.Errors[1].Attempt != 2 || f.Errors[1].Error != "unsubscribed" {
		t.Fatalf("failure %+v", f)
	}
	if n, err := s.FailPending(ctx, a.ID, at, "again"); err != nil || n != 0 {
		t.Fatalf("FailPending of none = %d, %v", n, err)
	}
	if n, err := s.FailPending(ctx, 999, at, "x"); err != nil || n != 0 {
		t.Fatalf("FailPending of an unknown subscriber = %d, %v", n, err)
	}
	if n, err := s.FailPending(ctx, b.ID, at, "unsubscribed"); err != nil || n != 1 {
		t.Fatalf("FailPending(b) = %d, %v", n, err)
	}
	r, _ = s.CampaignReport(ctx, c.ID)
	if r.Failed != 2 || r.Pending != 0 || r.Campaign.Status != mailing.CampaignDone {
		t.Fatalf("report after failing every one %+v", r)
	}
}
