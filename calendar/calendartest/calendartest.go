// Package calendartest is the conformance suite of calendar.Store: every
// implementation runs RunStoreTests from its own tests, with a
// storetest.Maker whose Harness holds the calendar store and the auth store
// of the same database.
package calendartest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storetest"
)

// fixture is a fresh store and three users of its database.
type fixture struct {
	s              calendar.Store
	u1, u2, u3     auth.UserID
	email1, email2 string
}

// RunStoreTests runs the conformance suite against the harnesses mk
// makes. Each subtest gets a new, empty store of its own and runs in
// parallel with the others, so mk must make independent databases (a new
// file, a new schema).
func RunStoreTests(t *testing.T, mk storetest.Maker[calendar.Store]) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"GroupCRUD", testGroupCRUD},
		{"EventCRUD", testEventCRUD},
		{"EventInUnknownGroup", testEventInUnknownGroup},
		{"DeleteGroupCascades", testDeleteGroupCascades},
		{"Selection", testSelection},
		{"EventsOverlap", testEventsOverlap},
		{"SubSecondTimes", testSubSecondTimes},
		{"EventsOfSelectedGroups", testEventsOfSelectedGroups},
		{"EventsAfterUpdate", testEventsAfterUpdate},
		{"Search", testSearch},
		{"Birthday", testBirthday},
		{"Copies", testCopies},
		{"UnknownUsers", testUnknownUsers},
		{"Feeds", testFeeds},
		{"EventsByUID", testEventsByUID},
		{"SyncStates", testSyncStates},
		{"ConditionalWrites", testConditionalWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := mk(t)
			f := &fixture{s: h.Store, u1: h.CreateUser(t, "alice"), u2: h.CreateUser(t, "bob"), u3: h.CreateUser(t, "carol")}
			f.email1, f.email2 = email(f.u1), email(f.u2)
			tc.fn(t, f)
		})
	}
}

// email is the address the suite records with the rows of user id.
func email(id auth.UserID) string { return fmt.Sprintf("u%d@example.com", id) }

// base is the suite's time: not a whole second, so that a store that
// keeps less than microseconds fails.
var base = time.Date(2017, 6, 20, 0, 0, 0, 123456000, time.UTC)

func at(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }

// micro is one microsecond, the finest precision every store keeps.
const micro = time.Microsecond

func newGroup(t *testing.T, s calendar.Store, creator auth.UserID, name string) *calendar.Group {
	t.Helper()
	g := &calendar.Group{Name: name, Creator: creator, CreatorEmail: email(creator), Created: base}
	require.NoError(t, s.CreateGroup(context.Background(), g))
	require.Positive(t, g.ID, "CreateGroup sets the id")
	return g
}

func newEvent(t *testing.T, s calendar.Store, owner auth.UserID, group calendar.GroupID, subject string, start, end time.Time) *calendar.Event {
	t.Helper()
	e := &calendar.Event{
		UID: fmt.Sprintf("%s-%d-%d@test", subject, owner, start.UnixNano()), Owner: owner, OwnerEmail: email(owner),
		Subject: subject, Start: start, End: end, Group: group, Created: base,
	}
	require.NoError(t, s.CreateEvent(context.Background(), e))
	require.Positive(t, e.ID, "CreateEvent sets the id")
	return e
}

