package auction_test

import (
	"math"
	"runtime"
	"strconv"
	"testing"
	"time"

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
		if got := auction.TimeRemaining(end, end.Add(-tc.left)); got != tc.want {
			t.Errorf("TimeRemaining with %v left = %q, want %q", tc.left, got, tc.want)
		}
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
		if got := auction.DetailYear(tc.year); got != tc.want {
			t.Errorf("DetailYear(%v) = %q, want %q", tc.year, got, tc.want)
		}
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
		if got := auction.ListMileage(tc.km); got != tc.want {
			t.Errorf("ListMileage(%d) = %q, want %q", tc.km, got, tc.want)
		}
	}
}

func TestDetailMileage(t *testing.T) {
	for _, tc := range []struct {
		km   int
		want string
	}{
		{25000, "25,000km"}, {0, "0km"}, {999, "999km"}, {1000, "1,000km"}, {1234567, "1,234,567km"}, {-1500, "-1,500km"},
	} {
		if got := auction.DetailMileage(tc.km); got != tc.want {
			t.Errorf("DetailMileage(%d) = %q, want %q", tc.km, got, tc.want)
		}
	}
}

func TestDetailInfo(t *testing.T) {
	if got := auction.DetailInfo(auction.FuelHybrid, auction.TransmissionManual, "흰색"); got != "하이브리드·수동·흰색" {
		t.Errorf("DetailInfo = %q", got)
	}
	if got := auction.DetailInfo(auction.FuelLPG, auction.TransmissionAuto, "은색"); got != "lpg·오토·은색" {
		t.Errorf("DetailInfo = %q", got)
	}
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
		if got := c.StatusAt(tc.now); got != tc.want {
			t.Errorf("%s car at end%+v: %s, want %s", tc.stored, tc.now.Sub(end), got, tc.want)
		}
	}
}

func TestParsePage(t *testing.T) {
	for in, want := range map[string]int{"1": 1, "25": 25, " 3 ": 3, "0": 0, "-2": -2, "": 1, "abc": 1, "1.5": 1, "99999999999999999999": math.MaxInt, "-99999999999999999999": math.MinInt} {
		if got := auction.ParsePage(in); got != want {
			t.Errorf("ParsePage(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestCleanMediaPath(t *testing.T) {
	for _, ok := range []string{"cars/2019-04-10/a.png", "tests/seed.png", "x"} {
		if got, err := auction.CleanMediaPath(ok); err != nil || got != ok {
			t.Errorf("CleanMediaPath(%q) = %q, %v", ok, got, err)
		}
	}
	for _, bad := range []string{"", "/etc/passwd", "../x", "cars/../../x", "cars/./a.png", "cars//a.png", "cars/", ".env", "cars/.tmp-1", `cars\..\x`, "a\x00b", "a\nb"} {
		if _, err := auction.CleanMediaPath(bad); err == nil {
			t.Errorf("CleanMediaPath(%q) accepted", bad)
		}
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
	if ok {
		t.Fatal("a 65535x65535 GIF accepted")
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("checking a %d-byte GIF allocated %d MB", len(data), n>>20)
	}
}

// TestDetailYearMatchesFormat checks DetailYear's fast path against
// time.Format over years and months.
func TestDetailYearMatchesFormat(t *testing.T) {
	for _, y := range []int{-1, 0, 1, 999, 1000, 1899, 1996, 2019, 9999, 10000, 12345} {
		for m := time.January; m <= time.December; m++ {
			d := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
			want := d.Format("2006-01") + " (" + strconv.Itoa(d.Year()) + "년형)"
			if got := auction.DetailYear(d); got != want {
				t.Errorf("DetailYear(%v) = %q, want %q", d, got, want)
			}
		}
	}
}
