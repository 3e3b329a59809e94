package calendar

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// The iCalendar (RFC 5545) forms of times.
const (
	icsLocal = "20060102T150405"
	icsUTC   = "20060102T150405Z"
	icsDate  = "20060102"
)

// WriteICS writes events as an RFC 5545 VCALENDAR: one VEVENT each, with
// UID, DTSTAMP, DTSTART/DTEND in the calendar's zone (described by a
// VTIMEZONE), SUMMARY and, for group events, CATEGORIES with the group's
// name. The occurrences of a birthday become one all-day VEVENT that
// repeats yearly from the registered date. Lines end in CRLF and are
// folded at 75 octets.
func (s *Service) WriteICS(w io.Writer, events []Event) error {
	return s.writeICS(w, events, s.cfg.Now(), true)
}

// WriteObject writes one event as a CalDAV calendar object resource (RFC
// 4791 4.1): a VCALENDAR without METHOD, whose DTSTAMP is the event's last
// change, so that the same event is always the same bytes.
func (s *Service) WriteObject(w io.Writer, e Event) error {
	stamp := e.Updated
	if stamp.IsZero() {
		stamp = e.Created
	}
	return s.writeICS(w, []Event{e}, stamp, false)
}

// writeICS writes events with DTSTAMP stamp, and METHOD:PUBLISH if
// publish.
func (s *Service) writeICS(w io.Writer, events []Event, stamp time.Time, publish bool) error {
	bw := bufio.NewWriter(w)
	iw := &icsWriter{w: bw}
	loc := s.cfg.Location
	utc := loc == time.UTC
	iw.line("BEGIN:VCALENDAR")
	iw.line("VERSION:2.0")
	iw.line("PRODID:-//hanok//calendar//EN")
	iw.line("CALSCALE:GREGORIAN")
	if publish {
		iw.line("METHOD:PUBLISH")
	}
	var timed []Event
	for _, e := range events {
		if e.Birthday == nil {
			timed = append(timed, e)
		}
	}
	if len(timed) > 0 && !utc {
		from, to := timed[0].Start, timed[0].End
		for _, e := range timed[1:] {
			if e.Start.Before(from) {
				from = e.Start
			}
			if e.End.After(to) {
				to = e.End
			}
		}
		writeTimezone(iw, loc, from, to)
	}
	dtstamp := stamp.UTC().Format(icsUTC)
	tzid := "TZID=" + paramValue(loc.String())
	when := func(name string, t time.Time) {
		if utc {
			iw.line(name + ":" + t.UTC().Format(icsUTC))
			return
		}
		iw.line(name + ";" + tzid + ":" + t.In(loc).Format(icsLocal))
	}
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e.UID] {
			continue
		}
		seen[e.UID] = true
		iw.line("BEGIN:VEVENT")
		iw.line("UID:" + escapeText(e.UID))
		iw.line("DTSTAMP:" + dtstamp)
		if !e.Created.IsZero() {
			iw.line("CREATED:" + e.Created.UTC().Format(icsUTC))
		}
		if !e.Updated.IsZero() {
			iw.line("LAST-MODIFIED:" + e.Updated.UTC().Format(icsUTC))
		}
		if b := e.Birthday; b != nil {
			first := b.In(time.UTC)
			iw.line("DTSTART;VALUE=DATE:" + first.Format(icsDate))
			iw.line("DTEND;VALUE=DATE:" + first.AddDate(0, 0, 1).Format(icsDate))
			if b.Month == time.February && b.Day == 29 {
				// The last day of February: the 29th in leap years and the
				// 28th in the others.
				iw.line("RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")
			} else {
				iw.line("RRULE:FREQ=YEARLY")
			}
			iw.line("TRANSP:TRANSPARENT")
		} else {
			when("DTSTART", e.Start)
			when("DTEND", e.End)
		}
		iw.line("SUMMARY:" + escapeText(e.Subject))
		if e.Group != 0 && e.GroupName != "" {
			iw.line("CATEGORIES:" + escapeText(e.GroupName))
		}
		if publish && strings.Contains(e.OwnerEmail, "@") && !strings.ContainsAny(e.OwnerEmail, " \t\r\n\"<>\\;:,") {
			iw.line("ORGANIZER:mailto:" + e.OwnerEmail)
		}
		iw.line("END:VEVENT")
	}
	iw.line("END:VCALENDAR")
	if iw.err != nil {
		return fmt.Errorf("calendar: write ics: %w", iw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("calendar: write ics: %w", err)
	}
	return nil
}

// writeTimezone writes the VTIMEZONE of loc: one observance for each
// period of constant offset that overlaps [from, to].
func writeTimezone(iw *icsWriter, loc *time.Location, from, to time.Time) {
	iw.line("BEGIN:VTIMEZONE")
	iw.line("TZID:" + escapeText(loc.String()))
	t := from.In(loc)
	for range 1000 {
		name, offset := t.Zone()
		start, end := t.ZoneBounds()
		kind := "STANDARD"
		if t.IsDST() {
			kind = "DAYLIGHT"
		}
		iw.line("BEGIN:" + kind)
		if start.IsZero() {
			// The period reaches back before every transition: its onset
			// must not be later than the first event it describes.
			onset := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
			if y, m, d := t.Date(); y < 1970 {
				onset = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
			}
			iw.line("DTSTART:" + onset.Format(icsLocal))
			iw.line("TZOFFSETFROM:" + icsOffset(offset))
		} else {
			_, prev := start.Add(-time.Second).Zone()
			iw.line("DTSTART:" + start.UTC().Add(time.Duration(prev)*time.Second).Format(icsLocal))
			iw.line("TZOFFSETFROM:" + icsOffset(prev))
		}
		iw.line("TZOFFSETTO:" + icsOffset(offset))
		if name != "" && !strings.ContainsAny(name, "+-") {
			iw.line("TZNAME:" + escapeText(name))
		}
		iw.line("END:" + kind)
		if end.IsZero() || end.After(to) {
			break
		}
		t = end
	}
	iw.line("END:VTIMEZONE")
}

// icsOffset formats a UTC offset in seconds as ±hhmm or ±hhmmss.
func icsOffset(sec int) string {
	sign := '+'
	if sec < 0 {
		sign, sec = '-', -sec
	}
	if sec%60 != 0 {
		return fmt.Sprintf("%c%02d%02d%02d", sign, sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', ';', ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			if r < 0x20 && r != '\t' || r == 0x7f {
				continue
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// paramValue quotes a parameter value if it holds a character that would
// end it.
func paramValue(s string) string {
	s = strings.ReplaceAll(s, `"`, "")
	if strings.ContainsAny(s, ";:,") {
		return `"` + s + `"`
	}
	return s
}

// icsWriter writes content lines with CRLF endings, folded at 75 octets
// without splitting a UTF-8 sequence.
type icsWriter struct {
	w   *bufio.Writer
	err error
}

const foldAt = 75

func (iw *icsWriter) line(s string) {
	if iw.err != nil {
		return
	}
	limit := foldAt
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		iw.write(s[:cut])
		iw.write("\r\n ")
		s = s[cut:]
		// A continuation line starts with a space, which counts.
		limit = foldAt - 1
	}
	iw.write(s)
	iw.write("\r\n")
}

func (iw *icsWriter) write(s string) {
	if iw.err == nil {
		_, iw.err = iw.w.WriteString(s)
	}
}
