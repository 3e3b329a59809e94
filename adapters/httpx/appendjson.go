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
// more), which the caller then leaves to encoding/json.
func AppendJSONTime(b []byte, t time.Time) (_ []byte, ok bool) {
	if y := t.Year(); y < 0 || y > 9999 {
		return b, false
	}
	if _, off := t.Zone(); off%60 != 0 || off <= -24*3600 || off >= 24*3600 {
		return b, false
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), true
}
