package mailing_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

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

// Settling names each campaign of a group once, at the time of its last
// finish that was not a retry, in the order of the campaigns' ids.
func TestSettling(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2026, 3, 1, 9, 0, s, 0, time.UTC) }
	var s mailing.Settling
	assert.Empty(t, s.Campaigns())
	s.Add(7, mailing.Outcome{Status: mailing.DeliverySent, At: at(1)})
	s.Add(3, mailing.Outcome{Status: mailing.DeliveryFailed, At: at(2)})
	s.Add(7, mailing.Outcome{Status: mailing.DeliverySent, At: at(3)})
	s.Add(7, mailing.Outcome{Status: mailing.DeliveryPending, At: at(4)})
	s.Add(5, mailing.Outcome{Status: mailing.DeliveryPending, At: at(5)})
	assert.Equal(t, []mailing.Settle{{Campaign: 3, At: at(2)}, {Campaign: 7, At: at(3)}}, s.Campaigns())
}
