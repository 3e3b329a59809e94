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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/emersion/go-ical"

	"github.com/hanok-dev/hanok/calendar"
)

func TestWriteICSParsesBack(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	g, err := svc.CreateGroup(ctx, bob, "회식, 저녁; 약속")
	require.NoError(t, err)
	long := strings.Repeat("아주 긴 제목 ", 12) + `with, commas; semis \ and a backslash`
	create(t, svc, alice, 0, long, "2017-06-19 20:00:00", "2017-06-19 23:00:00")
	create(t, svc, bob, g.ID, "group dinner", "2017-06-20 19:00:00", "2017-06-21 01:00:00")
	require.NoError(t, svc.SelectGroups(ctx, alice, []calendar.GroupID{g.ID}))
	_, err = svc.SetBirthday(ctx, alice, calendar.Date{Year: 1990, Month: 6, Day: 22})
	require.NoError(t, err)
	events, err := svc.Month(ctx, alice, 2017, time.June)
	require.NoError(t, err)
	require.Len(t, events, 3, "June")
	var buf bytes.Buffer
	require.NoError(t, svc.WriteICS(&buf, events))
	out := buf.String()

	require.True(t, strings.HasSuffix(out, "END:VCALENDAR\r\n"), "does not end with END:VCALENDAR CRLF: %q", out[max(0, len(out)-40):])
	folded := false
	for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
		require.NotContains(t, line, "\n", "bare LF")
		require.LessOrEqual(t, len(line), 75, "octets of %q", line)
		require.True(t, utf8.ValidString(line), "a fold split a UTF-8 sequence: %q", line)
		if strings.HasPrefix(line, " ") {
			folded = true
		}
	}
	require.True(t, folded, "the long subject was not folded")
	for _, want := range []string{"BEGIN:VTIMEZONE\r\nTZID:Asia/Seoul\r\n", "TZOFFSETTO:+0900\r\n", "DTSTART;TZID=Asia/Seoul:20170619T200000\r\n"} {
		assert.Contains(t, out, want)
	}

	cal, err := ical.NewDecoder(strings.NewReader(out)).Decode()
	require.NoError(t, err, "go-ical cannot parse the output:\n%s", out)
	require.NotEmpty(t, cal.Children)
	require.Equal(t, ical.CompTimezone, cal.Children[0].Name, "the first component")
	parsed := cal.Events()
	require.Len(t, parsed, len(events))
	for i, want := range events {
		p := parsed[i]
		uid, _ := p.Props.Text(ical.PropUID)
		summary, _ := p.Props.Text(ical.PropSummary)
		assert.Equal(t, want.UID, uid, "event %d", i)
		assert.Equal(t, want.Subject, summary, "event %d", i)
		assert.NotNil(t, p.Props.Get(ical.PropDateTimeStamp), "DTSTAMP of event %d", i)
		start, err := p.DateTimeStart(nil)
		require.NoError(t, err)
		end, err := p.DateTimeEnd(nil)
		require.NoError(t, err)
		var cats []string
		if c := p.Props.Get(ical.PropCategories); c != nil {
			cats, _ = c.TextList()
		}
		if want.Birthday != nil {
			assert.Equal(t, "1990-06-22", start.Format("2006-01-02"), "the birthday's first day")
			assert.Equal(t, 24*time.Hour, end.Sub(start), "the birthday's length")
			assert.Equal(t, ical.ValueDate, p.Props.Get(ical.PropDateTimeStart).ValueType(), "the birthday's DTSTART")
			rule, err := p.Props.RecurrenceRule()
			require.NoError(t, err)
			require.NotNil(t, rule, "the birthday's RRULE")
			assert.Equal(t, "YEARLY", rule.Freq.String())
			set, err := p.RecurrenceSet(seoul)
			require.NoError(t, err)
			occ := set.Between(time.Date(2017, 6, 1, 0, 0, 0, 0, seoul), time.Date(2017, 7, 1, 0, 0, 0, 0, seoul), true)
			require.Len(t, occ, 1, "birthday occurrences in June 2017")
			assert.True(t, occ[0].Equal(want.Start), "occurrence %v, want %v", occ[0], want.Start)
			continue
		}
		// The organizer is shown only when it is the user who exports:
		// another user's email is not shown, in iCalendar either.
		if org := p.Props.Get(ical.PropOrganizer); want.OwnerEmail == "" {
			assert.Nil(t, org, "ORGANIZER of another user's event %d", i)
		} else if assert.NotNil(t, org, "ORGANIZER of event %d", i) {
			assert.Equal(t, "mailto:"+want.OwnerEmail, org.Value)
		}
		assert.True(t, start.Equal(want.Start), "event %d starts %v, want %v", i, start, want.Start)
		assert.True(t, end.Equal(want.End), "event %d ends %v, want %v", i, end, want.End)
		if want.Group != 0 {
			assert.Equal(t, []string{"회식, 저녁; 약속"}, cats, "group event CATEGORIES")
		} else {
			assert.Empty(t, cats, "plain event CATEGORIES")
		}
	}
}

