package calendarhttp

import (
	"slices"
	"sort"
	"strings"

	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"

	"github.com/hanok-dev/hanok/calendar"
)

// What a PUT may carry that hanok cannot hold, and what it does with it.
//
// A recurring event (RRULE, RDATE, EXDATE, or overridden instances with
// RECURRENCE-ID) is refused with the CalDAV precondition
// CALDAV:valid-calendar-object-resource (409): hanok would keep one
// occurrence of a series, and the client, told it was stored, would show
// a series that exists nowhere else: refused, the user sees the failure
// at once. Everything else hanok has no field for (ATTENDEE, ORGANIZER,
// VALARM, DESCRIPTION, LOCATION, the clients' X- properties, the all-day
// form of a date) is accepted and dropped: the event's subject and times
// are stored, a log line names what was dropped, and the response carries
// no ETag (RFC 4791 5.3.4) so that the client fetches what was stored.
// Alarms and attendees are what every desktop client adds by default;
// refusing them would refuse most events.

// keptProps are the VEVENT properties hanok keeps, or that describe the
// resource rather than the event (and so are not counted as dropped).
var keptProps = []string{
	ical.PropUID, ical.PropDateTimeStamp, ical.PropDateTimeStart, ical.PropDateTimeEnd,
	ical.PropDuration, ical.PropSummary, ical.PropCreated, ical.PropLastModified, ical.PropSequence,
}

// recurrenceProps make an event recurring.
var recurrenceProps = []string{ical.PropRecurrenceRule, ical.PropRecurrenceDates, ical.PropExceptionDates, ical.PropRecurrenceID}

// noSubject is the subject of an event sent without a SUMMARY.
const noSubject = "(no subject)"

// eventFromICS reads the event a PUT sends: its UID, subject and times,
// and the names of what hanok dropped.
func (h *handler) eventFromICS(cal *ical.Calendar) (calendar.EventInput, []string, error) {
	var in calendar.EventInput
	kind, bodyUID, err := caldav.ValidateCalendarObject(cal)
	if err != nil {
		return in, nil, caldav.NewPreconditionError(caldav.PreconditionValidCalendarObjectResource)
	}
	if kind != ical.CompEvent {
		return in, nil, caldav.NewPreconditionError(caldav.PreconditionSupportedCalendarComponent)
	}
	if calendar.CheckUID(bodyUID) != nil {
		return in, nil, caldav.NewPreconditionError(caldav.PreconditionValidCalendarObjectResource)
	}
	in.UID = bodyUID
	events := cal.Events()
	if len(events) != 1 {
		return in, nil, caldav.NewPreconditionError(caldav.PreconditionValidCalendarObjectResource)
	}
	ev := events[0]
	for _, p := range recurrenceProps {
		if ev.Props.Get(p) != nil {
			return in, nil, caldav.NewPreconditionError(caldav.PreconditionValidCalendarObjectResource)
		}
	}
	loc := h.svc.Location()
	start, err := ev.DateTimeStart(loc)
	if err != nil || ev.Props.Get(ical.PropDateTimeStart) == nil {
		return in, nil, caldav.NewPreconditionError(caldav.PreconditionValidCalendarObjectResource)
	}
	end, err := ev.DateTimeEnd(loc)
	if err != nil {
		return in, nil, caldav.NewPreconditionError(caldav.PreconditionValidCalendarObjectResource)
	}
	in.Start, in.End = start, end
	summary, _ := ev.Props.Text(ical.PropSummary)
	in.Subject = strings.TrimSpace(summary)
	if in.Subject == "" {
		in.Subject = noSubject
	}
	dropped := map[string]bool{}
	if in.Subject != summary {
		dropped["SUMMARY (blank)"] = true
	}
	if p := ev.Props.Get(ical.PropDateTimeStart); p.ValueType() == ical.ValueDate || len(p.Value) == len("20060102") {
		dropped["VALUE=DATE (all-day)"] = true
	}
	for name := range ev.Props {
		if !slices.Contains(keptProps, name) {
			dropped[name] = true
		}
	}
	for _, c := range ev.Children {
		dropped[c.Name] = true
	}
	for name := range cal.Props {
		switch name {
		case ical.PropProductID, ical.PropVersion, ical.PropCalendarScale:
		default:
			dropped[name] = true
		}
	}
	names := make([]string, 0, len(dropped))
	for n := range dropped {
		names = append(names, n)
	}
	sort.Strings(names)
	return in, names, nil
}