func ids(events []calendar.Event) []calendar.EventID {
	out := make([]calendar.EventID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

// wantIDs checks the ids of events, in order.
func wantIDs(t *testing.T, what string, events []calendar.Event, want ...calendar.EventID) {
	t.Helper()
	if want == nil {
		want = []calendar.EventID{}
	}
	require.Equal(t, want, ids(events), what)
}

// wantTime checks that got is the instant want.
func wantTime(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	assert.Truef(t, want.Equal(got), "%s: %v, want %v", what, got, want)
}

func testGroupCRUD(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g1 := newGroup(t, s, f.u1, "회식")
	g2 := newGroup(t, s, f.u2, "study")
	g3 := newGroup(t, s, f.u1, "family")
	require.NotEqual(t, g1.ID, g2.ID)
	require.NotEqual(t, g2.ID, g3.ID)
	got, err := s.Group(ctx, g1.ID)
	require.NoError(t, err)
	assert.Equal(t, "회식", got.Name)
	assert.Equal(t, f.u1, got.Creator)
	assert.Equal(t, f.email1, got.CreatorEmail)
	wantTime(t, base, got.Created, "Created")
	assert.True(t, got.Updated.IsZero(), "Updated of a new group")

	mine, err := s.Groups(ctx, f.u1)
	require.NoError(t, err)
	require.Len(t, mine, 2)
	assert.Equal(t, []calendar.GroupID{g1.ID, g3.ID}, []calendar.GroupID{mine[0].ID, mine[1].ID})
	all, err := s.Groups(ctx, 0)
	require.NoError(t, err)
	require.Len(t, all, 3)
	assert.Equal(t, []calendar.GroupID{g1.ID, g2.ID, g3.ID}, []calendar.GroupID{all[0].ID, all[1].ID, all[2].ID})
	none, err := s.Groups(ctx, storetest.UnknownUser)
	require.NoError(t, err)
	assert.NotNil(t, none)
	assert.Empty(t, none)

	g1.Name = "회식 및 저녁"
	g1.Updated = at(5).Add(micro)
	require.NoError(t, s.UpdateGroup(ctx, g1))
	got, err = s.Group(ctx, g1.ID)
	require.NoError(t, err)
	assert.Equal(t, "회식 및 저녁", got.Name)
	assert.Equal(t, f.u1, got.Creator)
	wantTime(t, at(5).Add(micro), got.Updated, "Updated after the rename")

	require.NoError(t, s.DeleteGroup(ctx, g2.ID))
	_, err = s.Group(ctx, g2.ID)
	require.ErrorIs(t, err, calendar.ErrGroupNotFound)
	require.ErrorIs(t, s.DeleteGroup(ctx, g2.ID), calendar.ErrGroupNotFound)
	require.ErrorIs(t, s.UpdateGroup(ctx, &calendar.Group{ID: 999, Name: "x"}), calendar.ErrGroupNotFound)
	_, err = s.Group(ctx, 999)
	require.ErrorIs(t, err, calendar.ErrGroupNotFound)
	storetest.WantCode(t, err, hanok.NotFound)
	assert.Contains(t, hanok.MessageOf(err), "999", "the client's message names the group")
}

func testEventCRUD(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u1, "team")
	e := newEvent(t, s, f.u2, g.ID, "테스트 일정", at(9), at(12))
	got, err := s.Event(ctx, e.ID)
	require.NoError(t, err)
	assert.Equal(t, "테스트 일정", got.Subject)
	assert.Equal(t, f.u2, got.Owner)
	assert.Equal(t, f.email2, got.OwnerEmail)
	assert.Equal(t, g.ID, got.Group)
	assert.Equal(t, "team", got.GroupName)
	assert.Equal(t, e.UID, got.UID)
	wantTime(t, at(9), got.Start, "Start")
	wantTime(t, at(12), got.End, "End")
	wantTime(t, base, got.Created, "Created")
	assert.True(t, got.Updated.IsZero(), "Updated of a new event")
	assert.Nil(t, got.Birthday)

	plain := newEvent(t, s, f.u2, 0, "놀이동산", at(20), at(21))
	got, err = s.Event(ctx, plain.ID)
	require.NoError(t, err)
	assert.Zero(t, got.Group)
	assert.Empty(t, got.GroupName)

	e.Subject, e.Start, e.End, e.Updated = "moved", at(30).Add(micro), at(31).Add(2*micro), at(1).Add(3*micro)
	require.NoError(t, s.UpdateEvent(ctx, e))
	got, err = s.Event(ctx, e.ID)
	require.NoError(t, err)
	assert.Equal(t, "moved", got.Subject)
	wantTime(t, at(30).Add(micro), got.Start, "Start after the update")
	wantTime(t, at(31).Add(2*micro), got.End, "End after the update")
	wantTime(t, at(1).Add(3*micro), got.Updated, "Updated after the update")
	assert.Equal(t, g.ID, got.Group, "an update keeps the group")
	assert.Equal(t, e.UID, got.UID, "an update keeps the UID")
	err = s.UpdateEvent(ctx, &calendar.Event{ID: 999, Subject: "x", Start: at(1), End: at(2)})
	require.ErrorIs(t, err, calendar.ErrEventNotFound)
	assert.Contains(t, hanok.MessageOf(err), "999", "the client's message names the event")

	require.NoError(t, s.DeleteEvent(ctx, e.ID))
	_, err = s.Event(ctx, e.ID)
	require.ErrorIs(t, err, calendar.ErrEventNotFound)
	storetest.WantCode(t, err, hanok.NotFound)
	require.ErrorIs(t, s.DeleteEvent(ctx, e.ID), calendar.ErrEventNotFound)
	_, err = s.Event(ctx, plain.ID)
	require.NoError(t, err, "the other event survives")
}

func testEventInUnknownGroup(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	e := &calendar.Event{UID: "u@test", Owner: f.u1, Subject: "x", Start: at(1), End: at(2), Group: 42, Created: base}
	err := s.CreateEvent(ctx, e)
	require.ErrorIs(t, err, calendar.ErrGroupNotFound)
	assert.Contains(t, hanok.MessageOf(err), "42")
	evs, err := s.Events(ctx, f.u1, at(-100), at(100))
	require.NoError(t, err)
	wantIDs(t, "no event was stored", evs)
}

func testDeleteGroupCascades(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u1, "doomed")
	keep := newGroup(t, s, f.u1, "kept")
	e1 := newEvent(t, s, f.u1, g.ID, "a", at(1), at(2))
	e2 := newEvent(t, s, f.u2, g.ID, "b", at(1), at(2))
	e3 := newEvent(t, s, f.u2, keep.ID, "c", at(1), at(2))
	require.NoError(t, s.SelectGroups(ctx, f.u3, []calendar.GroupID{g.ID, keep.ID}))
	require.NoError(t, s.DeleteGroup(ctx, g.ID))
	for _, id := range []calendar.EventID{e1.ID, e2.ID} {
		_, err := s.Event(ctx, id)
		require.ErrorIs(t, err, calendar.ErrEventNotFound, "event %d of the deleted group", id)
	}
	sel, err := s.Selection(ctx, f.u3)
	require.NoError(t, err)
	assert.Equal(t, []calendar.GroupID{keep.ID}, sel, "selection after the delete")
	evs, err := s.Events(ctx, f.u3, at(0), at(3))
	require.NoError(t, err)
	wantIDs(t, "user 3 after delete", evs, e3.ID)
}

