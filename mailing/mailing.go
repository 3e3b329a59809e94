// Package mailing is a mailing list: subscribers, campaigns (one mail to
// every active subscriber), and the delivery pipeline that sends them.
//
// Creating a campaign snapshots the active subscribers into one Delivery
// row each, in one transaction, so what was promised is stored before the
// call returns. A Dispatcher then works through the due deliveries with a
// pool of workers: each claims rows with a lease (a row whose lease runs
// out unfinished is claimed again, so a crash loses nothing), sends them
// through the Transport its recipient's domain is routed to, and marks
// them sent, schedules a retry with exponential backoff (temporary
// failures), or marks them failed (permanent failures, or too many
// attempts). Every message carries a Message-ID derived from its
// (campaign, subscriber) pair, so a duplicate left by a crash between
// "sent" and "marked sent" can be recognised, and the List-Unsubscribe
// headers of RFC 8058.
//
// Persistence is behind the Store interface, implemented by
// storage/memory, storage/sqlite and storage/postgres and checked by the
// conformance suite in mailing/mailingtest. The HTTP adapter is
// adapters/mailinghttp.
package mailing

import (
	"context"
	"time"
)

// SubscriberID identifies a subscriber.
type SubscriberID int64

// CampaignID identifies a campaign.
type CampaignID int64

// DeliveryID identifies one delivery (one campaign to one subscriber).
type DeliveryID int64

// Subscriber is one address on the list. A cancelled subscriber keeps its
// row with Subscribed false.
type Subscriber struct {
	ID SubscriberID
	// Email is stored trimmed; it is unique compared case-insensitively.
	Email string
	Name  string
	// Subscribed is false once the subscriber has unsubscribed.
	Subscribed bool
	// Token is the secret of the subscriber's unsubscribe link (a UUID).
	Token   string
	Created time.Time
	Updated time.Time
	// Bounced is when the address was found dead (a hard bounce, or too
	// many soft ones): it is then no longer Subscribed. Zero otherwise.
	Bounced time.Time
	// SoftBounces counts the soft bounces since SoftSince, the start of
	// the current window (see Subscriber.SoftBounce).
	SoftBounces int
	SoftSince   time.Time
	// Pending is true from a subscription under confirmed opt-in until
	// its confirmation: a pending subscriber is not Subscribed.
	Pending bool
	// Consent is the record of the subscriber's consent.
	Consent Consent
}

// SubscriberQuery asks for a part of the subscriber list, which is
// ordered by id: the subscribers whose id is above After (0: from the
// first), at most Limit of them (0: no bound). The zero query is the
// whole list.
type SubscriberQuery struct {
	After SubscriberID
	Limit int
}

// Consent is when, and from which client address, a subscriber last
// subscribed, confirmed and unsubscribed (zero and empty for never): what
// a regulator or an unsubscribe dispute asks for. The address is the
// client's IP address, or what acted instead ("abuse report").
type Consent struct {
	Subscribed       time.Time
	SubscribedFrom   string
	Confirmed        time.Time
	ConfirmedFrom    string
	Unsubscribed     time.Time
	UnsubscribedFrom string
}

// CampaignStatus is where a campaign is in its life.
type CampaignStatus string

// The campaign statuses.
const (
	// CampaignQueued: created, no delivery claimed yet.
	CampaignQueued CampaignStatus = "queued"
	// CampaignSending: some deliveries are claimed or finished, some pending.
	CampaignSending CampaignStatus = "sending"
	// CampaignDone: no delivery is pending any more.
	CampaignDone CampaignStatus = "done"
	// CampaignCancelled: cancelled; its pending deliveries are marked
	// cancelled, not sent.
	CampaignCancelled CampaignStatus = "cancelled"
	// CampaignPaused: paused; no delivery of it is claimed until it is
	// resumed.
	CampaignPaused CampaignStatus = "paused"
)

// Campaign is one mail sent to every subscriber active when it was created
// (one "send" of the original service).
type Campaign struct {
	ID      CampaignID
	Subject string
	// Text is the plain-text body; HTML an optional alternative.
	Text    string
	HTML    string
	Status  CampaignStatus
	Created time.Time
	Updated time.Time
	// SendAt, if set, is when the campaign's deliveries are first due
	// (zero: at Created).
	SendAt time.Time
}

// DeliveryStatus is the state of one delivery.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
	// DeliveryCancelled: not sent, its campaign was cancelled first.
	DeliveryCancelled DeliveryStatus = "cancelled"
)

