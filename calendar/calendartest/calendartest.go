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
// makes; each subtest gets a new, empty store.
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
		{"EventsOfSelectedGroups", testEventsOfSelectedGroups},
		{"EventsAfterUpdate", testEventsAfterUpdate},
		{"Search", testSearch},
		{"Birthday", testBirthday},
		{"Copies", testCopies},
		{"UnknownUsers", testUnknownUsers},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := mk(t)
			f := &fixture{s: h.Store, u1: h.CreateUser(t, "alice"), u2: h.CreateUser(t, "bob"), u3: h.CreateUser(t, "carol")}
			f.email1, f.email2 = email(f.u1), email(f.u2)
			tc.fn(t, f)
		})
	}
}

// email is the address the suite records with the rows of user id.
func email(id auth.UserID) string { return fmt.Sprintf("u%d@example.com", id) }

var base = time.Date(2017, 6, 20, 0, 0, 0, 0, time.UTC)

func at(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newGroup(t *testing.T, s calendar.Store, creator auth.UserID, name string) *calendar.Group {
	t.Helper()
	g := &calendar.Group{Name: name, Creator: creator, CreatorEmail: email(creator), Created: base}
	must(t, s.CreateGroup(context.Background(), g))
	if g.ID <= 0 {
		t.Fatalf("CreateGroup set ID %d", g.ID)
	}
	return g
}

func newEvent(t *testing.T, s calendar.Store, owner auth.UserID, group calendar.GroupID, subject string, start, end time.Time) *calendar.Event {
	t.Helper()
	e := &calendar.Event{
		UID: fmt.Sprintf("%s-%d-%d@test", subject, owner, start.Unix()), Owner: owner, OwnerEmail: email(owner),
		Subject: subject, Start: start, End: end, Group: group, Created: base,
	}
	must(t, s.CreateEvent(context.Background(), e))
	if e.ID <= 0 {
		t.Fatalf("CreateEvent set ID %d", e.ID)
	}
	return e
}

func ids(events []calendar.Event) []calendar.EventID {
	out := make([]calendar.EventID, len(events))
	for i, e := range events {
		out[i] = e.ID
	}
	return out
}

func wantIDs(t *testing.T, what string, events []calendar.Event, want ...calendar.EventID) {
	t.Helper()
	got := ids(events)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s: ids %v, want %v", what, got, want)
	}
}

func testGroupCRUD(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g1 := newGroup(t, s, f.u1, "회식")
	g2 := newGroup(t, s, f.u2, "study")
	g3 := newGroup(t, s, f.u1, "family")
	if g1.ID == g2.ID || g2.ID == g3.ID {
		t.Fatalf("ids not distinct: %d %d %d", g1.ID, g2.ID, g3.ID)
	}
	got, err := s.Group(ctx, g1.ID)
	must(t, err)
	if got.Name != "회식" || got.Creator != f.u1 || got.CreatorEmail != f.email1 || !got.Created.Equal(base) || !got.Updated.IsZero() {
		t.Fatalf("Group = %+v", got)
	}
	mine, err := s.Groups(ctx, f.u1)
	must(t, err)
	if len(mine) != 2 || mine[0].ID != g1.ID || mine[1].ID != g3.ID {
		t.Fatalf("Groups(1) = %+v", mine)
	}
	all, err := s.Groups(ctx, 0)
	must(t, err)
	if len(all) != 3 || all[0].ID != g1.ID || all[1].ID != g2.ID || all[2].ID != g3.ID {
		t.Fatalf("Groups(0) = %+v", all)
	}
	none, err := s.Groups(ctx, storetest.UnknownUser)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("Groups(unknown user) = %+v", none)
	}

	g1.Name = "회식 및 저녁"
	g1.Updated = at(5)
	must(t, s.UpdateGroup(ctx, g1))
	got, err = s.Group(ctx, g1.ID)
	must(t, err)
	if got.Name != "회식 및 저녁" || !got.Updated.Equal(at(5)) || got.Creator != f.u1 {
		t.Fatalf("after update: %+v", got)
	}

	must(t, s.DeleteGroup(ctx, g2.ID))
	_, err = s.Group(ctx, g2.ID)
	storetest.WantCode(t, err, hanok.NotFound)
	storetest.WantCode(t, s.DeleteGroup(ctx, g2.ID), hanok.NotFound)
	storetest.WantCode(t, s.UpdateGroup(ctx, &calendar.Group{ID: 999, Name: "x"}), hanok.NotFound)
	_, err = s.Group(ctx, 999)
	storetest.WantCode(t, err, hanok.NotFound)
}