func testSelection(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	var gs []calendar.GroupID
	for i := 0; i < 13; i++ {
		gs = append(gs, newGroup(t, s, f.u1, fmt.Sprint("g", i)).ID)
	}
	sel, err := s.Selection(ctx, f.u2)
	require.NoError(t, err)
	assert.NotNil(t, sel)
	assert.Empty(t, sel, "initial selection")
	require.NoError(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{gs[12], gs[11]}))
	sel, err = s.Selection(ctx, f.u2)
	require.NoError(t, err)
	assert.Equal(t, []calendar.GroupID{gs[11], gs[12]}, sel)
	// Replacing, not adding.
	require.NoError(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{gs[0]}))
	sel, err = s.Selection(ctx, f.u2)
	require.NoError(t, err)
	assert.Equal(t, []calendar.GroupID{gs[0]}, sel, "replaced selection")
	// An unknown group changes nothing, and the error names it.
	err = s.SelectGroups(ctx, f.u2, []calendar.GroupID{gs[1], 999})
	require.ErrorIs(t, err, calendar.ErrGroupNotFound)
	assert.Contains(t, hanok.MessageOf(err), "999")
	sel, err = s.Selection(ctx, f.u2)
	require.NoError(t, err)
	assert.Equal(t, []calendar.GroupID{gs[0]}, sel, "selection after a failed select")
	// Other users are independent.
	sel, err = s.Selection(ctx, f.u3)
	require.NoError(t, err)
	assert.Empty(t, sel, "user 3's selection")
	require.NoError(t, s.SelectGroups(ctx, f.u2, nil))
	sel, err = s.Selection(ctx, f.u2)
	require.NoError(t, err)
	assert.Empty(t, sel, "cleared selection")
}