// Delivery is one campaign's mail to one subscriber: the outbox row the
// dispatcher claims, sends and finishes.
type Delivery struct {
	ID         DeliveryID
	Campaign   CampaignID
	Subscriber SubscriberID
	// Email, Name and Token are the subscriber's address, name and
	// unsubscribe token when the campaign was created.
	Email  string
	Name   string
	Token  string
	Status DeliveryStatus
	// Attempts counts the sends tried and finished (a send cut off by a
	// crash is not counted).
	Attempts int
	// NextAttempt is when the row is due.
	NextAttempt time.Time
	// LeaseUntil is the end of the current claim (zero when unclaimed).
	// A claim is identified by it: finishing a row needs the LeaseUntil
	// its claim set.
	LeaseUntil time.Time
	LastError  string
	// Sent is when the message was accepted (zero unless sent).
	Sent time.Time
	// Errors are the errors of every failed attempt, oldest first; only
	// filled by Store.CampaignReport.
	Errors []AttemptError
	// Bounce is the report received about the message after it was sent
	// (a bounce or a complaint); zero if none.
	Bounce DeliveryBounce
}

// DeliveryBounce is what a bounce or complaint said about one delivery.
type DeliveryBounce struct {
	Kind BounceKind
	// Status is the enhanced status code (RFC 3463), such as "5.1.1".
	Status string
	// Detail is the diagnostic the reporting server gave.
	Detail string
	At     time.Time
}

// AttemptError is the error of one failed attempt of a delivery.
type AttemptError struct {
	Attempt int
	At      time.Time
	Error   string
}

// Outcome is how a claimed delivery ends: what FinishDelivery stores.
type Outcome struct {
	// Status is the new status: DeliverySent, DeliveryFailed, or
	// DeliveryPending for a retry (or a release without an attempt).
	Status DeliveryStatus
	// Attempted counts an attempt (false for a release).
	Attempted bool
	// At is when the attempt finished.
	At time.Time
	// NextAttempt is when a pending row is due again.
	NextAttempt time.Time
	// Error is the attempt's error, kept in the row's history ("" for none).
	Error string
}

// Report is the state of a campaign's deliveries.
type Report struct {
	Campaign  Campaign
	Pending   int
	Sent      int
	Failed    int
	Cancelled int
	// Failures are the failed deliveries with every attempt's error.
	Failures []Delivery
	// Bounced counts the deliveries a bounce or complaint was received
	// for, and Bounces lists them by id with their DeliveryBounce.
	Bounced int
	Bounces []Delivery
	// Retrying are the pending deliveries whose last attempt failed, by
	// id, each with its LastError and NextAttempt (Errors not filled).
	Retrying []Delivery
}

