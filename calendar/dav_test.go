package calendar_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/calendar"
)

// TestUpdateEventIf is the window between a CalDAV If-Match check and
// its write: a change made through the API in it is never overwritten.
func TestUpdateEventIf(t *testing.T) {
	ctx := t.Context()
	svc, clk := newService(t)
	e, err := svc.CreateEvent(ctx, alice, calendar.EventInput{Subject: "Lunch", Start: local("2017-06-20 12:00"), End: local("2017-06-20 13:00")})
	require.NoError(t, err)
	read, err := svc.ByResource(ctx, alice, e.UID+".ics")
	require.NoError(t, err)
	require.Len(t, read, 1)
	assert.Equal(t, calendar.ETag(*e), calendar.ETag(read[0]), "the same event, the same ETag")

	clk.Add(time.Second)
	_, err = svc.UpdateEvent(ctx, alice, e.ID, calendar.EventInput{Subject: "Lunch (API)", Start: e.Start, End: e.End})
	require.NoError(t, err)
	_, err = svc.UpdateEventIf(ctx, alice, &read[0], calendar.EventInput{Subject: "Lunch (CalDAV)", Start: e.Start, End: e.End})
	require.ErrorIs(t, err, calendar.ErrEventChanged)
	require.ErrorIs(t, svc.DeleteEventIf(ctx, alice, &read[0]), calendar.ErrEventChanged)
	got, err := svc.Event(ctx, alice, e.ID)
	require.NoError(t, err)
	assert.Equal(t, "Lunch (API)", got.Subject)
	assert.NotEqual(t, calendar.ETag(read[0]), calendar.ETag(*got), "a change changes the ETag")

	_, err = svc.UpdateEventIf(ctx, bob, got, calendar.EventInput{Subject: "x", Start: e.Start, End: e.End})
	require.ErrorIs(t, err, calendar.ErrNotYourEvent)
	updated, err := svc.UpdateEventIf(ctx, alice, got, calendar.EventInput{Subject: "Lunch (CalDAV)", Start: e.Start, End: e.End})
	require.NoError(t, err)
	assert.Equal(t, "Lunch (CalDAV)", updated.Subject)
	require.NoError(t, svc.DeleteEventIf(ctx, alice, updated))
}

// TestWriteObject checks a CalDAV resource's iCalendar: no METHOD, no
// ORGANIZER, its DTSTAMP its last change, the same bytes every time.
func TestWriteObject(t *testing.T) {
	ctx := t.Context()
	svc, clk := newService(t)
	e, err := svc.CreateEvent(ctx, alice, calendar.EventInput{Subject: "Lunch", Start: local("2017-06-20 12:00"), End: local("2017-06-20 13:00")})
	require.NoError(t, err)
	var a, b bytes.Buffer
	require.NoError(t, svc.WriteObject(&a, *e))
	clk.Add(time.Hour)
	require.NoError(t, svc.WriteObject(&b, *e))
	assert.Equal(t, a.String(), b.String())
	assert.NotContains(t, a.String(), "METHOD:")
	assert.NotContains(t, a.String(), "ORGANIZER")
	assert.Contains(t, a.String(), "DTSTAMP:20170619T105504Z\r\n")
	assert.Contains(t, a.String(), "UID:"+e.UID+"\r\n")
}