func testEventsOverlap(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	day := at(24)                                                  // [at(24), at(48)) is the day
	before := newEvent(t, s, f.u1, 0, "before", at(20), at(24))    // ends at the day's start: out
	spanIn := newEvent(t, s, f.u1, 0, "spanIn", at(23), at(25))    // spans the start: in
	inside := newEvent(t, s, f.u1, 0, "inside", at(30), at(31))    // in
	spanOut := newEvent(t, s, f.u1, 0, "spanOut", at(47), at(49))  // spans the end: in
	after := newEvent(t, s, f.u1, 0, "after", at(48), at(50))      // starts at the end: out
	around := newEvent(t, s, f.u1, 0, "around", at(-100), at(100)) // covers the day: in
	instant := newEvent(t, s, f.u1, 0, "instant", at(24), at(24))  // zero length at the start: in (its day is this one)
	mid := newEvent(t, s, f.u1, 0, "mid", at(36), at(36))          // zero length inside: in
	atEnd := newEvent(t, s, f.u1, 0, "atEnd", at(48), at(48))      // zero length at the end: out (the next day's)
	other := newEvent(t, s, f.u2, 0, "other user", at(30), at(31)) // not user 1's
	newEvent(t, s, f.u1, 0, "lastYear", at(24-365*24), at(25-365*24))
	evs, err := s.Events(ctx, f.u1, day, at(48))
	require.NoError(t, err)
	wantIDs(t, "day", evs, around.ID, spanIn.ID, instant.ID, inside.ID, mid.ID, spanOut.ID)
	// A zero-length event belongs to exactly one of two adjacent days.
	evs, err = s.Events(ctx, f.u1, at(0), day)
	require.NoError(t, err)
	wantIDs(t, "day before", evs, around.ID, before.ID, spanIn.ID)
	evs, err = s.Events(ctx, f.u1, at(48), at(72))
	require.NoError(t, err)
	wantIDs(t, "day after", evs, around.ID, spanOut.ID, after.ID, atEnd.ID)
	evs, err = s.Events(ctx, f.u2, day, at(48))
	require.NoError(t, err)
	wantIDs(t, "user 2", evs, other.ID)
	evs, err = s.Events(ctx, f.u3, day, at(48))
	require.NoError(t, err)
	wantIDs(t, "user 3", evs)
}

// testSubSecondTimes: a store keeps times to the microsecond, and the
// overlap query compares them so, whatever the second they fall in.
func testSubSecondTimes(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	from := at(1)
	short := newEvent(t, s, f.u1, 0, "ends a microsecond after from", at(0), from.Add(micro))
	newEvent(t, s, f.u1, 0, "ends at from", at(0), from)
	late := newEvent(t, s, f.u1, 0, "starts a microsecond before to", at(2).Add(-micro), at(3))
	newEvent(t, s, f.u1, 0, "starts at to", at(2), at(3))
	evs, err := s.Events(ctx, f.u1, from, at(2))
	require.NoError(t, err)
	wantIDs(t, "[from, to)", evs, short.ID, late.ID)
	wantTime(t, from.Add(micro), evs[0].End, "End")
	wantTime(t, at(2).Add(-micro), evs[1].Start, "Start")
	evs, err = s.Events(ctx, f.u1, from.Add(micro), at(2).Add(-micro))
	require.NoError(t, err)
	wantIDs(t, "[from+1µs, to-1µs)", evs)
	// A sub-second span longer than its whole seconds still bounds the
	// query: the event is found near its end.
	long := newEvent(t, s, f.u1, 0, "long", at(10).Add(-900*time.Millisecond), at(10).Add(2800*time.Millisecond))
	evs, err = s.Events(ctx, f.u1, at(10).Add(2799*time.Millisecond), at(11))
	require.NoError(t, err)
	wantIDs(t, "near the end of a sub-second span", evs, long.ID)
}

// An event made longer by an update shows in the ranges it now covers,
// far from its start, and leaves the ranges it no longer covers.
func testEventsAfterUpdate(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	e := newEvent(t, s, f.u1, 0, "grows", at(0), at(1))
	newEvent(t, s, f.u1, 0, "short", at(2), at(3))
	e.End, e.Updated = at(24*90), at(5)
	require.NoError(t, s.UpdateEvent(ctx, e))
	evs, err := s.Events(ctx, f.u1, at(24*60), at(24*61))
	require.NoError(t, err)
	wantIDs(t, "a day two months after the start", evs, e.ID)
	e.Start, e.End = at(24*100), at(24*100+1)
	require.NoError(t, s.UpdateEvent(ctx, e))
	evs, err = s.Events(ctx, f.u1, at(24*60), at(24*61))
	require.NoError(t, err)
	wantIDs(t, "after moving it away", evs)
	evs, err = s.Events(ctx, f.u1, at(24*100), at(24*101))
	require.NoError(t, err)
	wantIDs(t, "its new day", evs, e.ID)
}