func TestWriteICSLeapDayBirthday(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	_, err := svc.SetBirthday(ctx, alice, calendar.Date{Year: 1996, Month: 2, Day: 29})
	require.NoError(t, err)
	from := time.Date(2017, 1, 1, 0, 0, 0, 0, seoul)
	events, err := svc.Range(ctx, alice, from, from.AddDate(2, 0, 0))
	require.NoError(t, err)
	require.Len(t, events, 2, "birthdays in two years")
	var buf bytes.Buffer
	require.NoError(t, svc.WriteICS(&buf, events))
	cal, err := ical.NewDecoder(&buf).Decode()
	require.NoError(t, err)
	evs := cal.Events()
	require.Len(t, evs, 1, "VEVENTs for one birthday")
	set, err := evs[0].RecurrenceSet(seoul)
	require.NoError(t, err)
	occ := set.Between(from, from.AddDate(4, 0, 0), true)
	var got []string
	for _, o := range occ {
		got = append(got, o.Format("2006-01-02"))
	}
	assert.Equal(t, []string{"2017-02-28", "2018-02-28", "2019-02-28", "2020-02-29"}, got)
}

func TestWriteICSDaylightSaving(t *testing.T) {
	ny := mustLoad("America/New_York")
	svc, err := calendar.New(nil, calendar.Config{Location: ny, Now: func() time.Time { return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC) }})
	require.NoError(t, err)
	events := []calendar.Event{
		{UID: "a@test", Subject: "winter", Start: time.Date(2024, 1, 10, 9, 0, 0, 0, ny), End: time.Date(2024, 1, 10, 10, 0, 0, 0, ny)},
		{UID: "b@test", Subject: "summer", Start: time.Date(2024, 7, 10, 9, 0, 0, 0, ny), End: time.Date(2024, 7, 10, 10, 0, 0, 0, ny)},
	}
	var buf bytes.Buffer
	require.NoError(t, svc.WriteICS(&buf, events))
	out := buf.String()
	for _, want := range []string{
		"BEGIN:DAYLIGHT\r\nDTSTART:20240310T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nEND:DAYLIGHT",
		"BEGIN:STANDARD\r\nDTSTART:20231105T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\nEND:STANDARD",
		"DTSTART;TZID=America/New_York:20240710T090000",
	} {
		assert.Contains(t, out, want)
	}
	cal, err := ical.NewDecoder(&buf).Decode()
	require.NoError(t, err)
	start, err := cal.Events()[1].DateTimeStart(nil)
	require.NoError(t, err)
	assert.True(t, start.Equal(events[1].Start), "summer start %v, want %v", start, events[1].Start)
}