// Store is the persistence of the mailing list. Stores keep data and
// return the errors of errors.go; the rules are the Service's, the
// Dispatcher's and rules.go's (which the stores call inside their
// transactions). The few rules that run in SQL over many rows are stated
// here, on the method that applies them, and mailingtest checks them.
type Store interface {
	// CreateSubscriber stores s and sets its ID. A subscriber whose
	// EmailKey equals another's is ErrEmailTaken; one whose token is
	// another's ErrTokenTaken.
	CreateSubscriber(ctx context.Context, s *Subscriber) error
	// Subscriber returns the subscriber of id (ErrSubscriberNotFound if
	// none; so do the other lookups).
	Subscriber(ctx context.Context, id SubscriberID) (Subscriber, error)
	// SubscriberByEmail finds a subscriber by email, compared by EmailKey.
	SubscriberByEmail(ctx context.Context, email string) (Subscriber, error)
	// SubscriberByToken finds a subscriber by unsubscribe token.
	SubscriberByToken(ctx context.Context, token string) (Subscriber, error)
	// UpdateSubscriber runs fn on the subscriber of id inside a
	// transaction and stores the result unless fn fails (whose error is
	// returned). Every field but ID, Email and Created is stored.
	UpdateSubscriber(ctx context.Context, id SubscriberID, fn func(*Subscriber) error) (Subscriber, error)
	// Subscribers lists the subscribers, cancelled ones too, by id: those
	// whose id is above q.After, at most q.Limit of them (every one when
	// q.Limit is 0). The zero query lists every subscriber.
	Subscribers(ctx context.Context, q SubscriberQuery) ([]Subscriber, error)
	// DeletePending deletes the pending subscribers who never confirmed
	// and subscribed before before (Consent.Subscribed), with their
	// deliveries, and returns how many.
	DeletePending(ctx context.Context, before time.Time) (int, error)
	// DeleteSubscriber deletes the subscriber of id with its deliveries.
	// Rule in SQL: every queued or sending campaign left without a
	// pending delivery becomes done (CampaignStatus.Settled), its
	// Updated unchanged.
	DeleteSubscriber(ctx context.Context, id SubscriberID) error
	// DeleteSubscribers deletes every subscriber and their deliveries and
	// returns how many subscribers there were; campaigns are settled as
	// by DeleteSubscriber.
	DeleteSubscribers(ctx context.Context) (int, error)

	// CreateCampaign stores c, sets its ID and, in the same transaction,
	// adds one pending delivery, due at c.SendAt (c.Created if zero), for every subscriber
	// subscribed at that moment (with its email, name and token), and gives c the status
	// c.Status.Settled(deliveries). It returns the number of deliveries.
	CreateCampaign(ctx context.Context, c *Campaign) (int, error)
	// Campaign returns the campaign of id (ErrCampaignNotFound if none).
	Campaign(ctx context.Context, id CampaignID) (Campaign, error)
	// UpdateCampaign runs fn on the campaign of id in a transaction and
	// stores its Status and Updated unless fn fails.
	// CancelPending marks every pending delivery of campaign c
	// cancelled (a leased one too: its claim can then no longer finish
	// it) and returns how many.
	CancelPending(ctx context.Context, c CampaignID) (int, error)
	UpdateCampaign(ctx context.Context, id CampaignID, fn func(*Campaign) error) (Campaign, error)
	// CampaignReport counts the campaign's deliveries by status, lists
	// the failed ones with their errors, the pending ones with a last
	// error (Report.Retrying) and the bounced ones (Report.Bounces).
	CampaignReport(ctx context.Context, id CampaignID) (Report, error)
	// BounceDelivery records b on the delivery of campaign c to
	// subscriber s (ErrDeliveryNotFound if there is none); a later report
	// replaces an earlier one.
	BounceDelivery(ctx context.Context, c CampaignID, s SubscriberID, b DeliveryBounce) error
	// DeliveryCounts counts every campaign's deliveries by status: the
	// outbox's depth.
	DeliveryCounts(ctx context.Context) (map[DeliveryStatus]int, error)

	// ClaimDeliveries claims up to limit pending deliveries that are due
	// at now, unleased (LeaseUntil at or before now) and not of a
	// cancelled or paused campaign, oldest due first, setting their LeaseUntil to
	// leaseUntil; a campaign with a claimed delivery takes the status
	// CampaignStatus.Claimed. A delivery is claimed by one caller only
	// until its lease ends.
	ClaimDeliveries(ctx context.Context, now, leaseUntil time.Time, limit int) ([]Delivery, error)
	// FailPending marks every pending delivery of the subscriber failed
	// with the error msg at at (a leased one too: its claim can then no
	// longer finish it), keeps msg as the error of the attempt that was
	// not made (number Attempts+1), and returns how many deliveries it
	// failed. Rule in SQL: the campaigns left without a pending delivery
	// become done (CampaignStatus.Settled), Updated at.
	FailPending(ctx context.Context, id SubscriberID, at time.Time, msg string) (int, error)
	// FinishDelivery stores the outcome of the claim of d (d.ID with the
	// d.LeaseUntil its claim set): the status, the next attempt, the
	// attempt and its error, and clears the lease. A delivery no longer
	// held by that claim (finished, or claimed again after its lease ran
	// out) is ErrNotHeld and is left as it is; an unknown one
	// ErrDeliveryNotFound. Rule in SQL: when no delivery of the campaign
	// is pending any more, the campaign becomes done
	// (CampaignStatus.Settled), Updated o.At.
	FinishDelivery(ctx context.Context, d Delivery, o Outcome) error
	// FinishDeliveries stores several outcomes, each as FinishDelivery
	// would, and returns their errors in the same order, nil exactly
	// for those stored: a finish that is ErrNotHeld or
	// ErrDeliveryNotFound fails alone; after any other error, the
	// finishes not stored fail with it. A store that can writes them in
	// one transaction: a Dispatcher records its workers' sends in these
	// groups.
	FinishDeliveries(ctx context.Context, fs []Finish) []error
}

// Finish is the outcome of the claim of a delivery: one item of
// Store.FinishDeliveries.
type Finish struct {
	Delivery Delivery
	Outcome  Outcome
	// MoreHeld says that the caller holds other claimed deliveries of
	// the same campaign, which it has yet to finish or give back: the
	// campaign still has a pending delivery, and the store need not
	// look whether it is done.
	MoreHeld bool
}
