package calendar_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/memory"
)

// A user's month shows its own events, the events of the groups it
// selected, and its birthday; an event across midnight shows on both days.
func Example() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2017, 6, 19, 10, 0, 0, 0, time.UTC) }
	db := memory.New()
	// Events and groups belong to users of the same database: ids 1 and 2.
	users, _ := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	for _, name := range []string{"park", "kim"} {
		_, _ = users.Register(ctx, auth.RegisterInput{Username: name, Email: name + "@example.com", Password: "password123"})
	}
	svc, err := calendar.New(db.Calendar(), calendar.Config{Now: now})
	if err != nil {
		panic(err)
	}
	park := hanok.Actor{ID: 1, Email: "park@example.com"}
	kim := hanok.Actor{ID: 2, Email: "kim@example.com"}

	team, _ := svc.CreateGroup(ctx, kim, "team")
	at := func(s string) time.Time {
		t, _ := calendar.ParseLocalTime(s, svc.Location())
		return t
	}
	_, _ = svc.CreateEvent(ctx, kim, calendar.EventInput{Subject: "team dinner", Start: at("2017-06-20 19:00:00"), End: at("2017-06-20 21:00:00"), Group: team.ID})
	_, _ = svc.CreateEvent(ctx, park, calendar.EventInput{Subject: "night shift", Start: at("2017-06-21 23:00:00"), End: at("2017-06-22 01:00:00")})
	_, _ = svc.SetBirthday(ctx, park, calendar.Date{Year: 1990, Month: time.June, Day: 22})
	_ = svc.SelectGroups(ctx, park, []calendar.GroupID{team.ID})

	events, _ := svc.Month(ctx, park, 2017, time.June)
	for _, e := range events {
		// Another user's email is never shown: only its display name.
		fmt.Printf("%s %s (%s %q) [%s]\n", e.Start.Format(time.RFC1123Z), e.Subject, e.OwnerName, e.OwnerEmail, e.GroupName)
	}
	day, _ := svc.Day(ctx, park, calendar.Date{Year: 2017, Month: time.June, Day: 22})
	fmt.Println("22 June:", len(day), "events")
	// Output:
	// Tue, 20 Jun 2017 19:00:00 +0900 team dinner (kim "") [team]
	// Wed, 21 Jun 2017 23:00:00 +0900 night shift (park "park@example.com") []
	// Thu, 22 Jun 2017 00:00:00 +0900 Birthday (park "park@example.com") []
	// 22 June: 2 events
}

// WriteICS exports a calendar as iCalendar text.
func ExampleService_WriteICS() {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2017, 6, 19, 10, 0, 0, 0, time.UTC) }
	db := memory.New()
	users, _ := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	_, _ = users.Register(ctx, auth.RegisterInput{Username: "park", Email: "park@example.com", Password: "password123"}) // id 1
	svc, _ := calendar.New(db.Calendar(), calendar.Config{Now: now})
	park := hanok.Actor{ID: 1, Email: "park@example.com"}
	start, _ := calendar.ParseLocalTime("2017-06-20 09:00:00", svc.Location())
	_, _ = svc.CreateEvent(ctx, park, calendar.EventInput{Subject: "테스트 일정", Start: start, End: start.Add(3 * time.Hour)})
	events, _ := svc.Month(ctx, park, 2017, time.June)

	var b strings.Builder
	_ = svc.WriteICS(&b, events)
	for _, line := range strings.Split(b.String(), "\r\n") {
		if strings.HasPrefix(line, "DTSTART") || strings.HasPrefix(line, "DTEND") || strings.HasPrefix(line, "SUMMARY") {
			fmt.Fprintln(os.Stdout, line)
		}
	}
	// Output:
	// DTSTART:19881009T030000
	// DTSTART;TZID=Asia/Seoul:20170620T090000
	// DTEND;TZID=Asia/Seoul:20170620T120000
	// SUMMARY:테스트 일정
}
