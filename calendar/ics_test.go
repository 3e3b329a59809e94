package calendar_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"

	"github.com/hanok-dev/hanok/calendar"
)

func TestWriteICSParsesBack(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	g, err := svc.CreateGroup(ctx, bob, "회식, 저녁; 약속")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("아주 긴 제목 ", 12) + `with, commas; semis \ and a backslash`
	create(t, svc, alice, 0, long, "2017-06-19 20:00:00", "2017-06-19 23:00:00")
	create(t, svc, bob, g.ID, "group dinner", "2017-06-20 19:00:00", "2017-06-21 01:00:00")
	if err := svc.SelectGroups(ctx, alice, []calendar.GroupID{g.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetBirthday(ctx, alice, calendar.Date{Year: 1990, Month: 6, Day: 22}); err != nil {
		t.Fatal(err)
	}
	events, err := svc.Month(ctx, alice, 2017, time.June)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("June has %d events, want 3", len(events))
	}
	var buf bytes.Buffer
	if err := svc.WriteICS(&buf, events); err != nil {
		t.Fatal(err)
	}
	out := buf.String()

	if !strings.HasSuffix(out, "END:VCALENDAR\r\n") {
		t.Fatalf("does not end with END:VCALENDAR CRLF: %q", out[max(0, len(out)-40):])
	}
	folded := false
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		if strings.Contains(line, "\n") {
			t.Fatalf("bare LF in %q", line)
		}
		if len(line) > 75 {
			t.Fatalf("line of %d octets: %q", len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Fatalf("a fold split a UTF-8 sequence: %q", line)
		}
		if strings.HasPrefix(line, " ") {
			folded = true
		}
	}
	if !folded {
		t.Fatal("the long subject was not folded")
	}
	for _, want := range []string{"BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\n", "TZOFFSETTO:+0900\r\n", "DTSTART;TZID=Asia/Seoul:20170619T200000\r\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}

	cal, err := ical.NewDecoder(strings.NewReader(out)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the output: %v\n%s", err, out)
	}
	if tzs := cal.Children; len(tzs) == 0 || tzs[0].Name != ical.CompTimezone {
		t.Fatalf("first component is not a VTIMEZONE")
	}
	parsed := cal.Events()
	if len(parsed) != len(events) {
		t.Fatalf("parsed %d events, want %d", len(parsed), len(events))
	}
	for i, want := range events {
		p := parsed[i]
		uid, _ := p.Props.Text(ical.PropUID)
		summary, _ := p.Props.Text(ical.PropSummary)
		if uid != want.UID || summary != want.Subject {
			t.Errorf("event %d: UID %q SUMMARY %q, want %q %q", i, uid, summary, want.UID, want.Subject)
		}
		if p.Props.Get(ical.PropDateTimeStamp) == nil {
			t.Errorf("event %d has no DTSTAMP", i)
		}
		start, err := p.DateTimeStart(nil)
		if err != nil {
			t.Fatal(err)
		}
		end, err := p.DateTimeEnd(nil)
		if err != nil {
			t.Fatal(err)
		}
		var cats []string
		if c := p.Props.Get(ical.PropCategories); c != nil {
			cats, _ = c.TextList()
		}
		if want.Birthday != nil {
			if start.Format("2006-01-02") != "1990-06-22" || end.Sub(start) != 24*time.Hour {
				t.Errorf("birthday from %v to %v", start, end)
			}
			if v := p.Props.Get(ical.PropDateTimeStart).ValueType(); v != ical.ValueDate {
				t.Errorf("birthday DTSTART is %q, want a DATE", v)
			}
			rule, err := p.Props.RecurrenceRule()
			if err != nil || rule == nil || rule.Freq.String() != "YEARLY" {
				t.Errorf("birthday RRULE = %+v, %v", rule, err)
			}
			set, err := p.RecurrenceSet(seoul)
			if err != nil {
				t.Fatal(err)
			}
			occ := set.Between(time.Date(2017, 6, 1, 0, 0, 0, 0, seoul), time.Date(2017, 7, 1, 0, 0, 0, 0, seoul), true)
			if len(occ) != 1 || !occ[0].Equal(want.Start) {
				t.Errorf("birthday occurrences in June 2017 = %v, want %v", occ, want.Start)
			}
			continue
		}
		// The organizer is shown only when it is the user who exports:
		// another user's email is not shown, in iCalendar either.
		if org := p.Props.Get(ical.PropOrganizer); want.OwnerEmail == "" && org != nil ||
			want.OwnerEmail != "" && (org == nil || org.Value != "mailto:"+want.OwnerEmail) {
			t.Errorf("event %d: ORGANIZER %v, want mailto:%q", i, org, want.OwnerEmail)
		}
		if !start.Equal(want.Start) || !end.Equal(want.End) {
			t.Errorf("event %d: %v..%v, want %v..%v", i, start, end, want.Start, want.End)
		}
		if want.Group != 0 {
			if len(cats) != 1 || cats[0] != "회식, 저녁; 약속" {
				t.Errorf("group event CATEGORIES = %q", cats)
			}
		} else if len(cats) != 0 {
			t.Errorf("plain event CATEGORIES = %q", cats)
		}
	}
}

func TestWriteICSLeapDayBirthday(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	if _, err := svc.SetBirthday(ctx, alice, calendar.Date{Year: 1996, Month: 2, Day: 29}); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2017, 1, 1, 0, 0, 0, 0, seoul)
	events, err := svc.Range(ctx, alice, from, from.AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("two years hold %d birthdays", len(events))
	}
	var buf bytes.Buffer
	if err := svc.WriteICS(&buf, events); err != nil {
		t.Fatal(err)
	}
	cal, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatal(err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d VEVENTs for one birthday", len(evs))
	}
	set, err := evs[0].RecurrenceSet(seoul)
	if err != nil {
		t.Fatal(err)
	}
	occ := set.Between(from, from.AddDate(4, 0, 0), true)
	var got []string
	for _, o := range occ {
		got = append(got, o.Format("2006-01-02"))
	}
	if strings.Join(got, " ") != "2017-02-28 2018-02-28 2019-02-28 2020-02-29" {
		t.Fatalf("occurrences %v", got)
	}
}

func TestWriteICSDaylightSaving(t *testing.T) {
	ny := mustLoad("America/New_York")
	svc, err := calendar.New(nil, calendar.Config{Location: ny, Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	events := []calendar.Event{
		{UID: "a@test", Subject: "winter", Start: time.Date(2024, 1, 10, 9, 0, 0, 0, ny), End: time.Date(2024, 1, 10, 10, 0, 0, 0, ny)},
		{UID: "b@test", Subject: "summer", Start: time.Date(2024, 7, 10, 9, 0, 0, 0, ny), End: time.Date(2024, 7, 10, 10, 0, 0, 0, ny)},
	}
	var buf bytes.Buffer
	if err := svc.WriteICS(&buf, events); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"BEGIN:DAYLIGHT\r\nDTSTART:20240310T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT",
		"BEGIN:STANDARD\r\nDTSTART:20231105T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD",
		"DTSTART;TZID=America/New_York:20240710T090000",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cal, err := ical.NewDecoder(&buf).Decode()
	if err != nil {
		t.Fatal(err)
	}
	start, err := cal.Events()[1].DateTimeStart(nil)
	if err != nil || !start.Equal(events[1].Start) {
		t.Fatalf("summer start %v, %v", start, err)
	}
}

// Events older than a zone's first transition (or in a zone without
// transitions) fall in an observance whose onset is not after them, and
// the onsets follow one another in time.
func TestWriteICSEarlyEvents(t *testing.T) {
	for _, loc := range []*time.Location{seoul, time.FixedZone("KST", 9*3600)} {
		svc, err := calendar.New(nil, calendar.Config{Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		events := []calendar.Event{
			{UID: "a@test", Subject: "1900", Start: time.Date(1900, 5, 1, 9, 0, 0, 0, loc), End: time.Date(1900, 5, 1, 10, 0, 0, 0, loc)},
			{UID: "b@test", Subject: "1975", Start: time.Date(1975, 5, 1, 9, 0, 0, 0, loc), End: time.Date(1975, 5, 1, 10, 0, 0, 0, loc)},
		}
		var buf bytes.Buffer
		if err := svc.WriteICS(&buf, events); err != nil {
			t.Fatal(err)
		}
		cal, err := ical.NewDecoder(&buf).Decode()
		if err != nil {
			t.Fatal(err)
		}
		var onsets []string
		for _, c := range cal.Children {
			if c.Name != ical.CompTimezone {
				continue
			}
			for _, o := range c.Children {
				onsets = append(onsets, o.Props.Get(ical.PropDateTimeStart).Value)
			}
		}
		if len(onsets) == 0 || onsets[0] > "19000501T090000" {
			t.Errorf("%s: first onset %v is after the 1900 event", loc, onsets)
		}
		for i := 1; i < len(onsets); i++ {
			if onsets[i] <= onsets[i-1] {
				t.Errorf("%s: onset %s follows %s", loc, onsets[i], onsets[i-1])
			}
		}
	}
}

// BenchmarkWriteICS writes a month of 100 events and a birthday.
func BenchmarkWriteICS(b *testing.B) {
	svc, err := calendar.New(nil, calendar.Config{})
	if err != nil {
		b.Fatal(err)
	}
	loc := svc.Location()
	birth := calendar.Date{Year: 1990, Month: 6, Day: 19}
	events := []calendar.Event{{UID: "birthday-1@hanok", Subject: "Birthday", Start: birth.In(loc), End: birth.In(loc).AddDate(0, 0, 1), Birthday: &birth}}
	for i := range 100 {
		start := time.Date(2017, 6, 1+i%30, 9+i%10, 0, 0, 0, loc)
		events = append(events, calendar.Event{UID: fmt.Sprintf("%d@hanok", i), Subject: fmt.Sprintf("회의, 일정 %d", i), Start: start, End: start.Add(time.Hour), Group: 1, GroupName: "team", Created: start})
	}
	for b.Loop() {
		if err := svc.WriteICS(io.Discard, events); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzWriteICS checks that any subject and group name come out as lines
// of at most 75 octets of valid UTF-8, and parse back to themselves.
func FuzzWriteICS(f *testing.F) {
	f.Add("테스트 일정", "회식")
	f.Add(`a,b;c\d`, "x\ny")
	f.Add(strings.Repeat("가", 40), strings.Repeat("ab", 60))
	svc, err := calendar.New(nil, calendar.Config{})
	if err != nil {
		f.Fatal(err)
	}
	loc := svc.Location()
	f.Fuzz(func(t *testing.T, subject, group string) {
		if !utf8.ValidString(subject) || !utf8.ValidString(group) {
			return
		}
		start := time.Date(2017, 6, 20, 9, 0, 0, 0, loc)
		ev := calendar.Event{UID: "x@hanok", Subject: subject, Start: start, End: start.Add(time.Hour), Group: 1, GroupName: group}
		var buf bytes.Buffer
		if err := svc.WriteICS(&buf, []calendar.Event{ev}); err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			if len(line) > 75 || !utf8.ValidString(line) || strings.ContainsAny(line, "\r\n") {
				t.Fatalf("bad line %q", line)
			}
		}
		cal, err := ical.NewDecoder(&buf).Decode()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		got, err := evs[0].Props.Text(ical.PropSummary)
		if want := icsClean(subject); err != nil || got != want {
			t.Fatalf("SUMMARY %q, want %q (%v)", got, want, err)
		}
		if cat := evs[0].Props.Get(ical.PropCategories); group != "" {
			names, err := cat.TextList()
			if want := icsClean(group); err != nil || strings.Join(names, ",") != want {
				t.Fatalf("CATEGORIES %q, want %q (%v)", names, want, err)
			}
		}
	})
}

// icsClean is what WriteICS keeps of a text: everything but CR and the
// control characters other than tab and LF.
func icsClean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r < 0x20 && r != '\t' && r != '\n' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}
