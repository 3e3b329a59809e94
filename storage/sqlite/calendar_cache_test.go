package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
)

// calendarAt is the calendar cache tests' clock.
var calendarAt = time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC)

// twoCalendarDBs opens two DBs on one file, with the users alice and bob.
func twoCalendarDBs(t *testing.T) (db, other *DB, alice, bob auth.UserID) {
	t.Helper()
	db = openTestDB(t)
	other = openAgain(t, db)
	var users []auth.UserID
	for _, name := range []string{"alice", "bob"} {
		u := &auth.User{Username: name, PasswordHash: []byte("x"), Created: calendarAt}
		require.NoError(t, db.Auth().CreateUser(context.Background(), u))
		users = append(users, u.ID)
	}
	return db, other, users[0], users[1]
}

// event is an hour-long event of owner on the given day of March 2026.
func event(owner auth.UserID, subject string, group calendar.GroupID, day int) *calendar.Event {
	start := time.Date(2026, 3, day, 10, 0, 0, 0, time.UTC)
	return &calendar.Event{UID: subject + "@test", Owner: owner, OwnerEmail: "x@example.com", Subject: subject, Group: group,
		Start: start, End: start.Add(time.Hour), Created: calendarAt}
}

// TestCalendarCacheSeesOtherDBs: two DBs on one file. A month read by the
// first answers, at its next request, what the other wrote (an event, a
// group's new name, a selection, a CalDAV replacement, a birthday); a repeated read
// is answered without a query, and what a caller does to its rows does
// not reach the cache.
func TestCalendarCacheSeesOtherDBs(t *testing.T) {
	ctx := context.Background()
	db, other, alice, bob := twoCalendarDBs(t)
	s, s2 := db.Calendar(), other.Calendar()
	from, to := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	month := func() []calendar.Event {
		t.Helper()
		events, err := s.Events(ctx, alice, from, to)
		require.NoError(t, err)
		return events
	}
	subjects := func(events []calendar.Event) []string {
		var out []string
		for _, e := range events {
			out = append(out, e.Subject+"/"+e.GroupName)
		}
		return out
	}

	require.NoError(t, s.CreateEvent(ctx, event(alice, "mine", 0, 2)))
	month()
	queries := countReads(t, db)
	assert.Equal(t, []string{"mine/"}, subjects(month()))
	require.Zero(t, queries.Load(), "a read of a cached month")
	month()[0].Subject = "changed"
	assert.Equal(t, []string{"mine/"}, subjects(month()), "the cached rows after a caller changed its copy")

	// The other DB adds an event to alice's month.
	mine2 := event(alice, "second", 0, 3)
	require.NoError(t, s2.CreateEvent(ctx, mine2))
	assert.Equal(t, []string{"mine/", "second/"}, subjects(month()), "after another DB's event")

	// A group of bob's with an event; alice selects it in the other DB.
	g := &calendar.Group{Name: "team", Creator: bob, CreatorEmail: "b@example.com", Created: calendarAt}
	require.NoError(t, s2.CreateGroup(ctx, g))
	require.NoError(t, s2.CreateEvent(ctx, event(bob, "shared", g.ID, 4)))
	assert.Equal(t, []string{"mine/", "second/"}, subjects(month()), "a group not selected")
	require.NoError(t, s2.SelectGroups(ctx, alice, []calendar.GroupID{g.ID}))
	assert.Equal(t, []string{"mine/", "second/", "shared/team"}, subjects(month()), "after another DB's selection")

	// The other DB renames the group.
	g.Name = "crew"
	require.NoError(t, s2.UpdateGroup(ctx, g))
	assert.Equal(t, []string{"mine/", "second/", "shared/crew"}, subjects(month()), "after another DB's rename")

	// A CalDAV replacement by the other DB.
	old, err := s2.Event(ctx, mine2.ID)
	require.NoError(t, err)
	repl := *old
	repl.Subject = "moved"
	repl.Updated = calendarAt.Add(time.Minute)
	require.NoError(t, s2.ReplaceEvent(ctx, old, &repl))
	assert.Equal(t, []string{"mine/", "moved/", "shared/crew"}, subjects(month()), "after another DB's CalDAV write")

	// A birthday, none at first: the other DB registers it.
	_, err = s.Birthday(ctx, alice)
	require.ErrorIs(t, err, calendar.ErrNoBirthday)
	_, err = s.Birthday(ctx, alice)
	require.ErrorIs(t, err, calendar.ErrNoBirthday, "no birthday, cached")
	_, err = s2.SetBirthday(ctx, calendar.Birthday{User: alice, Email: "a@example.com", Date: calendar.Date{Year: 1990, Month: 3, Day: 5}, Created: calendarAt})
	require.NoError(t, err)
	b, err := s.Birthday(ctx, alice)
	require.NoError(t, err, "the birthday after another DB registered it")
	assert.Equal(t, calendar.Date{Year: 1990, Month: 3, Day: 5}, b.Date)
	b.Email = "changed"
	b, err = s.Birthday(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "a@example.com", b.Email, "the cached birthday after a caller changed its copy")

	// This DB deletes an event: gone at once; then hits again.
	require.NoError(t, s.DeleteEvent(ctx, mine2.ID))
	assert.Equal(t, []string{"mine/", "shared/crew"}, subjects(month()), "after a deletion")
	_, err = s.Birthday(ctx, alice)
	require.NoError(t, err)
	queries.Store(0)
	month()
	_, err = s.Birthday(ctx, alice)
	require.NoError(t, err)
	assert.Zero(t, queries.Load(), "reads of the month and the birthday after the writes")
}

