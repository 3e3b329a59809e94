package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hanok-dev/hanok/mailing"
)

// MailingStore is the in-memory mailing.Store.
type MailingStore struct {
	mu          sync.Mutex
	nextSub     mailing.SubscriberID
	nextCamp    mailing.CampaignID
	nextDel     mailing.DeliveryID
	subscribers map[mailing.SubscriberID]mailing.Subscriber
	campaigns   map[mailing.CampaignID]mailing.Campaign
	deliveries  map[mailing.DeliveryID]*mailing.Delivery
	// order is the delivery ids in creation order.
	order []mailing.DeliveryID
	// pending counts each campaign's pending deliveries.
	pending map[mailing.CampaignID]int
}

var _ mailing.Store = (*MailingStore)(nil)

// Mailing returns the database's mailing store.
func (db *DB) Mailing() *MailingStore {
	return db.store("mailing", func() any {
		return &MailingStore{
			subscribers: map[mailing.SubscriberID]mailing.Subscriber{},
			campaigns:   map[mailing.CampaignID]mailing.Campaign{},
			deliveries:  map[mailing.DeliveryID]*mailing.Delivery{},
			pending:     map[mailing.CampaignID]int{},
		}
	}).(*MailingStore)
}

func (s *MailingStore) byKey(key string) (mailing.Subscriber, bool) {
	for _, sub := range s.subscribers {
		if mailing.EmailKey(sub.Email) == key {
			return sub, true
		}
	}
	return mailing.Subscriber{}, false
}

// CreateSubscriber implements mailing.Store.
func (s *MailingStore) CreateSubscriber(ctx context.Context, sub *mailing.Subscriber) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byKey(mailing.EmailKey(sub.Email)); ok {
		return mailing.ErrEmailTaken
	}
	for _, o := range s.subscribers {
		if o.Token == sub.Token {
			return mailing.ErrTokenTaken
		}
	}
	s.nextSub++
	sub.ID = s.nextSub
	s.subscribers[sub.ID] = *sub
	return nil
}

// Subscriber implements mailing.Store.
func (s *MailingStore) Subscriber(ctx context.Context, id mailing.SubscriberID) (mailing.Subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.subscribers[id]
	if !ok {
		return mailing.Subscriber{}, mailing.ErrSubscriberNotFound
	}
	return sub, nil
}

// SubscriberByEmail implements mailing.Store.
func (s *MailingStore) SubscriberByEmail(ctx context.Context, email string) (mailing.Subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub, ok := s.byKey(mailing.EmailKey(email))
	if !ok {
		return mailing.Subscriber{}, mailing.ErrSubscriberNotFound
	}
	return sub, nil
}

// SubscriberByToken implements mailing.Store.
func (s *MailingStore) SubscriberByToken(ctx context.Context, token string) (mailing.Subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sub := range s.subscribers {
		if sub.Token == token {
			return sub, nil
		}
	}
	return mailing.Subscriber{}, mailing.ErrSubscriberNotFound
}

// UpdateSubscriber implements mailing.Store.
func (s *MailingStore) UpdateSubscriber(ctx context.Context, id mailing.SubscriberID, fn func(*mailing.Subscriber) error) (mailing.Subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.subscribers[id]
	if !ok {
		return mailing.Subscriber{}, mailing.ErrSubscriberNotFound
	}
	sub := old
	if err := fn(&sub); err != nil {
		return mailing.Subscriber{}, err
	}
	if sub.Token != old.Token {
		for oid, o := range s.subscribers {
			if oid != id && o.Token == sub.Token {
				return mailing.Subscriber{}, mailing.ErrTokenTaken
			}
		}
	}
	old.Name, old.Subscribed, old.Token, old.Updated = sub.Name, sub.Subscribed, sub.Token, sub.Updated
	old.Bounced, old.SoftBounces, old.SoftSince = sub.Bounced, sub.SoftBounces, sub.SoftSince
	old.Pending, old.Consent = sub.Pending, sub.Consent
	s.subscribers[id] = old
	return old, nil
}

// DeletePending implements mailing.Store.
func (s *MailingStore) DeletePending(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, sub := range s.subscribers {
		if sub.Pending && sub.Consent.Confirmed.IsZero() && sub.Consent.Subscribed.Before(before) {
			delete(s.subscribers, id)
			s.dropDeliveries(func(d *mailing.Delivery) bool { return d.Subscriber == id })
			n++
		}
	}
	return n, nil
}

