package calendar_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// TestEventYears: an event's start and end lie in the years unix
// nanoseconds can hold; the first and last second of that range round-trip
// through SQLite, and a month query far outside it finds nothing.
func TestEventYears(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "years.db"))
	require.NoError(t, err)
	defer db.Close()
	u := &auth.User{Username: "alice", Email: "alice@example.com", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	require.NoError(t, db.Auth().CreateUser(ctx, u))
	svc, err := calendar.New(db.Calendar(), calendar.Config{Location: seoul})
	require.NoError(t, err)
	actor := hanok.Actor{ID: u.ID, Email: u.Email}
	first := time.Date(calendar.MinEventYear, 1, 1, 0, 0, 0, 0, seoul)
	last := time.Date(calendar.MaxEventYear, 12, 31, 23, 59, 59, 0, seoul)
	for _, bad := range []struct {
		start, end time.Time
		field      string
	}{
		{first.Add(-time.Second), first, "sdate"},
		{last, last.Add(time.Second), "edate"},
		{time.Date(1, 1, 1, 0, 0, 0, 0, seoul), first, "sdate"},
		{last, time.Date(9999, 1, 1, 0, 0, 0, 0, seoul), "edate"},
	} {
		_, err := svc.CreateEvent(ctx, actor, calendar.EventInput{Subject: "x", Start: bad.start, End: bad.end})
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "event %v to %v: %v", bad.start, bad.end, err)
		assert.Contains(t, hanok.FieldsOf(err), bad.field, "event %v to %v: %v", bad.start, bad.end, err)
	}
	for _, at := range []time.Time{first, last} {
		e, err := svc.CreateEvent(ctx, actor, calendar.EventInput{Subject: "edge", Start: at, End: at})
		require.NoError(t, err, "event at %v", at)
		got, err := svc.Month(ctx, actor, at.Year(), at.Month())
		require.NoError(t, err)
		require.Len(t, got, 1, "month of %v", at)
		assert.Equal(t, e.ID, got[0].ID)
		assert.True(t, got[0].Start.Equal(at), "Start %v, want %v", got[0].Start, at)
	}
	for _, year := range []int{1, 1677, 2262, 9999} {
		got, err := svc.Month(ctx, actor, year, time.June)
		require.NoError(t, err, "month of the year %d", year)
		assert.Empty(t, got, "month of the year %d", year)
	}
}