// TestCalendarSearchCacheSeesOtherDBs: two DBs on one file. A search read
// by the first answers, at its next request, what the other wrote (a
// matching event, a subject changed, a group selected, an event deleted);
// a repeated search is answered without a query, each word and limit is
// its own, and what a caller does to its rows does not reach the cache.
func TestCalendarSearchCacheSeesOtherDBs(t *testing.T) {
	ctx := context.Background()
	db, other, alice, bob := twoCalendarDBs(t)
	s, s2 := db.Calendar(), other.Calendar()
	search := func(word string, limit int) []string {
		t.Helper()
		events, err := s.Search(ctx, alice, word, limit)
		require.NoError(t, err)
		var out []string
		for _, e := range events {
			out = append(out, e.Subject)
		}
		return out
	}

	require.NoError(t, s.CreateEvent(ctx, event(alice, "review one", 0, 2)))
	require.NoError(t, s.CreateEvent(ctx, event(alice, "lunch", 0, 3)))
	assert.Equal(t, []string{"review one"}, search("review", 10))
	queries := countReads(t, db)
	assert.Equal(t, []string{"review one"}, search("review", 10))
	require.Zero(t, queries.Load(), "a cached search")
	assert.Equal(t, []string{"lunch"}, search("lunch", 10), "another word")
	assert.NotZero(t, queries.Load(), "another word is read")
	events, err := s.Search(ctx, alice, "review", 10)
	require.NoError(t, err)
	events[0].Subject = "changed"
	assert.Equal(t, []string{"review one"}, search("review", 10), "the cached rows after a caller changed its copy")

	// The other DB adds a matching event: found at the next request.
	second := event(alice, "review two", 0, 4)
	require.NoError(t, s2.CreateEvent(ctx, second))
	assert.Equal(t, []string{"review two", "review one"}, search("review", 10), "after another DB's event")
	assert.Equal(t, []string{"review two"}, search("review", 1), "each limit is its own")

	// A group of bob's with a matching event, selected by alice there.
	g := &calendar.Group{Name: "team", Creator: bob, CreatorEmail: "b@example.com", Created: calendarAt}
	require.NoError(t, s2.CreateGroup(ctx, g))
	require.NoError(t, s2.CreateEvent(ctx, event(bob, "team review", g.ID, 5)))
	assert.Equal(t, []string{"review two", "review one"}, search("review", 10), "a group not selected")
	require.NoError(t, s2.SelectGroups(ctx, alice, []calendar.GroupID{g.ID}))
	assert.Equal(t, []string{"team review", "review two", "review one"}, search("review", 10), "after another DB's selection")

	// The other DB changes a subject, then deletes an event.
	second.Subject = "retro"
	require.NoError(t, s2.UpdateEvent(ctx, second))
	assert.Equal(t, []string{"team review", "review one"}, search("review", 10), "after another DB's update")
	require.NoError(t, s2.DeleteEvent(ctx, second.ID))
	assert.Empty(t, search("retro", 10), "after another DB's deletion")

	queries.Store(0)
	search("review", 10)
	search("review", 10)
	assert.EqualValues(t, 1, queries.Load(), "after the writes: one read of the search, then the cache")
}