func testEventCRUD(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u1, "team")
	e := newEvent(t, s, f.u2, g.ID, "테스트 일정", at(9), at(12))
	got, err := s.Event(ctx, e.ID)
	must(t, err)
	if got.Subject != "테스트 일정" || got.Owner != f.u2 || got.OwnerEmail != f.email2 || got.Group != g.ID ||
		got.GroupName != "team" || got.UID != e.UID || !got.Start.Equal(at(9)) || !got.End.Equal(at(12)) ||
		!got.Created.Equal(base) || !got.Updated.IsZero() || got.Birthday != nil {
		t.Fatalf("Event = %+v", got)
	}
	plain := newEvent(t, s, f.u2, 0, "놀이동산", at(20), at(21))
	got, err = s.Event(ctx, plain.ID)
	must(t, err)
	if got.Group != 0 || got.GroupName != "" {
		t.Fatalf("plain event has group: %+v", got)
	}

	e.Subject, e.Start, e.End, e.Updated = "moved", at(30), at(31), at(1)
	must(t, s.UpdateEvent(ctx, e))
	got, err = s.Event(ctx, e.ID)
	must(t, err)
	if got.Subject != "moved" || !got.Start.Equal(at(30)) || !got.End.Equal(at(31)) || !got.Updated.Equal(at(1)) || got.Group != g.ID || got.UID != e.UID {
		t.Fatalf("after update: %+v", got)
	}
	storetest.WantCode(t, s.UpdateEvent(ctx, &calendar.Event{ID: 999, Subject: "x", Start: at(1), End: at(2)}), hanok.NotFound)

	must(t, s.DeleteEvent(ctx, e.ID))
	_, err = s.Event(ctx, e.ID)
	storetest.WantCode(t, err, hanok.NotFound)
	storetest.WantCode(t, s.DeleteEvent(ctx, e.ID), hanok.NotFound)
	if _, err := s.Event(ctx, plain.ID); err != nil {
		t.Fatalf("other event gone: %v", err)
	}
}

func testEventInUnknownGroup(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	e := &calendar.Event{UID: "u@test", Owner: f.u1, Subject: "x", Start: at(1), End: at(2), Group: 42, Created: base}
	storetest.WantCode(t, s.CreateEvent(ctx, e), hanok.NotFound)
	evs, err := s.Events(ctx, f.u1, at(-100), at(100))
	must(t, err)
	if len(evs) != 0 {
		t.Fatalf("an event was stored: %+v", evs)
	}
}

