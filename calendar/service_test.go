package calendar_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
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
	if err != nil {
		t.Fatal(err)
	}
	if got := svc.Location().String(); got != "Asia/Seoul" {
		t.Fatalf("zone %q", got)
	}
}

func TestMonthHonoursTheYear(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	create(t, svc, alice, 0, "june 2016", "2016-06-10 10:00:00", "2016-06-10 11:00:00")
	create(t, svc, alice, 0, "june 2017", "2017-06-10 10:00:00", "2017-06-10 11:00:00")
	create(t, svc, alice, 0, "across months", "2017-06-30 23:00:00", "2017-07-01 01:00:00")
	evs, err := svc.Month(ctx, alice, 2017, time.June)
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(evs); got != "june 2017,across months" {
		t.Fatalf("June 2017 = %q", got)
	}
	evs, err = svc.Month(ctx, alice, 2017, time.July)
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(evs); got != "across months" {
		t.Fatalf("July 2017 = %q", got)
	}
	evs, err = svc.ThisMonth(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(evs); got != "june 2017,across months" {
		t.Fatalf("this month = %q", got)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		evs, err := svc.Day(ctx, alice, d)
		if err != nil {
			t.Fatal(err)
		}
		if got := subjects(evs); got != want {
			t.Errorf("%s = %q, want %q", date, got, want)
		}
	}
	clk.Set(local("2017-06-22 00:30:00"))
	evs, err := svc.Today(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(evs); got != "overnight,morning" {
		t.Fatalf("today = %q", got)
	}
	if evs[0].Start.Location() != svc.Location() {
		t.Fatalf("times in %v, want the calendar's zone", evs[0].Start.Location())
	}
}

func TestEventRules(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	e := create(t, svc, alice, 0, "  trimmed  ", "2017-06-19 20:00:00", "2017-06-19 23:00:00")
	if e.Subject != "trimmed" || e.OwnerEmail != alice.Email || e.UID == "" || !e.Created.Equal(clk.Now()) || !e.Updated.IsZero() {
		t.Fatalf("created %+v", e)
	}
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
		if _, ok := hanok.FieldsOf(err)[in.field]; !ok {
			t.Errorf("%+v: error %v does not name %s", in.in, err, in.field)
		}
	}
	_, err := svc.CreateEvent(ctx, alice, calendar.EventInput{Subject: "x", Start: local("2017-06-19 20:00:00"), End: local("2017-06-19 21:00:00"), Group: 77})
	storetest.WantCode(t, err, hanok.NotFound)

	clk.Set(clk.Now().Add(time.Hour))
	up, err := svc.UpdateEvent(ctx, alice, e.ID, calendar.EventInput{Subject: "moved", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	if err != nil {
		t.Fatal(err)
	}
	if up.Subject != "moved" || !up.Updated.Equal(clk.Now()) || up.UID != e.UID || !up.Start.Equal(local("2017-06-20 20:00:00")) {
		t.Fatalf("updated %+v", up)
	}
	_, err = svc.UpdateEvent(ctx, bob, e.ID, calendar.EventInput{Subject: "stolen", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	storetest.WantCode(t, err, hanok.Forbidden)
	storetest.WantCode(t, svc.DeleteEvent(ctx, bob, e.ID), hanok.Forbidden)
	_, err = svc.UpdateEvent(ctx, alice, 999, calendar.EventInput{Subject: "x", Start: local("2017-06-20 20:00:00"), End: local("2017-06-20 21:00:00")})
	storetest.WantCode(t, err, hanok.NotFound)
	got, err := svc.Event(ctx, alice, e.ID)
	if err != nil || got.Subject != "moved" {
		t.Fatalf("after refused changes: %+v, %v", got, err)
	}
	if err := svc.DeleteEvent(ctx, alice, e.ID); err != nil {
		t.Fatal(err)
	}
	storetest.WantCode(t, svc.DeleteEvent(ctx, alice, e.ID), hanok.NotFound)
}

func TestGroupsAndSelection(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	var groups []*calendar.Group
	for i := 1; i <= 13; i++ {
		g, err := svc.CreateGroup(ctx, bob, fmt.Sprint("group ", i))
		if err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	g12, g13 := groups[11], groups[12]
	// Anyone may add events to any group.
	create(t, svc, alice, g12.ID, "in twelve", "2017-06-20 09:00:00", "2017-06-20 12:00:00")
	create(t, svc, bob, g13.ID, "in thirteen", "2017-06-20 13:00:00", "2017-06-20 14:00:00")
	create(t, svc, bob, groups[0].ID, "in one", "2017-06-20 15:00:00", "2017-06-20 16:00:00")

	evs, err := svc.Month(ctx, carol, 2017, time.June)
	if err != nil || len(evs) != 0 {
		t.Fatalf("carol before selecting: %q, %v", subjects(evs), err)
	}
	sel, err := calendar.ParseSelection("12,13")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.SelectGroups(ctx, carol, sel); err != nil {
		t.Fatal(err)
	}
	evs, err = svc.Month(ctx, carol, 2017, time.June)
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(evs); got != "in twelve,in thirteen" {
		t.Fatalf("carol after selecting 12,13: %q", got)
	}
	if evs[0].GroupName != "group 12" || evs[0].OwnerEmail != alice.Email {
		t.Fatalf("group event %+v", evs[0])
	}
	storetest.WantCode(t, svc.SelectGroups(ctx, carol, []calendar.GroupID{99}), hanok.NotFound)

	// Only the creator renames or deletes.
	_, err = svc.RenameGroup(ctx, alice, g12.ID, "mine now")
	storetest.WantCode(t, err, hanok.Forbidden)
	storetest.WantCode(t, svc.DeleteGroup(ctx, alice, g12.ID), hanok.Forbidden)
	evs, _ = svc.Month(ctx, carol, 2017, time.June)
	if got := subjects(evs); got != "in twelve,in thirteen" {
		t.Fatalf("after a refused delete: %q", got)
	}
	r, err := svc.RenameGroup(ctx, bob, g12.ID, "renamed")
	if err != nil || r.Name != "renamed" || r.Updated.IsZero() {
		t.Fatalf("rename: %+v, %v", r, err)
	}
	if err := svc.DeleteGroup(ctx, bob, g12.ID); err != nil {
		t.Fatal(err)
	}
	evs, _ = svc.Month(ctx, carol, 2017, time.June)
	if got := subjects(evs); got != "in thirteen" {
		t.Fatalf("after delete: %q", got)
	}
	evs, _ = svc.Month(ctx, alice, 2017, time.June)
	if len(evs) != 0 {
		t.Fatalf("the deleted group's events survive for their owner: %q", subjects(evs))
	}
	storetest.WantCode(t, svc.DeleteGroup(ctx, bob, g12.ID), hanok.NotFound)

	mine, err := svc.MyGroups(ctx, bob)
	if err != nil || len(mine) != 12 {
		t.Fatalf("bob's groups: %d, %v", len(mine), err)
	}
	mine, _ = svc.MyGroups(ctx, alice)
	if len(mine) != 0 {
		t.Fatalf("alice's groups: %d", len(mine))
	}
	all, err := svc.AllGroups(ctx)
	if err != nil || len(all) != 12 {
		t.Fatalf("all groups: %d, %v", len(all), err)
	}
	if err := svc.SelectGroups(ctx, carol, nil); err != nil {
		t.Fatal(err)
	}
	evs, _ = svc.Month(ctx, carol, 2017, time.June)
	if len(evs) != 0 {
		t.Fatalf("after clearing: %q", subjects(evs))
	}
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	create(t, svc, alice, 0, "테스트 일정", "2017-06-20 09:00:00", "2017-06-20 12:00:00")
	create(t, svc, alice, 0, "놀이동산", "2017-06-20 20:00:00", "2017-06-20 21:00:00")
	create(t, svc, alice, 0, "Final 테스트", "2017-07-20 20:00:00", "2017-07-20 21:00:00")
	create(t, svc, bob, 0, "bob's 테스트", "2017-07-20 20:00:00", "2017-07-20 21:00:00")
	evs, err := svc.Search(ctx, alice, "테스트")
	if err != nil {
		t.Fatal(err)
	}
	if got := subjects(evs); got != "Final 테스트,테스트 일정" {
		t.Fatalf("search = %q", got)
	}
	evs, _ = svc.Search(ctx, alice, "FINAL")
	if got := subjects(evs); got != "Final 테스트" {
		t.Fatalf("case-insensitive search = %q", got)
	}
	_, err = svc.Search(ctx, alice, " ")
	storetest.WantCode(t, err, hanok.Invalid)
}

func TestBirthday(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	replaced, err := svc.SetBirthday(ctx, alice, calendar.Date{Year: 2000, Month: 6, Day: 19})
	if err != nil || replaced {
		t.Fatalf("first: %v, %v", replaced, err)
	}
	for _, y := range []int{2000, 2017, 2030} {
		evs, err := svc.Month(ctx, alice, y, time.June)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Birthday == nil || evs[0].Subject != "Birthday" ||
			!evs[0].Start.Equal(time.Date(y, 6, 19, 0, 0, 0, 0, seoul)) || !evs[0].End.Equal(time.Date(y, 6, 20, 0, 0, 0, 0, seoul)) {
			t.Fatalf("June %d: %+v", y, evs)
		}
	}
	evs, _ := svc.Month(ctx, alice, 1999, time.June)
	if len(evs) != 0 {
		t.Fatalf("a birthday before the registered year: %+v", evs)
	}
	evs, _ = svc.Month(ctx, bob, 2017, time.June)
	if len(evs) != 0 {
		t.Fatalf("bob sees alice's birthday: %+v", evs)
	}
	d, _ := calendar.ParseDate("2017-06-19")
	evs, _ = svc.Day(ctx, alice, d)
	if len(evs) != 1 {
		t.Fatalf("the birthday's day: %+v", evs)
	}
	d, _ = calendar.ParseDate("2017-06-20")
	evs, _ = svc.Day(ctx, alice, d)
	if len(evs) != 0 {
		t.Fatalf("the day after: %+v", evs)
	}

	replaced, err = svc.SetBirthday(ctx, alice, calendar.Date{Year: 1996, Month: 2, Day: 29})
	if err != nil || !replaced {
		t.Fatalf("second: %v, %v", replaced, err)
	}
	for y, day := range map[int]int{2016: 29, 2017: 28, 2100: 28, 2000: 29} {
		evs, err := svc.Month(ctx, alice, y, time.February)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Start.Day() != day {
			t.Fatalf("February %d: %+v, want the %d", y, evs, day)
		}
	}
	evs, _ = svc.Month(ctx, alice, 2017, time.June)
	if len(evs) != 0 {
		t.Fatalf("the replaced birthday still shows: %+v", evs)
	}
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
