package calendar_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &auth.User{Username: "alice", Email: "alice@example.com", PasswordHash: []byte("x"), Created: time.Unix(0, 0)}
	if err := db.Auth().CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	svc, err := calendar.New(db.Calendar(), calendar.Config{Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
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
		if hanok.CodeOf(err) != hanok.Invalid || hanok.FieldsOf(err)[bad.field] == "" {
			t.Errorf("event %v to %v: %v, want Invalid naming %s", bad.start, bad.end, err, bad.field)
		}
	}
	for _, at := range []time.Time{first, last} {
		e, err := svc.CreateEvent(ctx, actor, calendar.EventInput{Subject: "edge", Start: at, End: at})
		if err != nil {
			t.Fatalf("event at %v: %v", at, err)
		}
		got, err := svc.Month(ctx, actor, at.Year(), at.Month())
		if err != nil || len(got) != 1 || got[0].ID != e.ID || !got[0].Start.Equal(at) {
			t.Fatalf("month of %v = %+v, %v", at, got, err)
		}
	}
	for _, year := range []int{1, 1677, 2262, 9999} {
		if got, err := svc.Month(ctx, actor, year, time.June); err != nil || len(got) != 0 {
			t.Errorf("month of the year %d = %+v, %v", year, got, err)
		}
	}
}