// Events older than a zone's first transition (or in a zone without
// transitions) fall in an observance whose onset is not after them, and
// the onsets follow one another in time.
func TestWriteICSEarlyEvents(t *testing.T) {
	for _, loc := range []*time.Location{seoul, time.FixedZone("KST", 9*3600)} {
		svc, err := calendar.New(nil, calendar.Config{Location: loc})
		require.NoError(t, err)
		events := []calendar.Event{
			{UID: "a@test", Subject: "1900", Start: time.Date(1900, 5, 1, 9, 0, 0, 0, loc), End: time.Date(1900, 5, 1, 10, 0, 0, 0, loc)},
			{UID: "b@test", Subject: "1975", Start: time.Date(1975, 5, 1, 9, 0, 0, 0, loc), End: time.Date(1975, 5, 1, 10, 0, 0, 0, loc)},
		}
		var buf bytes.Buffer
		require.NoError(t, svc.WriteICS(&buf, events))
		cal, err := ical.NewDecoder(&buf).Decode()
		require.NoError(t, err)
		var onsets []string
		for _, c := range cal.Children {
			if c.Name != ical.CompTimezone {
				continue
			}
			for _, o := range c.Children {
				onsets = append(onsets, o.Props.Get(ical.PropDateTimeStart).Value)
			}
		}
		require.NotEmpty(t, onsets, loc)
		assert.LessOrEqual(t, onsets[0], "19000501T090000", "%s: the first onset is after the 1900 event", loc)
		for i := 1; i < len(onsets); i++ {
			assert.Greater(t, onsets[i], onsets[i-1], "%s: onsets in order", loc)
		}
	}
}

// BenchmarkWriteICS writes a month of 100 events and a birthday.
func BenchmarkWriteICS(b *testing.B) {
	svc, err := calendar.New(nil, calendar.Config{})
	require.NoError(b, err)
	loc := svc.Location()
	birth := calendar.Date{Year: 1990, Month: 6, Day: 19}
	events := []calendar.Event{{UID: "birthday-1@hanok", Subject: "Birthday", Start: birth.In(loc), End: birth.In(loc).AddDate(0, 0, 1), Birthday: &birth}}
	for i := range 100 {
		start := time.Date(2017, 6, 1+i%30, 9+i%10, 0, 0, 0, loc)
		events = append(events, calendar.Event{UID: fmt.Sprintf("%d@hanok", i), Subject: fmt.Sprintf("회의, 일정 %d", i), Start: start, End: start.Add(time.Hour), Group: 1, GroupName: "team", Created: start})
	}
	for b.Loop() {
		require.NoError(b, svc.WriteICS(io.Discard, events))
	}
}

// FuzzWriteICS checks that any subject and group name come out as lines
// of at most 75 octets of valid UTF-8, and parse back to themselves.
func FuzzWriteICS(f *testing.F) {
	f.Add("테스트 일정", "회식")
	f.Add(`a,b;c\d`, "x\ny")
	f.Add(strings.Repeat("가", 40), strings.Repeat("ab", 60))
	svc, err := calendar.New(nil, calendar.Config{})
	require.NoError(f, err)
	loc := svc.Location()
	f.Fuzz(func(t *testing.T, subject, group string) {
		if !utf8.ValidString(subject) || !utf8.ValidString(group) {
			return
		}
		start := time.Date(2017, 6, 20, 9, 0, 0, 0, loc)
		ev := calendar.Event{UID: "x@hanok", Subject: subject, Start: start, End: start.Add(time.Hour), Group: 1, GroupName: group}
		var buf bytes.Buffer
		require.NoError(t, svc.WriteICS(&buf, []calendar.Event{ev}))
		out := buf.String()
		for _, line := range strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n") {
			require.LessOrEqual(t, len(line), 75, "octets of %q", line)
			require.True(t, utf8.ValidString(line), "a fold split a UTF-8 sequence: %q", line)
			require.False(t, strings.ContainsAny(line, "\r\n"), "a bare CR or LF in %q", line)
		}
		cal, err := ical.NewDecoder(&buf).Decode()
		require.NoError(t, err, "%s", out)
		evs := cal.Events()
		require.Len(t, evs, 1)
		got, err := evs[0].Props.Text(ical.PropSummary)
		require.NoError(t, err)
		require.Equal(t, icsClean(subject), got, "SUMMARY")
		if cat := evs[0].Props.Get(ical.PropCategories); group != "" {
			names, err := cat.TextList()
			require.NoError(t, err)
			require.Equal(t, icsClean(group), strings.Join(names, ","), "CATEGORIES")
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
