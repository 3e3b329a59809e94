package auction

import (
	"fmt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
)

// The errors of the auction's stores, declared once: every Store returns
// these (wrapped with %w where context helps) and never words a miss of
// its own. The Service says which one was missed, in words of its own
// (such as "car 7 not found"), with the store's error as the cause, so
// errors.Is sees it through both.
var (
	// ErrBrandNotFound is a brand name or id that no brand has.
	ErrBrandNotFound = &hanok.Error{Code: hanok.NotFound, Message: "brand not found"}
	// ErrModelNotFound is a model id that no model has (CreateCars).
	ErrModelNotFound = &hanok.Error{Code: hanok.NotFound, Message: "model not found"}
	// ErrCarNotFound is a car id that no car has.
	ErrCarNotFound = &hanok.Error{Code: hanok.NotFound, Message: "car not found"}
	// ErrBidNotFound is a bid id that no bid has, or a bidder without a
	// bid on a car (BidOf).
	ErrBidNotFound = &hanok.Error{Code: hanok.NotFound, Message: "bid not found"}
	// ErrMediaNotFound is a media name that no stored file has
	// (MediaStore.Open).
	ErrMediaNotFound = &hanok.Error{Code: hanok.NotFound, Message: "media file not found"}
	// ErrUserNotFound is an owner or bidder who is no user of the
	// database: auth's own error, for one word across both domains.
	ErrUserNotFound = auth.ErrUserNotFound
)

// carNotFound is the service's answer about car id that the actor may not
// see or that does not exist, with the store's error (if any) as cause.
func carNotFound(id CarID, cause error) error {
	if cause == nil {
		cause = ErrCarNotFound
	}
	return &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("car %d not found", id), Err: cause}
}