func testEventsOfSelectedGroups(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g12 := newGroup(t, s, f.u1, "twelve")
	g13 := newGroup(t, s, f.u2, "thirteen")
	g14 := newGroup(t, s, f.u2, "fourteen")
	a := newEvent(t, s, f.u1, g12.ID, "g12 by 1", at(1), at(2))
	b := newEvent(t, s, f.u2, g13.ID, "g13 by 2", at(3), at(4))
	newEvent(t, s, f.u2, g14.ID, "g14 by 2", at(5), at(6))
	own := newEvent(t, s, f.u3, g13.ID, "g13 by 3", at(7), at(8))
	mine := newEvent(t, s, f.u3, 0, "mine", at(9), at(10))
	evs, err := s.Events(ctx, f.u3, at(0), at(24))
	require.NoError(t, err)
	wantIDs(t, "before selecting", evs, own.ID, mine.ID)
	require.NoError(t, s.SelectGroups(ctx, f.u3, []calendar.GroupID{g12.ID, g13.ID}))
	evs, err = s.Events(ctx, f.u3, at(0), at(24))
	require.NoError(t, err)
	wantIDs(t, "after selecting", evs, a.ID, b.ID, own.ID, mine.ID)
	for _, e := range evs {
		if e.Group != 0 {
			assert.NotEmpty(t, e.GroupName, "group name of event %d", e.ID)
		}
	}
	evs, err = s.Events(ctx, f.u3, at(3), at(5))
	require.NoError(t, err)
	wantIDs(t, "range of selected", evs, b.ID)
}

func testSearch(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	search := func(word string, limit int) []calendar.Event {
		t.Helper()
		// The Service folds the word before it asks the store.
		evs, err := s.Search(ctx, f.u1, hanok.Fold(word), limit)
		require.NoError(t, err)
		return evs
	}
	g := newGroup(t, s, f.u2, "shared")
	e1 := newEvent(t, s, f.u1, 0, "Team Meeting", at(1), at(2))
	newEvent(t, s, f.u1, 0, "dinner", at(3), at(4))
	e3 := newEvent(t, s, f.u1, 0, "MEETING room", at(5), at(6))
	e4 := newEvent(t, s, f.u2, g.ID, "group meeting", at(-5), at(-4))
	newEvent(t, s, f.u2, 0, "private meeting", at(7), at(8))
	e6 := newEvent(t, s, f.u1, 0, "테스트 일정", at(9), at(10))
	// Final sigma and long s fold with σ and s under the one fold, though
	// strings.ToLower keeps them apart.
	e7 := newEvent(t, s, f.u1, 0, "ΟΔΥΣΣΕΥΣ", at(11), at(12))
	e8 := newEvent(t, s, f.u1, 0, "Meſſe", at(13), at(14))
	wantIDs(t, "before selecting", search("meeting", 100), e3.ID, e1.ID)
	require.NoError(t, s.SelectGroups(ctx, f.u1, []calendar.GroupID{g.ID}))
	wantIDs(t, "after selecting", search("MeEtInG", 100), e3.ID, e1.ID, e4.ID)
	wantIDs(t, "limit", search("meeting", 2), e3.ID, e1.ID)
	wantIDs(t, "hangul", search("테스트", 100), e6.ID)
	wantIDs(t, "final sigma", search("οδυσσευς", 100), e7.ID)
	wantIDs(t, "long s", search("MESSE", 100), e8.ID)
	for _, w := range []string{"%", "_", "'"} {
		wantIDs(t, "search "+w, search(w, 100))
	}
	// The user's own event in a group it selected is found once.
	e9 := newEvent(t, s, f.u1, g.ID, "own group meeting", at(15), at(16))
	wantIDs(t, "own event of a selected group", search("own group", 100), e9.ID)
}

