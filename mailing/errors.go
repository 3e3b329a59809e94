package mailing

import (
	"fmt"

	"github.com/hanok-dev/hanok"
)

// The errors of the mailing list, declared once: the stores return them
// (wrapped with %w where context helps) and the Service words what a
// client reads around them; callers test them with errors.Is.
var (
	// ErrSubscriberNotFound: no subscriber has the id, email or token.
	ErrSubscriberNotFound = &hanok.Error{Code: hanok.NotFound, Message: "subscriber not found"}
	// ErrCampaignNotFound: no campaign has the id.
	ErrCampaignNotFound = &hanok.Error{Code: hanok.NotFound, Message: "campaign not found"}
	// ErrDeliveryNotFound: no delivery has the id.
	ErrDeliveryNotFound = &hanok.Error{Code: hanok.NotFound, Message: "delivery not found"}
	// ErrEmailTaken: another subscriber has the email (compared with
	// EmailKey).
	ErrEmailTaken = &hanok.Error{Code: hanok.Conflict, Message: "email already on the list", Fields: map[string]string{"email": "is already on the list"}}
	// ErrTokenTaken: another subscriber has the unsubscribe token.
	ErrTokenTaken = &hanok.Error{Code: hanok.Conflict, Message: "unsubscribe token in use"}
	// ErrNotHeld: the delivery is no longer held by the claim finishing
	// it (finished already, failed by an unsubscribe, or claimed again
	// after its lease ran out).
	ErrNotHeld = &hanok.Error{Code: hanok.Conflict, Message: "delivery is no longer held by this claim"}
	// ErrCampaignDone: a done campaign cannot be cancelled.
	ErrCampaignDone = &hanok.Error{Code: hanok.Conflict, Message: "campaign is done"}
	// ErrCampaignCancelled: the campaign is already cancelled.
	ErrCampaignCancelled = &hanok.Error{Code: hanok.Conflict, Message: "campaign is already cancelled"}
	// ErrUnknownLink: an unsubscribe link whose token names no
	// subscriber.
	ErrUnknownLink = &hanok.Error{Code: hanok.NotFound, Message: "unknown unsubscribe link"}
	// ErrTooManySubscriptions: the client's address has spent its
	// budget of subscriptions (Config.Throttle); the error returned
	// wraps it with the RetryAfter.
	ErrTooManySubscriptions = &hanok.Error{Code: hanok.RateLimited, Message: "too many subscriptions from this address; try again later"}
	// ErrNotAdmin: an admin action asked by someone who is not the
	// list's administrator (the admin token's holder or a superuser).
	ErrNotAdmin = &hanok.Error{Code: hanok.Forbidden, Message: "only the mailing list's administrator may do this"}
	// ErrBounceKind: a bounce whose kind is not hard, soft or
	// complaint.
	ErrBounceKind = &hanok.Error{Code: hanok.Invalid, Message: "type must be hard, soft or complaint", Fields: map[string]string{"type": "must be hard, soft or complaint"}}
	// ErrNothingToConfirm: a confirmation link of a subscriber who is
	// not pending (it unsubscribed since).
	ErrNothingToConfirm = &hanok.Error{Code: hanok.Conflict, Message: "this subscription is not awaiting confirmation"}
	// ErrConfirmExpired: a confirmation link followed after the
	// subscription expired; subscribing again sends a new one.
	ErrConfirmExpired = &hanok.Error{Code: hanok.NotFound, Message: "this confirmation link has expired; please subscribe again"}
	// ErrCampaignPaused: the campaign is already paused.
	ErrCampaignPaused = &hanok.Error{Code: hanok.Conflict, Message: "campaign is already paused"}
	// ErrCampaignNotPaused: only a paused campaign can be resumed.
	ErrCampaignNotPaused = &hanok.Error{Code: hanok.Conflict, Message: "campaign is not paused"}
	// ErrBadListAfter: a page of the subscriber list asked after
	// something that is not a subscriber's id (a positive integer).
	ErrBadListAfter = &hanok.Error{Code: hanok.Invalid, Message: "min_id must be a subscriber id (a positive integer)",
		Fields: map[string]string{"min_id": "must be a subscriber id (a positive integer)"}}
	// ErrBadListLimit: a page of the subscriber list whose size is not
	// 1 to MaxListLimit.
	ErrBadListLimit = &hanok.Error{Code: hanok.Invalid, Message: fmt.Sprintf("limit must be an integer from 1 to %d", MaxListLimit),
		Fields: map[string]string{"limit": fmt.Sprintf("must be an integer from 1 to %d", MaxListLimit)}}
	// ErrNoTestSender: test sends need a transport (Config.Tester).
	ErrNoTestSender = &hanok.Error{Code: hanok.Unavailable, Message: "test sends are not available: no mail transport"}
)
