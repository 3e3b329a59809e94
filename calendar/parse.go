package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date without a time or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String returns the date as 2006-01-02.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// valid reports whether d is a real date of years 1 to 9999.
func (d Date) valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 {
		return false
	}
	return d.Day <= daysIn(d.Year, d.Month)
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// number parses s as exactly n ASCII digits.
func number(s string, n int) (int, bool) {
	if len(s) != n {
		return 0, false
	}
	v := 0
	for i := 0; i < n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

var (
	errDateForm      = errors.New("must be a date in the form 2017-06-22")
	errYearMonthForm = errors.New("must be a year and month in the form 2017-06")
	errDateTimeForm  = errors.New("must be a date and time in the form 2017-06-19 20:00:00")
)

func parseDate(s string) (Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, false
	}
	y, ok1 := number(s[:4], 4)
	m, ok2 := number(s[5:7], 2)
	d, ok3 := number(s[8:], 2)
	date := Date{y, time.Month(m), d}
	return date, ok1 && ok2 && ok3 && date.valid()
}

// ParseDate parses a date in the form 2017-06-22. A time part after the
// date ("2017-06-22 20:00:00") is accepted and ignored, as the seed's
// clients send one with birthdays.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		if _, err := parseClock(s[10:]); err != nil {
			return Date{}, errDateForm
		}
		s = s[:10]
	}
	d, ok := parseDate(s)
	if !ok {
		return Date{}, errDateForm
	}
	return d, nil
}

// parseClock parses " 15:04:05", "T15:04:05", " 15:04" or "T15:04" into
// seconds after midnight.
func parseClock(s string) (int, error) {
	if len(s) < 6 || (s[0] != ' ' && s[0] != 'T') {
		return 0, errDateTimeForm
	}
	s = s[1:]
	sec := 0
	switch len(s) {
	case 8:
		if s[5] != ':' {
			return 0, errDateTimeForm
		}
		v, ok := number(s[6:], 2)
		if !ok || v > 59 {
			return 0, errDateTimeForm
		}
		sec = v
		s = s[:5]
	case 5:
	default:
		return 0, errDateTimeForm
	}
	if s[2] != ':' {
		return 0, errDateTimeForm
	}
	h, ok1 := number(s[:2], 2)
	m, ok2 := number(s[3:], 2)
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, errDateTimeForm
	}
	return h*3600 + m*60 + sec, nil
}

// ParseYearMonth parses a month in the form 2017-06.
func ParseYearMonth(s string) (year int, month time.Month, err error) {
	s = strings.TrimSpace(s)
	if len(s) != 7 || s[4] != '-' {
		return 0, 0, errYearMonthForm
	}
	y, ok1 := number(s[:4], 4)
	m, ok2 := number(s[5:], 2)
	if !ok1 || !ok2 || y < 1 || m < 1 || m > 12 {
		return 0, 0, errYearMonthForm
	}
	return y, time.Month(m), nil
}

// ParseLocalTime parses a wall-clock time in the form 2017-06-19 20:00:00
// (or with "T" for the space, or without seconds) in loc.
func ParseLocalTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if len(s) < 16 {
		return time.Time{}, errDateTimeForm
	}
	d, ok := parseDate(s[:10])
	if !ok {
		return time.Time{}, errDateTimeForm
	}
	sec, err := parseClock(s[10:])
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(d.Year, d.Month, d.Day, sec/3600, sec/60%60, sec%60, 0, loc), nil
}

// MaxSelection is the most groups one selection may name.
const MaxSelection = 1000

// ParseSelection parses the seed's selected_group value: group ids
// separated by commas ("1,2,13"), of any length. "0" (or an empty value)
// is the empty selection. Duplicates are dropped; order is kept.
func ParseSelection(s string) ([]GroupID, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return []GroupID{}, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxSelection {
		return nil, fmt.Errorf("must name at most %d groups", MaxSelection)
	}
	ids := make([]GroupID, 0, len(parts))
	seen := make(map[GroupID]bool, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 || p[0] == '+' {
			return nil, fmt.Errorf("must be positive group ids separated by commas, or \"0\"; %q is not one", p)
		}
		if !seen[GroupID(n)] {
			seen[GroupID(n)] = true
			ids = append(ids, GroupID(n))
		}
	}
	return ids, nil
}