func testBirthday(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	_, err := s.Birthday(ctx, f.u1)
	require.ErrorIs(t, err, calendar.ErrNoBirthday)
	replaced, err := s.SetBirthday(ctx, calendar.Birthday{User: f.u1, Email: f.email1, Date: calendar.Date{Year: 1992, Month: 2, Day: 29}, Created: base})
	require.NoError(t, err)
	assert.False(t, replaced, "the first birthday replaces none")
	b, err := s.Birthday(ctx, f.u1)
	require.NoError(t, err)
	assert.Equal(t, f.u1, b.User)
	assert.Equal(t, f.email1, b.Email)
	assert.Equal(t, calendar.Date{Year: 1992, Month: 2, Day: 29}, b.Date)
	wantTime(t, base, b.Created, "Created")
	replaced, err = s.SetBirthday(ctx, calendar.Birthday{User: f.u1, Email: f.email1, Date: calendar.Date{Year: 1991, Month: 6, Day: 19}, Created: at(1).Add(micro)})
	require.NoError(t, err)
	assert.True(t, replaced, "the second birthday replaces the first")
	b, err = s.Birthday(ctx, f.u1)
	require.NoError(t, err)
	assert.Equal(t, calendar.Date{Year: 1991, Month: 6, Day: 19}, b.Date)
	wantTime(t, at(1).Add(micro), b.Created, "Created of the replacement")
	_, err = s.Birthday(ctx, f.u2)
	require.ErrorIs(t, err, calendar.ErrNoBirthday)
}

func testCopies(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u1, "name")
	g.Name = "changed by caller"
	got, err := s.Group(ctx, g.ID)
	require.NoError(t, err)
	assert.Equal(t, "name", got.Name, "the store aliases the created group")
	got.Name = "changed again"
	again, err := s.Group(ctx, g.ID)
	require.NoError(t, err)
	assert.Equal(t, "name", again.Name, "the store aliases the returned group")
	e := newEvent(t, s, f.u1, 0, "subject", at(1), at(2))
	e.Subject = "changed by caller"
	ev, err := s.Event(ctx, e.ID)
	require.NoError(t, err)
	assert.Equal(t, "subject", ev.Subject, "the store aliases the created event")
	sel := []calendar.GroupID{g.ID}
	require.NoError(t, s.SelectGroups(ctx, f.u2, sel))
	sel[0] = 999
	got2, err := s.Selection(ctx, f.u2)
	require.NoError(t, err)
	assert.Equal(t, []calendar.GroupID{g.ID}, got2, "the store aliases the selection")
}

// testUnknownUsers: a group, an event, a selection or a birthday of a user
// that is no user of the harness's auth store is auth.ErrUserNotFound on
// every store, and stores nothing; reading an unknown user's calendar finds
// nothing.
func testUnknownUsers(t *testing.T, f *fixture) {
	ctx := context.Background()
	s := f.s
	nobody := storetest.UnknownUser
	err := s.CreateGroup(ctx, &calendar.Group{Name: "orphan", Creator: nobody, CreatorEmail: email(nobody), Created: base})
	require.ErrorIs(t, err, auth.ErrUserNotFound, "a group of an unknown user")
	storetest.WantCode(t, err, hanok.NotFound)
	all, err := s.Groups(ctx, 0)
	require.NoError(t, err)
	assert.Empty(t, all, "a group of an unknown user was stored")
	g := newGroup(t, s, f.u1, "real")
	for _, group := range []calendar.GroupID{0, g.ID} {
		e := &calendar.Event{UID: "orphan@test", Owner: nobody, OwnerEmail: email(nobody), Subject: "x", Start: at(1), End: at(2), Group: group, Created: base}
		require.ErrorIs(t, s.CreateEvent(ctx, e), auth.ErrUserNotFound, "an event of an unknown user in group %d", group)
	}
	require.NoError(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{g.ID}))
	evs, err := s.Events(ctx, f.u2, at(-100), at(100))
	require.NoError(t, err)
	wantIDs(t, "events of the group after refusing an unknown owner", evs)
	evs, err = s.Search(ctx, f.u2, "x", 10)
	require.NoError(t, err)
	wantIDs(t, "search after refusing an unknown owner", evs)

	require.ErrorIs(t, s.SelectGroups(ctx, nobody, []calendar.GroupID{g.ID}), auth.ErrUserNotFound, "a selection of an unknown user")
	sel, err := s.Selection(ctx, nobody)
	require.NoError(t, err)
	assert.Empty(t, sel, "a selection of an unknown user was stored")
	_, err = s.SetBirthday(ctx, calendar.Birthday{User: nobody, Email: email(nobody), Date: calendar.Date{Year: 1990, Month: 1, Day: 1}, Created: base})
	require.ErrorIs(t, err, auth.ErrUserNotFound, "a birthday of an unknown user")
	_, err = s.Birthday(ctx, nobody)
	require.ErrorIs(t, err, calendar.ErrNoBirthday)
	evs, err = s.Events(ctx, nobody, at(-100), at(100))
	require.NoError(t, err)
	wantIDs(t, "calendar of an unknown user", evs)
}