// Subscribers implements mailing.Store.
func (s *MailingStore) Subscribers(ctx context.Context, q mailing.SubscriberQuery) ([]mailing.Subscriber, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]mailing.Subscriber, 0, len(s.subscribers))
	for _, sub := range s.subscribers {
		if sub.ID > q.After {
			out = append(out, sub)
		}
	}
	slices.SortFunc(out, func(a, b mailing.Subscriber) int { return cmp.Compare(a.ID, b.ID) })
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// DeleteSubscriber implements mailing.Store.
func (s *MailingStore) DeleteSubscriber(ctx context.Context, id mailing.SubscriberID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subscribers[id]; !ok {
		return mailing.ErrSubscriberNotFound
	}
	delete(s.subscribers, id)
	s.dropDeliveries(func(d *mailing.Delivery) bool { return d.Subscriber == id })
	return nil
}

// DeleteSubscribers implements mailing.Store.
func (s *MailingStore) DeleteSubscribers(ctx context.Context) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.subscribers)
	clear(s.subscribers)
	s.dropDeliveries(func(*mailing.Delivery) bool { return true })
	return n, nil
}

// dropDeliveries deletes the deliveries drop selects and settles the
// campaigns that no longer have a pending one.
func (s *MailingStore) dropDeliveries(drop func(*mailing.Delivery) bool) {
	touched := map[mailing.CampaignID]bool{}
	s.order = slices.DeleteFunc(s.order, func(id mailing.DeliveryID) bool {
		d := s.deliveries[id]
		if !drop(d) {
			return false
		}
		touched[d.Campaign] = true
		if d.Status == mailing.DeliveryPending {
			s.pending[d.Campaign]--
		}
		delete(s.deliveries, id)
		return true
	})
	for c := range touched {
		s.settle(c, time.Time{})
	}
}

// CreateCampaign implements mailing.Store.
func (s *MailingStore) CreateCampaign(ctx context.Context, c *mailing.Campaign) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextCamp++
	c.ID = s.nextCamp
	subs := make([]mailing.Subscriber, 0, len(s.subscribers))
	for _, sub := range s.subscribers {
		if sub.Subscribed {
			subs = append(subs, sub)
		}
	}
	slices.SortFunc(subs, func(a, b mailing.Subscriber) int { return int(a.ID - b.ID) })
	due := c.Created
	if !c.SendAt.IsZero() {
		due = c.SendAt
	}
	for _, sub := range subs {
		s.nextDel++
		s.deliveries[s.nextDel] = &mailing.Delivery{
			ID: s.nextDel, Campaign: c.ID, Subscriber: sub.ID, Email: sub.Email, Name: sub.Name, Token: sub.Token,
			Status: mailing.DeliveryPending, NextAttempt: due,
		}
		s.order = append(s.order, s.nextDel)
	}
	s.pending[c.ID] = len(subs)
	c.Status = c.Status.Settled(len(subs))
	s.campaigns[c.ID] = *c
	return len(subs), nil
}

// Campaign implements mailing.Store.
func (s *MailingStore) Campaign(ctx context.Context, id mailing.CampaignID) (mailing.Campaign, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.campaigns[id]
	if !ok {
		return mailing.Campaign{}, mailing.ErrCampaignNotFound
	}
	return c, nil
}

// UpdateCampaign implements mailing.Store.
func (s *MailingStore) UpdateCampaign(ctx context.Context, id mailing.CampaignID, fn func(*mailing.Campaign) error) (mailing.Campaign, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.campaigns[id]
	if !ok {
		return mailing.Campaign{}, mailing.ErrCampaignNotFound
	}
	c := old
	if err := fn(&c); err != nil {
		return mailing.Campaign{}, err
	}
	old.Status, old.Updated = c.Status, c.Updated
	s.campaigns[id] = old
	return old, nil
}

// CampaignReport implements mailing.Store.
func (s *MailingStore) CampaignReport(ctx context.Context, id mailing.CampaignID) (mailing.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.campaigns[id]
	if !ok {
		return mailing.Report{}, mailing.ErrCampaignNotFound
	}
	r := mailing.Report{Campaign: c}
	for _, did := range s.order {
		d := s.deliveries[did]
		if d.Campaign != id {
			continue
		}
		if d.Bounce.Kind != "" {
			r.Bounced++
			cp := *d
			cp.Errors = nil
			r.Bounces = append(r.Bounces, cp)
		}
		switch d.Status {
		case mailing.DeliveryPending:
			r.Pending++
			if d.LastError != "" {
				cp := *d
				cp.Errors = nil
				r.Retrying = append(r.Retrying, cp)
			}
		case mailing.DeliverySent:
			r.Sent++
		case mailing.DeliveryCancelled:
			r.Cancelled++
		case mailing.DeliveryFailed:
			r.Failed++
			cp := *d
			cp.Errors = slices.Clone(d.Errors)
			r.Failures = append(r.Failures, cp)
		}
	}
	return r, nil
}

