package sqlite

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// writeVersion3 creates at path a database of schema version 3 (the auth,
// auction and calendar tables as they were before the calendar moved to
// unix nanoseconds) by running the first three migrations on a plain
// connection, then runs rows on it.
func writeVersion3(t *testing.T, path string, rows ...string) {
	t.Helper()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, m := range ms[:3] {
		if _, err := raw.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
	}
	for _, q := range append(rows, "PRAGMA user_version = 3") {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestMigrateCalendarToNanoseconds opens a file of schema version 3 whose
// calendar rows hold unix seconds, as the previous release wrote them, and
// reads every kind of row back through the store after Open migrated it.
func TestMigrateCalendarToNanoseconds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v3.db")
	sec := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	created, renamed := sec("2017-06-19T10:55:04Z"), sec("2017-06-20T01:02:03Z")
	start, end := sec("2017-06-20T00:00:00Z"), sec("2017-06-21T12:00:00Z") // a span of 36 hours
	moved := sec("2017-06-22T08:30:00Z")
	writeVersion3(t, path,
		`INSERT INTO users (id, username, username_key, email, email_key, password_hash, created) VALUES
			(7, 'park', 'park', 'park@example.com', 'park@example.com', x'00', 0)`,
		`INSERT INTO calendar_groups (id, name, creator_id, creator_email, created, updated) VALUES
			(3, 'team', 7, 'park@example.com', `+unix(created)+`, NULL),
			(4, 'renamed', 7, 'park@example.com', `+unix(created)+`, `+unix(renamed)+`)`,
		`INSERT INTO calendar_events (id, uid, owner_id, owner_email, group_id, subject, subject_key, start_at, end_at, created, updated) VALUES
			(11, 'a@hanok', 7, 'park@example.com', 3, 'Team Dinner', 'team dinner', `+unix(start)+`, `+unix(end)+`, `+unix(created)+`, NULL),
			(12, 'b@hanok', 7, 'park@example.com', NULL, 'moved', 'moved', `+unix(moved)+`, `+unix(moved)+`, `+unix(created)+`, `+unix(renamed)+`),
			-- the year 3000, which unix nanoseconds cannot hold
			(13, 'c@hanok', 7, 'park@example.com', NULL, 'far', 'far', 32503680000, 32503683600, `+unix(created)+`, NULL)`,
		`UPDATE calendar_span SET max_seconds = 129600 WHERE id = 1`,
		`INSERT INTO calendar_selections (user_id, group_id) VALUES (7, 4)`,
		`INSERT INTO calendar_birthdays (user_id, email, date, created) VALUES (7, 'park@example.com', '1990-06-22', `+unix(renamed)+`)`,
	)

	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open a version 3 file: %v", err)
	}
	defer db.Close()
	ms, _ := migrations()
	if v, _ := db.SchemaVersion(ctx); v != ms[len(ms)-1].Version {
		t.Fatalf("schema version %d after Open, want %d", v, ms[len(ms)-1].Version)
	}
	s := db.Calendar()

	g, err := s.Group(ctx, 3)
	if err != nil || g.Name != "team" || g.Creator != 7 || !g.Created.Equal(created) || !g.Updated.IsZero() {
		t.Fatalf("group 3 = %+v, %v", g, err)
	}
	g, err = s.Group(ctx, 4)
	if err != nil || !g.Created.Equal(created) || !g.Updated.Equal(renamed) {
		t.Fatalf("group 4 = %+v, %v", g, err)
	}
	e, err := s.Event(ctx, 11)
	if err != nil || e.Subject != "Team Dinner" || e.Group != 3 || e.GroupName != "team" ||
		!e.Start.Equal(start) || !e.End.Equal(end) || !e.Created.Equal(created) || !e.Updated.IsZero() {
		t.Fatalf("event 11 = %+v, %v", e, err)
	}
	e, err = s.Event(ctx, 12)
	if err != nil || !e.Start.Equal(moved) || !e.End.Equal(moved) || !e.Updated.Equal(renamed) {
		t.Fatalf("event 12 = %+v, %v", e, err)
	}
	// The far event is clamped to the last second nanoseconds can hold.
	e, err = s.Event(ctx, 13)
	if last := time.Unix(math.MaxInt64/int64(time.Second), 0).UTC(); err != nil || !e.Start.Equal(last) || !e.End.Equal(last) {
		t.Fatalf("event 13 = %+v, %v; want its times clamped to %v", e, err, last)
	}
	b, err := s.Birthday(ctx, 7)
	if err != nil || b.Date != (calendar.Date{Year: 1990, Month: 6, Day: 22}) || !b.Created.Equal(renamed) {
		t.Fatalf("birthday = %+v, %v", b, err)
	}

	// The range query finds event 11 a day and a half after its start:
	// the recorded span was converted with the times.
	evs, err := s.Events(ctx, 7, sec("2017-06-21T11:00:00Z"), sec("2017-06-21T11:30:00Z"))
	if err != nil || len(evs) != 1 || evs[0].ID != 11 {
		t.Fatalf("events overlapping the end of event 11 = %+v, %v", evs, err)
	}
	var span int64
	if err := db.reader.QueryRowContext(ctx, `SELECT max_span FROM calendar_span`).Scan(&span); err != nil || span != int64(36*time.Hour) {
		t.Fatalf("max_span = %d, %v; want 36 hours in nanoseconds", span, err)
	}

	// New rows go in beside the old ones, in the same unit.
	ne := &calendar.Event{UID: "d@hanok", Owner: 7, OwnerEmail: "park@example.com", Subject: "new", Start: sec("2017-06-21T09:00:00Z"), End: sec("2017-06-21T10:00:00Z"), Created: renamed}
	if err := s.CreateEvent(ctx, ne); err != nil {
		t.Fatal(err)
	}
	evs, err = s.Events(ctx, 7, sec("2017-06-21T00:00:00Z"), sec("2017-06-22T00:00:00Z"))
	if err != nil || len(evs) != 2 || evs[0].ID != 11 || evs[1].ID != ne.ID {
		t.Fatalf("a day of old and new events = %+v, %v", evs, err)
	}
	sel, err := s.Selection(ctx, 7)
	if err != nil || len(sel) != 1 || sel[0] != 4 {
		t.Fatalf("selection = %v, %v", sel, err)
	}
}

