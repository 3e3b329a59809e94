package httpx

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// The appenders below let an adapter encode the bodies it answers most
// without encoding/json's reflection, byte for byte as WriteJSON would
// (encoding/json without HTML escaping, and a final newline); each use is
// checked against WriteJSON by a fuzz test of its adapter.

var appendPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// WriteAppended writes status and the body that appendBody appends, with
// its length. If appendBody fails (a value it cannot write as
// encoding/json would), the value fallback returns is written by WriteJSON
// instead.
func WriteAppended(w http.ResponseWriter, status int, fallback func() any, appendBody func([]byte) ([]byte, bool)) {
	bp := appendPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 256<<10 {
			appendPool.Put(bp)
		}
	}()
	b, ok := appendBody((*bp)[:0])
	*bp = b
	if !ok {
		WriteJSON(w, status, fallback())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// AppendJSONArray appends items as a JSON array, each one by appendItem;
// ok is false if appendItem was for any of them (it could not write one
// as encoding/json would).
func AppendJSONArray[T any](b []byte, items []T, appendItem func([]byte, *T) ([]byte, bool)) (_ []byte, ok bool) {
	ok = true
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		var good bool
		b, good = appendItem(b, &items[i])
		ok = ok && good
	}
	return append(b, ']'), ok
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as encoding/json writes a string without
// HTML escaping: '"', '\\' and control characters escaped (the short forms
// for \b, \f, \n, \r, \t), invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		// Most text past ASCII here is Hangul: three bytes that are
		// valid UTF-8 as they are (lead byte E1 to EF, ED only before
		// 80 to 9F, which leaves out the surrogates) are written as
		// they are, but for U+2028 and U+2029 (E2 80 A8, E2 80 A9).
		if c := s[i]; c >= 0xE1 && i+2 < len(s) {
			c1, c2 := s[i+1], s[i+2]
			if c2&0xC0 == 0x80 && (c == 0xED && c1&0xE0 == 0x80 || c != 0xED && c <= 0xEF && c1&0xC0 == 0x80) &&
				(c != 0xE2 || c1 != 0x80 || c2&^1 != 0xA8) {
				i += 3
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(append(b, s[start:i]...), `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSONTime appends t as time.Time's MarshalJSON does (RFC 3339 with
// nanoseconds, quoted); ok is false for a time MarshalJSON refuses (a
// year outside 0 to 9999, a zone offset of seconds or of 24 hours or
// more), which the caller then leaves to encoding/json. It writes the
// digits itself: a list of a thousand rows holds thousands of times, and
// time.Time.AppendFormat takes twice as long.
func AppendJSONTime(b []byte, t time.Time) (_ []byte, ok bool) {
	_, off := t.Zone()
	if off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return b, false
	}
	// The local time, in seconds since -0400-03-01 (a year starting in
	// March ends with its leap day; the 400 years keep it positive).
	// MarshalJSON refuses a year before 0 or past 9999.
	secs := t.Unix() + int64(off)
	if secs < -62167219200 || secs >= 253402300800 {
		return b, false
	}
	secs += (719468 + 146097) * 86400
	days, rem := int(secs/86400), int(secs%86400)
	hour, minute, sec := rem/3600, rem/60%60, rem%60
	// Days to a civil date (H. Hinnant's days_from_civil, inverted).
	era := days / 146097
	doe := days - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	if month > 12 {
		month -= 12
	}
	year := yoe + era*400 - 400
	if month <= 2 {
		year++
	}
	b = append(b, '"',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+month/10), byte('0'+month%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+minute/10), byte('0'+minute%10), ':', byte('0'+sec/10), byte('0'+sec%10))
	if ns := t.Nanosecond(); ns != 0 {
		// Nine digits, without the trailing zeros.
		var d [10]byte
		d[0] = '.'
		for i := 9; i > 0; i-- {
			d[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for d[n-1] == '0' {
			n--
		}
		b = append(b, d[:n]...)
	}
	if off == 0 {
		return append(b, 'Z', '"'), true
	}
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	h, m := off/3600, off/60%60
	return append(b, sign, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+m/10), byte('0'+m%10), '"'), true
}
