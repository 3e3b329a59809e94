package mailing_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/mailing"
)

// Soft bounces count within a fixed window: the limit-th within it
// bounces the address; one after the window starts a new count.
func TestSoftBounceWindow(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	week := 7 * 24 * time.Hour
	var s mailing.Subscriber
	assert.False(t, s.SoftBounce(t0, week, 3))
	assert.False(t, s.SoftBounce(t0.Add(time.Hour), week, 3))
	// The window is over: counting starts again.
	assert.False(t, s.SoftBounce(t0.Add(week), week, 3))
	assert.Equal(t, 1, s.SoftBounces)
	assert.Equal(t, t0.Add(week), s.SoftSince)
	assert.False(t, s.SoftBounce(t0.Add(week+time.Hour), week, 3))
	assert.True(t, s.SoftBounce(t0.Add(week+2*time.Hour), week, 3))
	s.Subscribed = true
	s.Bounce(t0.Add(week + 2*time.Hour))
	assert.Equal(t, mailing.SubscriberBounced, s.Status())
	s.Resubscribe("new name", t0.Add(2*week), "192.0.2.1", false)
	assert.Equal(t, mailing.SubscriberActive, s.Status())
	assert.Zero(t, s.SoftBounces)
	assert.True(t, s.Bounced.IsZero())
}

func TestKindOfStatus(t *testing.T) {
	for status, want := range map[string]mailing.BounceKind{"5.1.1": mailing.BounceHard, "4.2.2": mailing.BounceSoft, " 5.0.0 ": mailing.BounceHard, "4.7.1": mailing.BounceSoft} {
		got, ok := mailing.KindOfStatus(status)
		assert.True(t, ok, status)
		assert.Equal(t, want, got, status)
	}
	for _, bad := range []string{"", "2.0.0", "5.1", "550", "5.x.1", "6.1.1", "5.1.1.1"} {
		_, ok := mailing.KindOfStatus(bad)
		assert.False(t, ok, bad)
	}
}

// WriteGroup records a group's finishes in the order of their delivery
// ids, keeps the errors that fail alone, and settles each campaign it
// sent or failed a delivery of once, at the latest of those times, in
// the order of the campaign ids; any other error stops it at once.
func TestWriteGroup(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 3, 1, 9, 0, s, 0, time.UTC) }
	fin := func(id mailing.DeliveryID, c mailing.CampaignID, status mailing.DeliveryStatus, s int) mailing.Finish {
		return mailing.Finish{Delivery: mailing.Delivery{ID: id, Campaign: c}, Outcome: mailing.Outcome{Status: status, At: at(s)}}
	}
	fs := []mailing.Finish{
		fin(9, 7, mailing.DeliverySent, 3),
		fin(2, 7, mailing.DeliverySent, 5),
		fin(4, 3, mailing.DeliveryFailed, 2),
		fin(5, 5, mailing.DeliveryPending, 6),
		fin(6, 8, mailing.DeliverySent, 7), // not held
		fin(1, 9, mailing.DeliverySent, 1), // unknown
	}
	type settled struct {
		c  mailing.CampaignID
		at time.Time
	}
	var order []mailing.DeliveryID
	var got []settled
	errs := make([]error, len(fs))
	finish := func(f mailing.Finish) (mailing.CampaignID, error) {
		order = append(order, f.Delivery.ID)
		switch f.Delivery.ID {
		case 6:
			return 0, mailing.ErrNotHeld
		case 1:
			return 0, fmt.Errorf("finish: %w", mailing.ErrDeliveryNotFound)
		}
		return f.Delivery.Campaign, nil
	}
	settle := func(c mailing.CampaignID, at time.Time) error { got = append(got, settled{c, at}); return nil }
	require.NoError(t, mailing.WriteGroup(fs, errs, finish, settle))
	assert.Equal(t, []mailing.DeliveryID{1, 2, 4, 5, 6, 9}, order)
	assert.Equal(t, []settled{{3, at(2)}, {7, at(5)}}, got)
	assert.Equal(t, []error{nil, nil, nil, nil, mailing.ErrNotHeld, errs[5]}, errs)
	assert.ErrorIs(t, errs[5], mailing.ErrDeliveryNotFound)

	// Any other error stops the group before it settles anything.
	broken := errors.New("disk full")
	got = nil
	err := mailing.WriteGroup(fs, errs, func(f mailing.Finish) (mailing.CampaignID, error) {
		if f.Delivery.ID == 4 {
			return 0, broken
		}
		return f.Delivery.Campaign, nil
	}, settle)
	assert.ErrorIs(t, err, broken)
	assert.Empty(t, got)
}