// BounceDelivery implements mailing.Store.
func (s *MailingStore) BounceDelivery(ctx context.Context, c mailing.CampaignID, sub mailing.SubscriberID, b mailing.DeliveryBounce) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.deliveries {
		if d.Campaign == c && d.Subscriber == sub {
			d.Bounce = b
			return nil
		}
	}
	return mailing.ErrDeliveryNotFound
}

// CancelPending implements mailing.Store.
func (s *MailingStore) CancelPending(ctx context.Context, c mailing.CampaignID) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, d := range s.deliveries {
		if d.Campaign == c && d.Status == mailing.DeliveryPending {
			d.Status, d.LeaseUntil = mailing.DeliveryCancelled, time.Time{}
			n++
		}
	}
	s.pending[c] -= n
	return n, nil
}

// ClaimDeliveries implements mailing.Store.
func (s *MailingStore) ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]mailing.Delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var due []*mailing.Delivery
	for _, id := range s.order {
		d := s.deliveries[id]
		if d.Status != mailing.DeliveryPending || d.NextAttempt.After(now) || d.LeaseUntil.After(now) {
			continue
		}
		if st := s.campaigns[d.Campaign].Status; st == mailing.CampaignCancelled || st == mailing.CampaignPaused {
			continue
		}
		due = append(due, d)
	}
	slices.SortStableFunc(due, func(a, b *mailing.Delivery) int { return a.NextAttempt.Compare(b.NextAttempt) })
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]mailing.Delivery, 0, len(due))
	for _, d := range due {
		d.LeaseUntil = leaseUntil
		if c := s.campaigns[d.Campaign]; c.Status.Claimed() != c.Status {
			c.Status, c.Updated = c.Status.Claimed(), now
			s.campaigns[d.Campaign] = c
		}
		cp := *d
		cp.Errors = nil
		out = append(out, cp)
	}
	return out, nil
}

// FailPending implements mailing.Store.
func (s *MailingStore) FailPending(ctx context.Context, id mailing.SubscriberID, at time.Time, msg string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, did := range s.order {
		d := s.deliveries[did]
		if d.Subscriber != id || d.Status != mailing.DeliveryPending {
			continue
		}
		d.Status, d.LeaseUntil, d.LastError = mailing.DeliveryFailed, time.Time{}, msg
		d.Errors = append(d.Errors, mailing.AttemptError{Attempt: d.Attempts + 1, At: at, Error: msg})
		s.pending[d.Campaign]--
		s.settle(d.Campaign, at)
		n++
	}
	return n, nil
}

// FinishDelivery implements mailing.Store.
func (s *MailingStore) FinishDelivery(ctx context.Context, d mailing.Delivery, o mailing.Outcome) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.finish(d, o)
}

// FinishDeliveries implements mailing.Store, under one hold of the lock.
func (s *MailingStore) FinishDeliveries(ctx context.Context, fs []mailing.Finish) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make([]error, len(fs))
	for i, f := range fs {
		errs[i] = s.finish(f.Delivery, f.Outcome)
	}
	return errs
}

// finish records the outcome o of the claim of d; s.mu is held.
func (s *MailingStore) finish(d mailing.Delivery, o mailing.Outcome) error {
	cur, ok := s.deliveries[d.ID]
	if !ok {
		return mailing.ErrDeliveryNotFound
	}
	if cur.Status != mailing.DeliveryPending || cur.LeaseUntil.IsZero() || !cur.LeaseUntil.Equal(d.LeaseUntil) {
		return mailing.ErrNotHeld
	}
	if o.Status != mailing.DeliveryPending {
		s.pending[cur.Campaign]--
	}
	cur.Status = o.Status
	cur.LeaseUntil = time.Time{}
	if o.Attempted {
		cur.Attempts++
	}
	if o.Status == mailing.DeliveryPending {
		cur.NextAttempt = o.NextAttempt
	}
	if o.Status == mailing.DeliverySent {
		cur.Sent = o.At
	}
	if o.Error != "" {
		cur.LastError = o.Error
		cur.Errors = append(cur.Errors, mailing.AttemptError{Attempt: cur.Attempts, At: o.At, Error: o.Error})
	}
	s.settle(cur.Campaign, o.At)
	return nil
}

// settle gives campaign id the status its pending count calls for
// (CampaignStatus.Settled).
func (s *MailingStore) settle(id mailing.CampaignID, now time.Time) {
	c, ok := s.campaigns[id]
	if !ok || c.Status.Settled(s.pending[id]) == c.Status {
		return
	}
	c.Status = c.Status.Settled(s.pending[id])
	if !now.IsZero() {
		c.Updated = now
	}
	s.campaigns[id] = c
}

// DeliveryCounts implements mailing.Store.
func (s *MailingStore) DeliveryCounts(context.Context) (map[mailing.DeliveryStatus]int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[mailing.DeliveryStatus]int{}
	for _, d := range s.deliveries {
		out[d.Status]++
	}
	return out, nil
}