func testDeleteGroupCascades(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u1, "doomed")
	keep := newGroup(t, s, f.u1, "kept")
	e1 := newEvent(t, s, f.u1, g.ID, "a", at(1), at(2))
	e2 := newEvent(t, s, f.u2, g.ID, "b", at(1), at(2))
	e3 := newEvent(t, s, f.u2, keep.ID, "c", at(1), at(2))
	must(t, s.SelectGroups(ctx, f.u3, []calendar.GroupID{g.ID, keep.ID}))
	must(t, s.DeleteGroup(ctx, g.ID))
	for _, id := range []calendar.EventID{e1.ID, e2.ID} {
		_, err := s.Event(ctx, id)
		storetest.WantCode(t, err, hanok.NotFound)
	}
	sel, err := s.Selection(ctx, f.u3)
	must(t, err)
	if len(sel) != 1 || sel[0] != keep.ID {
		t.Fatalf("selection after delete = %v, want [%d]", sel, keep.ID)
	}
	evs, err := s.Events(ctx, f.u3, at(0), at(3))
	must(t, err)
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
	must(t, err)
	if len(sel) != 0 {
		t.Fatalf("initial selection %v", sel)
	}
	must(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{gs[12], gs[11]}))
	sel, err = s.Selection(ctx, f.u2)
	must(t, err)
	if fmt.Sprint(sel) != fmt.Sprint([]calendar.GroupID{gs[11], gs[12]}) {
		t.Fatalf("selection %v, want %v", sel, gs[11:13])
	}
	// Replacing, not adding.
	must(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{gs[0]}))
	sel, err = s.Selection(ctx, f.u2)
	must(t, err)
	if len(sel) != 1 || sel[0] != gs[0] {
		t.Fatalf("replaced selection %v", sel)
	}
	// An unknown group changes nothing.
	storetest.WantCode(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{gs[1], 999}), hanok.NotFound)
	sel, err = s.Selection(ctx, f.u2)
	must(t, err)
	if len(sel) != 1 || sel[0] != gs[0] {
		t.Fatalf("selection after failed select %v", sel)
	}
	// Other users are independent.
	sel, err = s.Selection(ctx, f.u3)
	must(t, err)
	if len(sel) != 0 {
		t.Fatalf("user 3 selection %v", sel)
	}
	must(t, s.SelectGroups(ctx, f.u2, nil))
	sel, err = s.Selection(ctx, f.u2)
	must(t, err)
	if len(sel) != 0 {
		t.Fatalf("cleared selection %v", sel)
	}
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
	lastYear := newEvent(t, s, f.u1, 0, "lastYear", at(24-365*24), at(25-365*24))
	_, _, _ = before, after, lastYear
	evs, err := s.Events(ctx, f.u1, day, at(48))
	must(t, err)
	wantIDs(t, "day", evs, around.ID, spanIn.ID, instant.ID, inside.ID, mid.ID, spanOut.ID)
	// A zero-length event belongs to exactly one of two adjacent days.
	evs, err = s.Events(ctx, f.u1, at(0), day)
	must(t, err)
	wantIDs(t, "day before", evs, around.ID, before.ID, spanIn.ID)
	evs, err = s.Events(ctx, f.u1, at(48), at(72))
	must(t, err)
	wantIDs(t, "day after", evs, around.ID, spanOut.ID, after.ID, atEnd.ID)
	evs, err = s.Events(ctx, f.u2, day, at(48))
	must(t, err)
	wantIDs(t, "user 2", evs, other.ID)
	evs, err = s.Events(ctx, f.u3, day, at(48))
	must(t, err)
	if len(evs) != 0 {
		t.Fatalf("user 3 sees %v", ids(evs))
	}
}

