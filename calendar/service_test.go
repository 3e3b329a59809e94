package calendar_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

var seoul = mustLoad("Asia/Seoul")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func newService(t *testing.T) (*calendar.Service, *testkit.Clock) {
	t.Helper()
	c := testkit.NewClock(time.Date(2017, 6, 19, 19, 55, 4, 0, seoul))
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 3) // alice, bob and carol below
	svc, err := calendar.New(db.Calendar(), calendar.Config{Now: c.Now})
	require.NoError(t, err)
	return svc, c
}

var (
	alice = hanok.Actor{ID: 1, Email: "alice@example.com"}
	bob   = hanok.Actor{ID: 2, Email: "bob@example.com"}
	carol = hanok.Actor{ID: 3, Email: "carol@example.com"}
)

func local(s string) time.Time {
	t, err := calendar.ParseLocalTime(s, seoul)
	if err != nil {
		panic(err)
	}
	return t
}

func create(t *testing.T, svc *calendar.Service, a hanok.Actor, g calendar.GroupID, subject, start, end string) *calendar.Event {
	t.Helper()
	e, err := svc.CreateEvent(context.Background(), a, calendar.EventInput{Subject: subject, Start: local(start), End: local(end), Group: g})
	require.NoError(t, err)
	return e
}

func subjects(events []calendar.Event) string {
	s := ""
	for i, e := range events {
		if i > 0 {
			s += ","
		}
		s += e.Subject
	}
	return s
}

func TestDefaultZoneIsSeoul(t *testing.T) {
	svc, err := calendar.New(memory.New().Calendar(), calendar.Config{})
	require.NoError(t, err)
	assert.Equal(t, "Asia/Seoul", svc.Location().String())
}

func TestMonthHonoursTheYear(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	create(t, svc, alice, 0, "june 2016", "2016-06-10 10:00:00", "2016-06-10 11:00:00")
	create(t, svc, alice, 0, "june 2017", "2017-06-10 10:00:00", "2017-06-10 11:00:00")
	create(t, svc, alice, 0, "across months", "2017-06-30 23:00:00", "2017-07-01 01:00:00")
	evs, err := svc.Month(ctx, alice, 2017, time.June)
	require.NoError(t, err)
	assert.Equal(t, "june 2017,across months", subjects(evs), "June 2017")
	evs, err = svc.Month(ctx, alice, 2017, time.July)
	require.NoError(t, err)
	assert.Equal(t, "across months", subjects(evs), "July 2017")
	evs, err = svc.ThisMonth(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "june 2017,across months", subjects(evs), "this month")
	_, err = svc.Month(ctx, alice, 2017, 13)
	storetest.WantCode(t, err, hanok.Invalid)
}

func TestDayCutInTheCalendarZone(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	create(t, svc, alice, 0, "overnight", "2017-06-21 23:00:00", "2017-06-22 01:00:00")
	create(t, svc, alice, 0, "morning", "2017-06-22 08:00:00", "2017-06-22 09:00:00")
	// 08:30 in Seoul is 23:30 UTC of the day before: a UTC day would miss it.
	create(t, svc, alice, 0, "early", "2017-06-23 00:00:00", "2017-06-23 08:30:00")
	for date, want := range map[string]string{
		"2017-06-21": "overnight",
		"2017-06-22": "overnight,morning",
		"2017-06-23": "early",
		"2017-06-24": "",
	} {
		d, err := calendar.ParseDate(date)
		require.NoError(t, err)
		evs, err := svc.Day(ctx, alice, d)
		require.NoError(t, err)
		assert.Equal(t, want, subjects(evs), date)
	}
	clk.Set(local("2017-06-22 00:30:00"))
	evs, err := svc.Today(ctx, alice)
	require.NoError(t, err)
	assert.Equal(t, "overnight,morning", subjects(evs), "today")
	assert.Equal(t, svc.Location(), evs[0].Start.Location(), "times in the calendar's zone")
}

