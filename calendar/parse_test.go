package calendar_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/calendar"
)

func TestParseSelection(t *testing.T) {
	for in, want := range map[string]string{
		"0":             "[]",
		"":              "[]",
		"1,2,3":         "[1 2 3]",
		"12,13":         "[12 13]",
		" 12 , 13 ":     "[12 13]",
		"13,12,13":      "[13 12]",
		"9007199254741": "[9007199254741]",
	} {
		got, err := calendar.ParseSelection(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("ParseSelection(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"a", "1,,2", "1,x", "-1", "0,3", "1;2", "+1", "99999999999999999999"} {
		if got, err := calendar.ParseSelection(in); err == nil {
			t.Errorf("ParseSelection(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseDate(t *testing.T) {
	for in, want := range map[string]string{
		"2017-06-22":          "2017-06-22",
		"2016-02-29":          "2016-02-29",
		"2017-06-19 20:00:00": "2017-06-19",
		"2017-06-19T20:00":    "2017-06-19",
	} {
		got, err := calendar.ParseDate(in)
		if err != nil || got.String() != want {
			t.Errorf("ParseDate(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"2017-02-29", "2017-13-01", "2017-06-31", "17-06-01", "2017/06/01", "2017-06-01 25:00:00", "2017-06-01x", "0000-01-01"} {
		if got, err := calendar.ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseYearMonth(t *testing.T) {
	y, m, err := calendar.ParseYearMonth("2017-06")
	if err != nil || y != 2017 || m != time.June {
		t.Fatalf("2017-06 = %d %v %v", y, m, err)
	}
	for _, in := range []string{"2017-13", "2017-00", "2017-6", "201706", "2017-06-01", "abcd-ef"} {
		if _, _, err := calendar.ParseYearMonth(in); err == nil {
			t.Errorf("ParseYearMonth(%q) succeeded", in)
		}
	}
}

func TestParseLocalTime(t *testing.T) {
	got, err := calendar.ParseLocalTime("2017-06-19 20:00:00", seoul)
	if err != nil || !got.Equal(time.Date(2017, 6, 19, 11, 0, 0, 0, time.UTC)) {
		t.Fatalf("= %v, %v", got, err)
	}
	got, err = calendar.ParseLocalTime("2017-06-19T20:05", seoul)
	if err != nil || !got.Equal(time.Date(2017, 6, 19, 11, 5, 0, 0, time.UTC)) {
		t.Fatalf("no seconds = %v, %v", got, err)
	}
	for _, in := range []string{"2017-06-19", "2017-06-19 24:00:00", "2017-06-19 20:60:00", "2017-06-19 20:00:60", "2017-06-19 20:00:00Z", "2017-02-30 10:00:00", "2017-06-19  20:00:00"} {
		if got, err := calendar.ParseLocalTime(in, seoul); err == nil {
			t.Errorf("ParseLocalTime(%q) = %v, want an error", in, got)
		}
	}
}

// FuzzParseSelection checks that ParseSelection never panics and that
// what it accepts is positive and without duplicates.
func FuzzParseSelection(f *testing.F) {
	for _, s := range []string{"0", "1,2,13", " 12 , 13 ", "1,,2", "-5", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := calendar.ParseSelection(s)
		if err != nil {
			return
		}
		seen := map[calendar.GroupID]bool{}
		for _, id := range ids {
			if id <= 0 || seen[id] {
				t.Fatalf("ParseSelection(%q) = %v", s, ids)
			}
			seen[id] = true
		}
	})
}

// FuzzParseLocalTime checks that an accepted time prints back to the
// same wall clock.
func FuzzParseLocalTime(f *testing.F) {
	for _, s := range []string{"2017-06-19 20:00:00", "2017-06-19T20:00", "2016-02-29 23:59:59", "2017-06-19 24:00:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := calendar.ParseLocalTime(s, time.UTC)
		if err != nil {
			return
		}
		again, err := calendar.ParseLocalTime(got.Format("2006-01-02 15:04:05"), time.UTC)
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q -> %v -> %v, %v", s, got, again, err)
		}
	})
}

// FuzzParseDate checks that an accepted date prints back to itself.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2017-06-22", "2016-02-29", "2017-02-29", "2017-06-19 20:00:00", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return
		}
		again, err := calendar.ParseDate(d.String())
		if err != nil || again != d || d.In(time.UTC).Day() != d.Day {
			t.Fatalf("%q -> %v -> %v, %v", s, d, again, err)
		}
	})
}