// TestEveryTimeColumnIsNanoseconds checks the one time convention on a
// database filled through the auth and calendar stores (the auction's
// columns always held nanoseconds): each INTEGER time column holds unix
// nanoseconds, not seconds.
func TestEveryTimeColumnIsNanoseconds(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	at := time.Date(2017, 6, 20, 9, 0, 0, 0, time.UTC)
	owner := createTestUser(t, db, "owner", at)
	s := db.Calendar()
	g := &calendar.Group{Name: "g", Creator: owner, CreatorEmail: "o@example.com", Created: at, Updated: at}
	if err := s.CreateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateGroup(ctx, g); err != nil {
		t.Fatal(err)
	}
	e := &calendar.Event{UID: "x", Owner: owner, Subject: "x", Start: at, End: at.Add(time.Hour), Created: at, Updated: at}
	if err := s.CreateEvent(ctx, e); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetBirthday(ctx, calendar.Birthday{User: owner, Date: calendar.Date{Year: 1990, Month: 1, Day: 2}, Created: at}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT created FROM users`,
		`SELECT created FROM calendar_groups`, `SELECT updated FROM calendar_groups`,
		`SELECT start_at FROM calendar_events`, `SELECT end_at FROM calendar_events`,
		`SELECT created FROM calendar_events`, `SELECT updated FROM calendar_events`,
		`SELECT created FROM calendar_birthdays`,
	} {
		var v int64
		if err := db.reader.QueryRowContext(ctx, q).Scan(&v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got := time.Unix(0, v).UTC(); got.Year() != 2017 {
			t.Errorf("%s = %d, which as unix nanoseconds is %v", q, v, got)
		}
	}
}

// unix is t in unix seconds, as SQL text: the unit of the calendar's
// columns in schema version 3.
func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// createTestUser adds a user named name and returns its id.
func createTestUser(t *testing.T, db *DB, name string, at time.Time) auth.UserID {
	t.Helper()
	u := &auth.User{Username: name, PasswordHash: []byte("x"), Created: at}
	if err := db.Auth().CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}