func TestEventRules(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	e := create(t, svc, alice, 0, "  trimmed  ", "2017-06-19 20:00:00", "2017-06-19 23:00:00")
	assert.Equal(t, "trimmed", e.Subject)
	assert.Equal(t, alice.Email, e.OwnerEmail, "the owner reads its own email")
	assert.Equal(t, "alice", e.OwnerName)
	assert.NotEmpty(t, e.UID)
	assert.True(t, e.Created.Equal(clk.Now()), "Created %v", e.Created)
	assert.True(t, e.Updated.IsZero(), "Updated %v", e.Updated)
	for _, in := range []struct {
		in    calendar.EventInput
		field string
	}{
		{calendar.EventInput{Subject: "", Start: local("2017-06-19 20:00:00"), End: local("2017-06-19 21:00:00")}, "subject"},
		{calendar.EventInput{Subject: "x", End: local("2017-06-19 21:00:00")}, "sdate"},
		{calendar.EventInput{Subject: "x", Start: local("2017-06-19 20:00:00")}, "edate"},
		{calendar.EventInput{Subject: "x", Start: local("2017-06-19 20:00:00"), End: local("2017-06-19 19:00:00")}, "edate"},
		{calendar.EventInput{Subject: "x", Start: local("2017-06-19 20:00:00"), End: local("2019-06-19 19:00:00")}, "edate"},
		{calendar.EventInput{Subject: "bad\x00", Start: local("2017-06-19 20:00:00"), End: local("2017-06-19 21:00:00")}, "subject"},
	} {
		_, err := svc.CreateEvent(ctx, alice, in.in)
		storetest.WantCode(t, err, hanok.Invalid)
		assert.Contains(t, hanok.FieldsOf(err), in.field, "%+v: %v", in.in, err)
	}
	_, err := svc.CreateEvent(ctx, alice, calendar.EventInput{Subject: "x", Start: local("2017-06-19 20:00:00"), End: local("2017-06-19 21:00:00"), Group: 77})
	storetest.WantCode(t, err, hanok.NotFound)

	clk.Set(clk.Now().Add(time.Hour))
	up, err := svc.UpdateEvent(ctx, alice, e.ID, calendar.EventInput{Subject: "moved", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	require.NoError(t, err)
	assert.Equal(t, "moved", up.Subject)
	assert.True(t, up.Updated.Equal(clk.Now()), "Updated %v", up.Updated)
	assert.Equal(t, e.UID, up.UID)
	assert.True(t, up.Start.Equal(local("2017-06-20 20:00:00")), "Start %v", up.Start)
	_, err = svc.UpdateEvent(ctx, bob, e.ID, calendar.EventInput{Subject: "stolen", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	require.ErrorIs(t, err, calendar.ErrNotYourEvent)
	require.ErrorIs(t, svc.DeleteEvent(ctx, bob, e.ID), calendar.ErrNotYourEvent)
	_, err = svc.Event(ctx, bob, e.ID)
	require.ErrorIs(t, err, calendar.ErrNotYourEvent)
	_, err = svc.UpdateEvent(ctx, alice, 999, calendar.EventInput{Subject: "x", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	require.ErrorIs(t, err, calendar.ErrEventNotFound)
	for _, id := range []calendar.EventID{0, -1} {
		_, err = svc.UpdateEvent(ctx, alice, id, calendar.EventInput{Subject: "x", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
		require.ErrorIs(t, err, calendar.ErrEventID)
		require.ErrorIs(t, svc.DeleteEvent(ctx, alice, id), calendar.ErrEventID)
	}
	got, err := svc.Event(ctx, alice, e.ID)
	require.NoError(t, err)
	assert.Equal(t, "moved", got.Subject, "after refused changes")
	require.NoError(t, svc.DeleteEvent(ctx, alice, e.ID))
	require.ErrorIs(t, svc.DeleteEvent(ctx, alice, e.ID), calendar.ErrEventNotFound)
}

func TestGroupsAndSelection(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	var groups []*calendar.Group
	for i := 1; i <= 13; i++ {
		g, err := svc.CreateGroup(ctx, bob, fmt.Sprint("group ", i))
		require.NoError(t, err)
		groups = append(groups, g)
	}
	g12, g13 := groups[11], groups[12]
	// Anyone may add events to any group.
	create(t, svc, alice, g12.ID, "in twelve", "2017-06-20 09:00:00", "2017-06-20 12:00:00")
	create(t, svc, bob, g13.ID, "in thirteen", "2017-06-20 13:00:00", "2017-06-20 14:00:00")
	create(t, svc, bob, groups[0].ID, "in one", "2017-06-20 15:00:00", "2017-06-20 16:00:00")

	evs, err := svc.Month(ctx, carol, 2017, time.June)
	require.NoError(t, err)
	assert.Empty(t, evs, "carol before selecting")
	sel, err := calendar.ParseSelection("12,13")
	require.NoError(t, err)
	require.NoError(t, svc.SelectGroups(ctx, carol, sel))
	evs, err = svc.Month(ctx, carol, 2017, time.June)
	require.NoError(t, err)
	assert.Equal(t, "in twelve,in thirteen", subjects(evs), "carol after selecting 12,13")
	assert.Equal(t, "group 12", evs[0].GroupName)
	assert.Equal(t, "", evs[0].OwnerEmail, "carol reads alice's email")
	assert.Equal(t, "alice", evs[0].OwnerName)
	require.ErrorIs(t, svc.SelectGroups(ctx, carol, []calendar.GroupID{99}), calendar.ErrGroupNotFound)
	require.ErrorIs(t, svc.SelectGroups(ctx, carol, []calendar.GroupID{1, -2}), calendar.ErrSelectionID)
	_, err = svc.CreateGroupEvent(ctx, carol, 0, calendar.EventInput{Subject: "x", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	require.ErrorIs(t, err, calendar.ErrGroupID)

	// Only the creator renames or deletes.
	_, err = svc.RenameGroup(ctx, alice, g12.ID, "mine now")
	require.ErrorIs(t, err, calendar.ErrNotGroupCreator)
	require.ErrorIs(t, svc.DeleteGroup(ctx, alice, g12.ID), calendar.ErrNotGroupCreator)
	_, err = svc.RenameGroup(ctx, bob, 0, "x")
	require.ErrorIs(t, err, calendar.ErrGroupID)
	require.ErrorIs(t, svc.DeleteGroup(ctx, bob, 999), calendar.ErrGroupNotFound)
	evs, _ = svc.Month(ctx, carol, 2017, time.June)
	assert.Equal(t, "in twelve,in thirteen", subjects(evs), "after a refused delete")
	r, err := svc.RenameGroup(ctx, bob, g12.ID, "renamed")
	require.NoError(t, err)
	assert.Equal(t, "renamed", r.Name)
	assert.False(t, r.Updated.IsZero(), "Updated of a renamed group")
	require.NoError(t, svc.DeleteGroup(ctx, bob, g12.ID))
	evs, _ = svc.Month(ctx, carol, 2017, time.June)
	assert.Equal(t, "in thirteen", subjects(evs), "after delete")
	evs, _ = svc.Month(ctx, alice, 2017, time.June)
	assert.Empty(t, evs, "the deleted group's events survive for their owner")
	storetest.WantCode(t, svc.DeleteGroup(ctx, bob, g12.ID), hanok.NotFound)

	mine, err := svc.MyGroups(ctx, bob)
	require.NoError(t, err)
	assert.Len(t, mine, 12, "bob's groups")
	mine, _ = svc.MyGroups(ctx, alice)
	assert.Empty(t, mine, "alice's groups")
	all, err := svc.AllGroups(ctx, bob)
	require.NoError(t, err)
	require.Len(t, all, 12, "all groups")
	assert.Equal(t, "bob@example.com", all[0].CreatorEmail, "the creator reads its own email")
	all, err = svc.AllGroups(ctx, carol)
	require.NoError(t, err)
	require.Len(t, all, 12, "all groups")
	assert.Equal(t, "", all[0].CreatorEmail, "carol reads bob's email")
	assert.Equal(t, "bob", all[0].CreatorName)
	_, err = svc.AllGroups(ctx, hanok.Actor{})
	require.ErrorIs(t, err, hanok.ErrNotSignedIn)
	require.NoError(t, svc.SelectGroups(ctx, carol, nil))
	evs, _ = svc.Month(ctx, carol, 2017, time.June)
	assert.Empty(t, evs, "after clearing")
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	create(t, svc, alice, 0, "테스트 일정", "2017-06-20 09:00:00", "2017-06-20 12:00:00")
	create(t, svc, alice, 0, "놀이동산", "2017-06-20 20:00:00", "2017-06-20 21:00:00")
	create(t, svc, alice, 0, "Final 테스트", "2017-07-20 20:00:00", "2017-07-20 21:00:00")
	create(t, svc, bob, 0, "bob's 테스트", "2017-07-20 20:00:00", "2017-07-20 21:00:00")
	evs, err := svc.Search(ctx, alice, "테스트")
	require.NoError(t, err)
	assert.Equal(t, "Final 테스트,테스트 일정", subjects(evs), "search")
	evs, _ = svc.Search(ctx, alice, "FINAL")
	assert.Equal(t, "Final 테스트", subjects(evs), "case-insensitive search")
	_, err = svc.Search(ctx, alice, " ")
	storetest.WantCode(t, err, hanok.Invalid)
}

func TestBirthday(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	replaced, err := svc.SetBirthday(ctx, alice, calendar.Date{Year: 2000, Month: 6, Day: 19})
	require.NoError(t, err)
	assert.False(t, replaced, "the first birthday replaces none")
	for _, y := range []int{2000, 2017, 2030} {
		evs, err := svc.Month(ctx, alice, y, time.June)
		require.NoError(t, err)
		require.Len(t, evs, 1, "June %d", y)
		assert.NotNil(t, evs[0].Birthday)
		assert.Equal(t, "Birthday", evs[0].Subject)
		assert.True(t, evs[0].Start.Equal(time.Date(y, 6, 19, 0, 0, 0, 0, seoul)), "Start %v", evs[0].Start)
		assert.True(t, evs[0].End.Equal(time.Date(y, 6, 20, 0, 0, 0, 0, seoul)), "End %v", evs[0].End)
	}
	evs, _ := svc.Month(ctx, alice, 1999, time.June)
	assert.Empty(t, evs, "a birthday before the registered year")
	evs, _ = svc.Month(ctx, bob, 2017, time.June)
	assert.Empty(t, evs, "bob sees alice's birthday")
	d, _ := calendar.ParseDate("2017-06-19")
	evs, _ = svc.Day(ctx, alice, d)
	assert.Len(t, evs, 1, "the birthday's day")
	d, _ = calendar.ParseDate("2017-06-20")
	evs, _ = svc.Day(ctx, alice, d)
	assert.Empty(t, evs, "the day after")

	replaced, err = svc.SetBirthday(ctx, alice, calendar.Date{Year: 1996, Month: 2, Day: 29})
	require.NoError(t, err)
	assert.True(t, replaced, "the second birthday replaces the first")
	for y, day := range map[int]int{2016: 29, 2017: 28, 2100: 28, 2000: 29} {
		evs, err := svc.Month(ctx, alice, y, time.February)
		require.NoError(t, err)
		require.Len(t, evs, 1, "February %d", y)
		assert.Equal(t, day, evs[0].Start.Day(), "February %d", y)
	}
	evs, _ = svc.Month(ctx, alice, 2017, time.June)
	assert.Empty(t, evs, "the replaced birthday still shows")
	_, err = svc.SetBirthday(ctx, alice, calendar.Date{Year: 2017, Month: 2, Day: 29})
	storetest.WantCode(t, err, hanok.Invalid)
}

func TestRangeLimits(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	from := local("2017-06-01 00:00:00")
	_, err := svc.Range(ctx, alice, from, from)
	storetest.WantCode(t, err, hanok.Invalid)
	_, err = svc.Range(ctx, alice, from, from.AddDate(5, 0, 0))
	storetest.WantCode(t, err, hanok.Invalid)
	_, err = svc.Range(ctx, hanok.Actor{}, from, from.AddDate(0, 1, 0))
	storetest.WantCode(t, err, hanok.Unauthenticated)
}