// An event made longer by an update shows in the ranges it now covers,
// far from its start, and leaves the ranges it no longer covers.
func testEventsAfterUpdate(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	e := newEvent(t, s, f.u1, 0, "grows", at(0), at(1))
	newEvent(t, s, f.u1, 0, "short", at(2), at(3))
	e.End, e.Updated = at(24*90), at(5)
	must(t, s.UpdateEvent(ctx, e))
	evs, err := s.Events(ctx, f.u1, at(24*60), at(24*61))
	must(t, err)
	wantIDs(t, "a day two months after the start", evs, e.ID)
	e.Start, e.End = at(24*100), at(24*100+1)
	must(t, s.UpdateEvent(ctx, e))
	evs, err = s.Events(ctx, f.u1, at(24*60), at(24*61))
	must(t, err)
	wantIDs(t, "after moving it away", evs)
	evs, err = s.Events(ctx, f.u1, at(24*100), at(24*101))
	must(t, err)
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
	c := newEvent(t, s, f.u2, g14.ID, "g14 by 2", at(5), at(6))
	own := newEvent(t, s, f.u3, g13.ID, "g13 by 3", at(7), at(8))
	mine := newEvent(t, s, f.u3, 0, "mine", at(9), at(10))
	_ = c
	evs, err := s.Events(ctx, f.u3, at(0), at(24))
	must(t, err)
	wantIDs(t, "before selecting", evs, own.ID, mine.ID)
	must(t, s.SelectGroups(ctx, f.u3, []calendar.GroupID{g12.ID, g13.ID}))
	evs, err = s.Events(ctx, f.u3, at(0), at(24))
	must(t, err)
	wantIDs(t, "after selecting", evs, a.ID, b.ID, own.ID, mine.ID)
	for _, e := range evs {
		if e.Group != 0 && e.GroupName == "" {
			t.Fatalf("event %d without its group name", e.ID)
		}
	}
	evs, err = s.Events(ctx, f.u3, at(3), at(5))
	must(t, err)
	wantIDs(t, "range of selected", evs, b.ID)
}

func testSearch(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u2, "shared")
	e1 := newEvent(t, s, f.u1, 0, "Team Meeting", at(1), at(2))
	e2 := newEvent(t, s, f.u1, 0, "dinner", at(3), at(4))
	e3 := newEvent(t, s, f.u1, 0, "MEETING room", at(5), at(6))
	e4 := newEvent(t, s, f.u2, g.ID, "group meeting", at(-5), at(-4))
	e5 := newEvent(t, s, f.u2, 0, "private meeting", at(7), at(8))
	e6 := newEvent(t, s, f.u1, 0, "테스트 일정", at(9), at(10))
	_, _, _ = e2, e5, e6
	evs, err := s.Search(ctx, f.u1, "meeting", 100)
	must(t, err)
	wantIDs(t, "before selecting", evs, e3.ID, e1.ID)
	must(t, s.SelectGroups(ctx, f.u1, []calendar.GroupID{g.ID}))
	evs, err = s.Search(ctx, f.u1, "MeEtInG", 100)
	must(t, err)
	wantIDs(t, "after selecting", evs, e3.ID, e1.ID, e4.ID)
	evs, err = s.Search(ctx, f.u1, "meeting", 2)
	must(t, err)
	wantIDs(t, "limit", evs, e3.ID, e1.ID)
	evs, err = s.Search(ctx, f.u1, "테스트", 100)
	must(t, err)
	wantIDs(t, "hangul", evs, e6.ID)
	for _, w := range []string{"%", "_", "'"} {
		evs, err = s.Search(ctx, f.u1, w, 100)
		must(t, err)
		if len(evs) != 0 {
			t.Fatalf("search %q matched %v", w, ids(evs))
		}
	}
}

func testBirthday(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	_, err := s.Birthday(ctx, f.u1)
	storetest.WantCode(t, err, hanok.NotFound)
	replaced, err := s.SetBirthday(ctx, calendar.Birthday{User: f.u1, Email: f.email1, Date: calendar.Date{Year: 1992, Month: 2, Day: 29}, Created: base})
	must(t, err)
	if replaced {
		t.Fatal("first birthday reported as replacing")
	}
	b, err := s.Birthday(ctx, f.u1)
	must(t, err)
	if b.User != f.u1 || b.Email != f.email1 || b.Date != (calendar.Date{Year: 1992, Month: 2, Day: 29}) || !b.Created.Equal(base) {
		t.Fatalf("Birthday = %+v", b)
	}
	replaced, err = s.SetBirthday(ctx, calendar.Birthday{User: f.u1, Email: f.email1, Date: calendar.Date{Year: 1991, Month: 6, Day: 19}, Created: at(1)})
	must(t, err)
	if !replaced {
		t.Fatal("second birthday not reported as replacing")
	}
	b, err = s.Birthday(ctx, f.u1)
	must(t, err)
	if b.Date != (calendar.Date{Year: 1991, Month: 6, Day: 19}) || !b.Created.Equal(at(1)) {
		t.Fatalf("replaced Birthday = %+v", b)
	}
	_, err = s.Birthday(ctx, f.u2)
	storetest.WantCode(t, err, hanok.NotFound)
}

