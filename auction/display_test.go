package auction_test

import (
	"math"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auction"
)

func TestTimeRemaining(t *testing.T) {
	end := time.Date(2019, 4, 12, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		left time.Duration
		want string
	}{
		{48 * time.Hour, "48:0:0"},
		{7*time.Hour + 4*time.Minute + 5*time.Second, "7:4:5"},
		{7*time.Hour + 18*time.Minute + 16*time.Second + 900*time.Millisecond, "7:18:16"},
		{100*time.Hour + 59*time.Minute + 59*time.Second, "100:59:59"},
		{time.Minute, "0:1:0"},
		{999 * time.Millisecond, "0:0:0"},
		{0, "0:0:0"},
		{-time.Hour, "0:0:0"},
	} {
		assert.Equal(t, tc.want, auction.TimeRemaining(end, end.Add(-tc.left)), "TimeRemaining with %v left", tc.left)
	}
}

func TestDetailYear(t *testing.T) {
	for _, tc := range []struct {
		year time.Time
		want string
	}{
		{time.Date(1996, 12, 25, 0, 0, 0, 0, time.UTC), "1996-12 (1996년형)"},
		{time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), "2018-01 (2018년형)"},
	} {
		assert.Equal(t, tc.want, auction.DetailYear(tc.year), "DetailYear(%v)", tc.year)
	}
}

func TestListMileage(t *testing.T) {
	for _, tc := range []struct {
		km   int
		want string
	}{
		{25000, "2.5만km"}, {10000, "1만km"}, {6500, "0.7만km"}, {0, "0km"},
		{499, "499km"}, {500, "0.1만km"}, {1000, "0.1만km"}, {94999, "9.5만km"}, {99950, "10만km"},
		{123456, "12.3만km"}, {150000, "15만km"}, {-3, "0km"},
	} {
		assert.Equal(t, tc.want, auction.ListMileage(tc.km), "ListMileage(%d)", tc.km)
	}
}

func TestDetailMileage(t *testing.T) {
	for _, tc := range []struct {
		km   int
		want string
	}{
		{25000, "25,000km"}, {0, "0km"}, {999, "999km"}, {1000, "1,000km"}, {1234567, "1,234,567km"}, {-1500, "-1,500km"},
	} {
		assert.Equal(t, tc.want, auction.DetailMileage(tc.km), "DetailMileage(%d)", tc.km)
	}
}

func TestDetailInfo(t *testing.T) {
	assert.Equal(t, "하이브리드·수동·흰색", auction.DetailInfo(auction.FuelHybrid, auction.TransmissionManual, "흰색"))
	assert.Equal(t, "lpg·오토·은색", auction.DetailInfo(auction.FuelLPG, auction.TransmissionAuto, "은색"))
}

func TestStatusAt(t *testing.T) {
	end := time.Date(2019, 4, 12, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		stored auction.Status
		now    time.Time
		want   auction.Status
	}{
		{auction.StatusOngoing, end.Add(-time.Nanosecond), auction.StatusOngoing},
		{auction.StatusOngoing, end, auction.StatusEnd},
		{auction.StatusOngoing, end.Add(time.Hour), auction.StatusEnd},
		{auction.StatusWaiting, end.Add(time.Hour), auction.StatusWaiting},
		{auction.StatusSold, end.Add(time.Hour), auction.StatusSold},
	} {
		c := auction.Car{Status: tc.stored, AuctionEnd: end}
		assert.Equal(t, tc.want, c.StatusAt(tc.now), "%s car at end%+v", tc.stored, tc.now.Sub(end))
	}
}

func TestParsePage(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "25": 25, " 3 ": 3, "0": 0, "-2": -2, "": 1, "abc": 1, "1.5": 1, "99999999999999999999": math.MaxInt, "-99999999999999999999": math.MinInt} {
		assert.Equal(t, want, auction.ParsePage(in), "ParsePage(%q)", in)
	}
}

func TestCleanMediaPath(t *testing.T) {
	for _, ok := range []string{"cars/2019-04-10/a.png", "tests/seed.png", "x"} {
		got, err := auction.CleanMediaPath(ok)
		assert.NoError(t, err, "CleanMediaPath(%q)", ok)
		assert.Equal(t, ok, got, "CleanMediaPath(%q)", ok)
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "cars/../../x", "cars/./a.png", "cars//a.png", "cars/", ".env", "cars/.tmp-1", `cars\..\x`, "a\x00b", "a\nb"} {
		_, err := auction.CleanMediaPath(bad)
		assert.Error(t, err, "CleanMediaPath(%q) accepted", bad)
	}
}

// hugeGIF is a GIF of a few bytes whose logical screen and only frame are
// width x height pixels, with no image data.
func hugeGIF(width, height uint16) []byte {
	le := func(v uint16) []byte { return []byte{byte(v), byte(v >> 8)} }
	var b []byte
	b = append(b, "GIF89a"...)
	b = append(append(b, le(width)...), le(height)...)
	b = append(b, 0x80, 0, 0, 0, 0, 0, 255, 255, 255) // two-colour global table
	b = append(b, 0x2c, 0, 0, 0, 0)
	b = append(append(b, le(width)...), le(height)...)
	b = append(b, 0, 2, 2, 0x4c, 0x01, 0, 0x3b)
	return b
}

// TestDetectImageHugeGIF: a GIF too large to check is refused from its
// header, before its frame (a byte a pixel) is allocated.
func TestDetectImageHugeGIF(t *testing.T) {
	data := hugeGIF(65535, 65535)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, ok := auction.DetectImage(data)
	runtime.ReadMemStats(&after)
	require.False(t, ok, "a 65535x65535 GIF accepted")
	require.LessOrEqual(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "bytes allocated checking a %d-byte GIF", len(data))
}

// TestDetailYearMatchesFormat checks DetailYear's fast path against
// time.Format over years and months.
func TestDetailYearMatchesFormat(t *testing.T) {
	for _, y := range []int{-1, 0, 1, 999, 1000, 1899, 1996, 2019, 9999, 10000, 12345} {
		for m := time.January; m <= time.December; m++ {
			d := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			want := d.Format("2006-01") + " (" + strconv.Itoa(d.Year()) + "년형)"
			assert.Equal(t, want, auction.DetailYear(d), "DetailYear(%v)", d)
		}
	}
}
