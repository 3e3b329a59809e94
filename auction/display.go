package auction

import (
	"strconv"
	"strings"
	"time"
)

// TimeRemaining is the time left in an auction as "H:M:S" without zero
// padding (hours may pass 24), counted down from end to now in whole
// seconds; "0:0:0" once now reaches end.
func TimeRemaining(end, now time.Time) string {
	d := end.Sub(now)
	if d <= 0 {
		return "0:0:0"
	}
	secs := int64(d / time.Second)
	b := make([]byte, 0, 32)
	b = strconv.AppendInt(b, secs/3600, 10)
	b = strconv.AppendInt(append(b, ':'), secs/60%60, 10)
	b = strconv.AppendInt(append(b, ':'), secs%60, 10)
	return string(b)
}

// DetailYear is a car's year as "1996-12 (1996년형)".
func DetailYear(year time.Time) string {
	y, m, _ := year.Date()
	if y < 1000 || y > 9999 {
		return year.Format("2006-01") + " (" + strconv.Itoa(y) + "년형)"
	}
	// The common case without time.Format, which costs a tenth of a
	// list page.
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '-', byte('0'+m/10), byte('0'+m%10), ' ', '(')
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, "년형)"...)
	return string(b)
}

// ListMileage is a mileage in 만km (10,000 km) rounded to one decimal,
// without a trailing ".0": 25000 -> "2.5만km", 10000 -> "1만km", 6500 ->
// "0.7만km". A mileage that rounds to 0만km is shown in km: 0 -> "0km",
// 300 -> "300km".
func ListMileage(km int) string {
	if km < 0 {
		km = 0
	}
	tenths := km / 1000 // in 0.1만km, rounded half up without overflow
	if km%1000 >= 500 {
		tenths++
	}
	if tenths == 0 {
		return strconv.Itoa(km) + "km"
	}
	s := strconv.Itoa(tenths / 10)
	if tenths%10 != 0 {
		s += "." + strconv.Itoa(tenths%10)
	}
	return s + "만km"
}

// DetailMileage is a mileage with thousands separators: "25,000km".
func DetailMileage(km int) string {
	neg := km < 0
	if neg {
		km = -km
	}
	digits := strconv.Itoa(km)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	b.WriteString("km")
	return b.String()
}

// DetailInfo is "fuel·transmission·color": "하이브리드·수동·흰색".
func DetailInfo(f Fuel, t Transmission, color string) string {
	return string(f) + "·" + string(t) + "·" + color
}

// Remaining is TimeRemaining of the car's auction at now; ok is false for a
// car whose auction has not started. A sold car reads "0:0:0".
func (c *Car) Remaining(now time.Time) (s string, ok bool) {
	switch {
	case c.AuctionStart.IsZero():
		return "", false
	case c.Status == StatusSold:
		return "0:0:0", true
	}
	return TimeRemaining(c.AuctionEnd, now), true
}
