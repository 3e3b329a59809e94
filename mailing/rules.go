package mailing

import (
	"cmp"
	"errors"
	"slices"
	"time"
)

// The life of a campaign, decided here and nowhere else:
//
//	queued ──first claim──▶ sending ──no delivery pending──▶ done
//	   │  ▲                    │                              ▲
//	   │  └─resume── paused ◀──┴─pause  (paused: no claim;    │
//	   │  pause──────▶  │        no delivery pending ─────────┘)
//	   └──────── cancel ┴──────┴──▶ cancelled
//
// A campaign created with no active subscriber is done at once. A
// resumed campaign is queued until its next claim. Cancelling marks its
// pending deliveries cancelled. The
// stores apply these rules inside their transactions; where one must run
// in SQL over many rows (settling the campaigns left without a pending
// delivery when subscribers are deleted or unsubscribe), the Store
// method's doc states it and mailingtest checks it on every store.

// Claimed is the status of a campaign of status s once one of its
// deliveries has been claimed: queued becomes sending.
func (s CampaignStatus) Claimed() CampaignStatus {
	if s == CampaignQueued {
		return CampaignSending
	}
	return s
}

// Settled is the status of a campaign of status s with pending
// deliveries still pending: a queued, sending or paused campaign with
// none is done.
func (s CampaignStatus) Settled(pending int) CampaignStatus {
	if pending == 0 && (s == CampaignQueued || s == CampaignSending || s == CampaignPaused) {
		return CampaignDone
	}
	return s
}

// Pause returns the status of a paused campaign of status s:
// ErrCampaignDone, ErrCampaignCancelled or ErrCampaignPaused when it
// cannot be paused.
func (s CampaignStatus) Pause() (CampaignStatus, error) {
	switch s {
	case CampaignDone:
		return s, ErrCampaignDone
	case CampaignCancelled:
		return s, ErrCampaignCancelled
	case CampaignPaused:
		return s, ErrCampaignPaused
	}
	return CampaignPaused, nil
}

// Resume returns the status of a resumed campaign of status s (queued
// until its next claim), or ErrCampaignNotPaused.
func (s CampaignStatus) Resume() (CampaignStatus, error) {
	if s != CampaignPaused {
		return s, ErrCampaignNotPaused
	}
	return CampaignQueued, nil
}

// Cancel returns the status of a cancelled campaign of status s, or
// ErrCampaignDone or ErrCampaignCancelled when it cannot be cancelled.
func (s CampaignStatus) Cancel() (CampaignStatus, error) {
	switch s {
	case CampaignDone:
		return s, ErrCampaignDone
	case CampaignCancelled:
		return s, ErrCampaignCancelled
	}
	return CampaignCancelled, nil
}

// SubscriberStatus is where a subscriber is, derived from its fields
// (Subscriber.Status).
type SubscriberStatus string

// The subscriber statuses.
const (
	// SubscriberActive: subscribed; gets every campaign.
	SubscriberActive SubscriberStatus = "active"
	// SubscriberPending: subscribed under confirmed opt-in, not yet
	// confirmed; gets no campaign, and expires unconfirmed.
	SubscriberPending SubscriberStatus = "pending"
	// SubscriberUnsubscribed: unsubscribed (or complained).
	SubscriberUnsubscribed SubscriberStatus = "unsubscribed"
	// SubscriberBounced: the address is dead (a hard bounce, or
	// Config.SoftBounceLimit soft ones within Config.SoftBounceWindow).
	SubscriberBounced SubscriberStatus = "bounced"
)

// Status is the subscriber's status. Only an active subscriber gets
// campaigns; subscribing again makes a bounced or unsubscribed one
// active (and forgets its bounces).
func (s Subscriber) Status() SubscriberStatus {
	switch {
	case s.Subscribed:
		return SubscriberActive
	case s.Pending:
		return SubscriberPending
	case !s.Bounced.IsZero():
		return SubscriberBounced
	}
	return SubscriberUnsubscribed
}

// The bounces of a subscriber, decided here:
//
//	hard bounce ───────────────────────────────▶ bounced
//	soft bounce ── limit-th within the window ──▶ bounced
//	complaint ─────────────────────────────────▶ unsubscribed
//
// The window is fixed: it starts with the first soft bounce after the
// previous window ended, and the count starts again with it.

