package auction

import (
	"fmt"
	"time"

	"github.com/hanok-dev/hanok"
)

// The auction's state rules, decided here once. Stores run them inside
// their write transactions (through UpdateCar and PlaceBid), so a rule is
// checked against the state the write will change, and no store holds a
// copy of one.

// Approve opens c's auction from start to end. Only a waiting car may be
// approved.
func (c *Car) Approve(start, end time.Time) error {
	if c.Status != StatusWaiting {
		return hanok.Errorf(hanok.Conflict, "car %d is not waiting for approval (it is %s)", c.ID, c.Status)
	}
	c.Status, c.AuctionStart, c.AuctionEnd = StatusOngoing, start, end
	return nil
}

// CheckBid decides whether bidder may bid amount on c at the time at, given
// the bidder's current bid prev (nil if none): a car the bidder may not
// read (see CanRead) does not exist for it, the owner may not bid, the
// car must be in an ongoing auction, and a raised bid must be higher than
// the one it replaces.
func CheckBid(c *Car, bidder hanok.Actor, prev *Bid, amount int64, at time.Time) error {
	switch {
	case amount <= 0 || amount > MaxBid:
		return hanok.FieldError("amount", fmt.Sprintf("must be a whole number of 만원 from 1 to %d", MaxBid))
	case !CanRead(bidder, c):
		return carNotFound(c.ID, nil)
	case c.Owner == bidder.ID:
		return hanok.Errorf(hanok.Forbidden, "the owner of car %d may not bid on it", c.ID)
	case c.StatusAt(at) != StatusOngoing:
		return hanok.Errorf(hanok.Conflict, "car %d is not in an ongoing auction", c.ID)
	case prev != nil && amount <= prev.Amount:
		return hanok.Errorf(hanok.Conflict, "your bid is already %d만원; a new bid must be higher", prev.Amount)
	}
	return nil
}

// Accept sells c to the bidder of b at the time at: b must be a bid on c,
// and c's auction must have ended and not be sold yet.
func (c *Car) Accept(b *Bid, at time.Time) error {
	switch status := c.StatusAt(at); {
	case b.Car != c.ID:
		return hanok.Errorf(hanok.Conflict, "bid %d is not a bid on car %d", b.ID, c.ID)
	case status == StatusSold:
		return hanok.Errorf(hanok.Conflict, "car %d is already sold", c.ID)
	case status != StatusEnd:
		return hanok.Errorf(hanok.Conflict, "the auction of car %d has not ended", c.ID)
	}
	c.Status, c.Buyer, c.SoldBid = StatusSold, b.Bidder, b.ID
	return nil
}
