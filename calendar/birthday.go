package calendar

import (
	"time"
)

// isLeap reports whether year has a 29 February.
func isLeap(year int) bool { return year%4 == 0 && (year%100 != 0 || year%400 == 0) }

// onYear returns the day the birthday d is celebrated in year: d's month
// and day, except that 29 February is 28 February in non-leap years.
func (d Date) onYear(year int) Date {
	if d.Month == time.February && d.Day == 29 && !isLeap(year) {
		return Date{year, time.February, 28}
	}
	return Date{year, d.Month, d.Day}
}

// birthdays returns the all-day occurrences of b that overlap [from, to),
// from the registered year on.
func (s *Service) birthdays(b *Birthday, from, to time.Time) []Event {
	loc := s.cfg.Location
	var out []Event
	for y := from.In(loc).Year() - 1; y <= to.In(loc).Year(); y++ {
		if y < b.Date.Year || y > 9999 {
			continue
		}
		start := b.Date.onYear(y).In(loc)
		end := start.AddDate(0, 0, 1)
		if !start.Before(to) || !end.After(from) {
			continue
		}
		date := b.Date
		out = append(out, Event{
			UID:        BirthdayUID(b.User),
			Owner:      b.User,
			OwnerEmail: b.Email,
			Subject:    s.cfg.BirthdaySubject,
			Start:      start,
			End:        end,
			Created:    b.Created,
			Birthday:   &date,
		})
	}
	return out
}