// SoftBounce counts a soft bounce at at in s's window of length window
// and reports whether it makes limit or more: the address is then to be
// bounced.
func (s *Subscriber) SoftBounce(at time.Time, window time.Duration, limit int) bool {
	if s.SoftSince.IsZero() || at.Sub(s.SoftSince) >= window {
		s.SoftSince, s.SoftBounces = at, 0
	}
	s.SoftBounces++
	return s.SoftBounces >= limit
}

// Bounce marks s bounced at at: it gets no more campaigns.
func (s *Subscriber) Bounce(at time.Time) {
	s.Subscribed, s.Pending, s.Bounced, s.Updated = false, false, at, at
}

// Resubscribe subscribes s again at at from the client address from:
// active, or pending when confirm (confirmed opt-in); its bounces are
// forgotten.
func (s *Subscriber) Resubscribe(name string, at time.Time, from string, confirm bool) {
	s.Subscribed, s.Pending, s.Name, s.Updated = !confirm, confirm, name, at
	s.Bounced, s.SoftBounces, s.SoftSince = time.Time{}, 0, time.Time{}
	s.Consent.Subscribed, s.Consent.SubscribedFrom = at, from
}

// Confirm makes a pending s active at at, confirmed from the client
// address from.
func (s *Subscriber) Confirm(at time.Time, from string) {
	s.Subscribed, s.Pending, s.Updated = true, false, at
	s.Consent.Confirmed, s.Consent.ConfirmedFrom = at, from
}

// Unsubscribe ends s's subscription (active or pending) at at, asked
// from from.
func (s *Subscriber) Unsubscribe(at time.Time, from string) {
	s.Subscribed, s.Pending, s.Updated = false, false, at
	s.Consent.Unsubscribed, s.Consent.UnsubscribedFrom = at, from
}

// Expired reports whether s is pending since longer than ttl at now.
func (s Subscriber) Expired(now time.Time, ttl time.Duration) bool {
	return s.Pending && now.Sub(s.Consent.Subscribed) > ttl
}

// WriteGroup is the part of a store's FinishDeliveries that runs inside
// its write transaction: the rules of a group, in one place. It records
// each finish of fs with finish, which returns the delivery's campaign,
// in the order of the delivery ids (the order in which a store that
// locks rows takes the locks), and sets errs[i] (len(errs) == len(fs))
// to the error of fs[i]. A finish that is ErrNotHeld or
// ErrDeliveryNotFound fails alone; any other error is returned at once,
// for the store to roll back and fail them all. Then it settles, with
// settle, each campaign of which the group sent or failed a delivery (a
// delivery pending again leaves its campaign as it was, and so does a
// group whose every finish of the campaign says MoreHeld): once, at the
// latest of those finishes' times, in the order of the campaign ids.
func WriteGroup(fs []Finish, errs []error, finish func(Finish) (CampaignID, error), settle func(c CampaignID, at time.Time) error) error {
	order := make([]int, len(fs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(fs[a].Delivery.ID, fs[b].Delivery.ID) })
	type settling struct {
		id   CampaignID
		at   time.Time
		look bool
	}
	var done []settling
	for _, i := range order {
		c, err := finish(fs[i])
		errs[i] = err
		switch {
		case errors.Is(err, ErrNotHeld) || errors.Is(err, ErrDeliveryNotFound):
		case err != nil:
			return err
		case fs[i].Outcome.Status != DeliveryPending:
			at, look := fs[i].Outcome.At, !fs[i].MoreHeld
			if k := slices.IndexFunc(done, func(s settling) bool { return s.id == c }); k < 0 {
				done = append(done, settling{c, at, look})
			} else {
				if at.After(done[k].at) {
					done[k].at = at
				}
				done[k].look = done[k].look || look
			}
		}
	}
	slices.SortFunc(done, func(a, b settling) int { return cmp.Compare(a.id, b.id) })
	for _, s := range done {
		if !s.look {
			continue
		}
		if err := settle(s.id, s.at); err != nil {
			return err
		}
	}
	return nil
}