func testCopies(t *testing.T, f *fixture) {
	s := f.s
	ctx := context.Background()
	g := newGroup(t, s, f.u1, "name")
	g.Name = "changed by caller"
	got, err := s.Group(ctx, g.ID)
	must(t, err)
	if got.Name != "name" {
		t.Fatalf("store aliases the created group: %q", got.Name)
	}
	got.Name = "changed again"
	again, err := s.Group(ctx, g.ID)
	must(t, err)
	if again.Name != "name" {
		t.Fatalf("store aliases the returned group: %q", again.Name)
	}
	e := newEvent(t, s, f.u1, 0, "subject", at(1), at(2))
	e.Subject = "changed by caller"
	ev, err := s.Event(ctx, e.ID)
	must(t, err)
	if ev.Subject != "subject" {
		t.Fatalf("store aliases the created event: %q", ev.Subject)
	}
	sel := []calendar.GroupID{g.ID}
	must(t, s.SelectGroups(ctx, f.u2, sel))
	sel[0] = 999
	got2, err := s.Selection(ctx, f.u2)
	must(t, err)
	if len(got2) != 1 || got2[0] != g.ID {
		t.Fatalf("store aliases the selection: %v", got2)
	}
}

// testUnknownUsers: a group, an event, a selection or a birthday of a user
// that is no user of the harness's auth store is hanok.NotFound on every
// store, and stores nothing; reading an unknown user's calendar finds
// nothing.
func testUnknownUsers(t *testing.T, f *fixture) {
	ctx := context.Background()
	s := f.s
	nobody := storetest.UnknownUser
	storetest.WantCode(t, s.CreateGroup(ctx, &calendar.Group{Name: "orphan", Creator: nobody, CreatorEmail: email(nobody), Created: base}), hanok.NotFound)
	all, err := s.Groups(ctx, 0)
	must(t, err)
	if len(all) != 0 {
		t.Fatalf("a group of an unknown user was stored: %+v", all)
	}
	g := newGroup(t, s, f.u1, "real")
	for _, group := range []calendar.GroupID{0, g.ID} {
		e := &calendar.Event{UID: "orphan@test", Owner: nobody, OwnerEmail: email(nobody), Subject: "x", Start: at(1), End: at(2), Group: group, Created: base}
		storetest.WantCode(t, s.CreateEvent(ctx, e), hanok.NotFound)
	}
	must(t, s.SelectGroups(ctx, f.u2, []calendar.GroupID{g.ID}))
	evs, err := s.Events(ctx, f.u2, at(-100), at(100))
	must(t, err)
	wantIDs(t, "events of the group after refusing an unknown owner", evs)
	evs, err = s.Search(ctx, f.u2, "x", 10)
	must(t, err)
	wantIDs(t, "search after refusing an unknown owner", evs)

	storetest.WantCode(t, s.SelectGroups(ctx, nobody, []calendar.GroupID{g.ID}), hanok.NotFound)
	sel, err := s.Selection(ctx, nobody)
	must(t, err)
	if len(sel) != 0 {
		t.Fatalf("a selection of an unknown user was stored: %v", sel)
	}
	_, err = s.SetBirthday(ctx, calendar.Birthday{User: nobody, Email: email(nobody), Date: calendar.Date{Year: 1990, Month: 1, Day: 1}, Created: base})
	storetest.WantCode(t, err, hanok.NotFound)
	_, err = s.Birthday(ctx, nobody)
	storetest.WantCode(t, err, hanok.NotFound)
	evs, err = s.Events(ctx, nobody, at(-100), at(100))
	must(t, err)
	wantIDs(t, "calendar of an unknown user", evs)
}
