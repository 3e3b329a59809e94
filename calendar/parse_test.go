package calendar_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		if assert.NoError(t, err, "ParseSelection(%q)", in) {
			assert.Equal(t, want, fmt.Sprint(got), "ParseSelection(%q)", in)
		}
	}
	for _, in := range []string{"a", "1,,2", "1,x", "-1", "0,3", "1;2", "+1", "99999999999999999999"} {
		got, err := calendar.ParseSelection(in)
		assert.Error(t, err, "ParseSelection(%q) = %v", in, got)
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
		if assert.NoError(t, err, "ParseDate(%q)", in) {
			assert.Equal(t, want, got.String(), "ParseDate(%q)", in)
		}
	}
	for _, in := range []string{"2017-02-29", "2017-13-01", "2017-06-31", "17-06-01", "2017/06/01", "2017-06-01 25:00:00", "2017-06-01x", "0000-01-01"} {
		got, err := calendar.ParseDate(in)
		assert.Error(t, err, "ParseDate(%q) = %v", in, got)
	}
}

func TestParseYearMonth(t *testing.T) {
	y, m, err := calendar.ParseYearMonth("2017-06")
	require.NoError(t, err)
	assert.Equal(t, 2017, y)
	assert.Equal(t, time.June, m)
	for _, in := range []string{"2017-13", "2017-00", "2017-6", "201706", "2017-06-01", "abcd-ef"} {
		_, _, err := calendar.ParseYearMonth(in)
		assert.Error(t, err, "ParseYearMonth(%q)", in)
	}
}

func TestParseLocalTime(t *testing.T) {
	got, err := calendar.ParseLocalTime("2017-06-19 20:00:00", seoul)
	require.NoError(t, err)
	assert.True(t, got.Equal(time.Date(2017, 6, 19, 11, 0, 0, 0, time.UTC)), "got %v", got)
	got, err = calendar.ParseLocalTime("2017-06-19T20:05", seoul)
	require.NoError(t, err)
	assert.True(t, got.Equal(time.Date(2017, 6, 19, 11, 5, 0, 0, time.UTC)), "without seconds: %v", got)
	for _, in := range []string{"2017-06-19", "2017-06-19 24:00:00", "2017-06-19 20:60:00", "2017-06-19 20:00:60", "2017-06-19 20:00:00Z", "2017-02-30 10:00:00", "2017-06-19  20:00:00"} {
		got, err := calendar.ParseLocalTime(in, seoul)
		assert.Error(t, err, "ParseLocalTime(%q) = %v", in, got)
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
			require.Positive(t, id, "ParseSelection(%q) = %v", s, ids)
			require.False(t, seen[id], "ParseSelection(%q) = %v repeats %d", s, ids, id)
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
		require.NoError(t, err, "%q -> %v", s, got)
		require.True(t, again.Equal(got), "%q -> %v -> %v", s, got, again)
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
		require.NoError(t, err, "%q -> %v", s, d)
		require.Equal(t, d, again, "%q", s)
		require.Equal(t, d.Day, d.In(time.UTC).Day(), "%q", s)
	})
}
