package sqlite

import (
	"context"
	"database/sql"
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	require.NoError(t, err)
	raw, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	defer raw.Close()
	for _, m := range ms[:3] {
		_, err := raw.Exec(m.SQL)
		require.NoError(t, err, "%s: %v", m.Name, err)
	}
	for _, q := range append(rows, "PRAGMA user_version = 3") {
		_, err := raw.Exec(q)
		require.NoError(t, err, "%s: %v", q, err)
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
		require.NoError(t, err)
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
	require.NoError(t, err, "open a version 3 file")
	defer db.Close()
	ms, _ := migrations()
	v, _ := db.SchemaVersion(ctx)
	require.Equal(t, ms[len(ms)-1].Version, v, "schema version %d after Open, want %d", v, ms[len(ms)-1].Version)
	s := db.Calendar()

	g, err := s.Group(ctx, 3)
	require.NoError(t, err, "group 3 = %+v, %v", g, err)
	require.Equal(t, "team", g.Name, "group 3 = %+v, %v", g, err)
	require.EqualValues(t, 7, g.Creator, "group 3 = %+v, %v", g, err)
	require.True(t, g.Created.Equal(created), "group 3 = %+v, %v", g, err)
	require.True(t, g.Updated.IsZero(), "group 3 = %+v, %v", g, err)
	g, err = s.Group(ctx, 4)
	require.NoError(t, err, "group 4 = %+v, %v", g, err)
	require.True(t, g.Created.Equal(created), "group 4 = %+v, %v", g, err)
	require.True(t, g.Updated.Equal(renamed), "group 4 = %+v, %v", g, err)
	e, err := s.Event(ctx, 11)
	require.NoError(t, err, "event 11 = %+v, %v", e, err)
	require.Equal(t, "Team Dinner", e.Subject, "event 11 = %+v, %v", e, err)
	require.EqualValues(t, 3, e.Group, "event 11 = %+v, %v", e, err)
	require.Equal(t, "team", e.GroupName, "event 11 = %+v, %v", e, err)
	require.True(t, e.Start.Equal(start), "event 11 = %+v, %v", e, err)
	require.True(t, e.End.Equal(end), "event 11 = %+v, %v", e, err)
	require.True(t, e.Created.Equal(created), "event 11 = %+v, %v", e, err)
	require.True(t, e.Updated.IsZero(), "event 11 = %+v, %v", e, err)
	e, err = s.Event(ctx, 12)
	require.NoError(t, err, "event 12 = %+v, %v", e, err)
	require.True(t, e.Start.Equal(moved), "event 12 = %+v, %v", e, err)
	require.True(t, e.End.Equal(moved), "event 12 = %+v, %v", e, err)
	require.True(t, e.Updated.Equal(renamed), "event 12 = %+v, %v", e, err)
	// The far event is clamped to the last second nanoseconds can hold.
	e, err = s.Event(ctx, 13)
	last := time.Unix(math.MaxInt64/int64(time.Second), 0).UTC()
	require.NoError(t, err, "event 13 = %+v, %v; want its times clamped to %v", e, err, last)
	require.True(t, e.Start.Equal(last), "event 13 = %+v, %v; want its times clamped to %v", e, err, last)
	require.True(t, e.End.Equal(last), "event 13 = %+v, %v; want its times clamped to %v", e, err, last)
	b, err := s.Birthday(ctx, 7)
	require.NoError(t, err, "birthday = %+v, %v", b, err)
	require.Equal(t, (calendar.Date{Year: 1990, Month: 6, Day: 22}), b.Date, "birthday = %+v, %v", b, err)
	require.True(t, b.Created.Equal(renamed), "birthday = %+v, %v", b, err)

	// The range query finds event 11 a day and a half after its start:
	// the recorded span was converted with the times.
	evs, err := s.Events(ctx, 7, sec("2017-06-21T11:00:00Z"), sec("2017-06-21T11:30:00Z"))
	require.NoError(t, err, "events overlapping the end of event 11 = %+v, %v", evs, err)
	require.Len(t, evs, 1, "events overlapping the end of event 11 = %+v, %v", evs, err)
	require.EqualValues(t, 11, evs[0].ID, "events overlapping the end of event 11 = %+v, %v", evs, err)
	var span int64
	err = db.reader.QueryRowContext(ctx, `SELECT max_span FROM calendar_span`).Scan(&span)
	require.NoError(t, err, "max_span = %d, %v; want 36 hours in nanoseconds", span, err)
	require.Equal(t, int64(36*time.Hour), span, "max_span = %d, %v; want 36 hours in nanoseconds", span, err)

	// New rows go in beside the old ones, in the same unit.
	ne := &calendar.Event{UID: "d@hanok", Owner: 7, OwnerEmail: "park@example.com", Subject: "new", Start: sec("2017-06-21T09:00:00Z"), End: sec("2017-06-21T10:00:00Z"), Created: renamed}
	require.NoError(t, s.CreateEvent(ctx, ne))
	evs, err = s.Events(ctx, 7, sec("2017-06-21T00:00:00Z"), sec("2017-06-22T00:00:00Z"))
	require.NoError(t, err, "a day of old and new events = %+v, %v", evs, err)
	require.Len(t, evs, 2, "a day of old and new events = %+v, %v", evs, err)
	require.EqualValues(t, 11, evs[0].ID, "a day of old and new events = %+v, %v", evs, err)
	require.Equal(t, ne.ID, evs[1].ID, "a day of old and new events = %+v, %v", evs, err)
	sel, err := s.Selection(ctx, 7)
	require.NoError(t, err, "selection = %v, %v", sel, err)
	require.Len(t, sel, 1, "selection = %v, %v", sel, err)
	require.EqualValues(t, 4, sel[0], "selection = %v, %v", sel, err)
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
	require.NoError(t, s.CreateGroup(ctx, g))
	require.NoError(t, s.UpdateGroup(ctx, g))
	e := &calendar.Event{UID: "x", Owner: owner, Subject: "x", Start: at, End: at.Add(time.Hour), Created: at, Updated: at}
	require.NoError(t, s.CreateEvent(ctx, e))
	_, err := s.SetBirthday(ctx, calendar.Birthday{User: owner, Date: calendar.Date{Year: 1990, Month: 1, Day: 2}, Created: at})
	require.NoError(t, err)
	for _, q := range []string{
		`SELECT created FROM users`,
		`SELECT created FROM calendar_groups`, `SELECT updated FROM calendar_groups`,
		`SELECT start_at FROM calendar_events`, `SELECT end_at FROM calendar_events`,
		`SELECT created FROM calendar_events`, `SELECT updated FROM calendar_events`,
		`SELECT created FROM calendar_birthdays`,
	} {
		var v int64
		require.NoError(t, db.reader.QueryRowContext(ctx, q).Scan(&v), "%s", q)
		got := time.Unix(0, v).UTC()
		assert.EqualValues(t, 2017, got.Year(), "%s = %d, which as unix nanoseconds is %v", q, v, got)
	}
}

// unix is t in unix seconds, as SQL text: the unit of the calendar's
// columns in schema version 3.
func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

// createTestUser adds a user named name and returns its id.
func createTestUser(t *testing.T, db *DB, name string, at time.Time) auth.UserID {
	t.Helper()
	u := &auth.User{Username: name, PasswordHash: []byte("x"), Created: at}
	require.NoError(t, db.Auth().CreateUser(context.Background(), u))
	return u.ID
}
