package auctionhttp

import (
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// The list and the detail, the routes read most, are encoded by the
// appenders below rather than by encoding/json's reflection, which took
// about half of a cached list page's time. Their output is byte for byte
// what httpx.WriteJSON writes (encoding/json without HTML escaping, and a
// final newline), which FuzzListJSON and FuzzDetailJSON check.

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeAppended writes status and the body that appendBody appends, with
// its length. If appendBody fails, the value is written by httpx.WriteJSON
// instead, whatever it makes of it.
func writeAppended(w http.ResponseWriter, status int, v any, appendBody func([]byte) ([]byte, bool)) {
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			bufPool.Put(bp)
		}
	}()
	b, ok := appendBody((*bp)[:0])
	*bp = b
	if !ok {
		httpx.WriteJSON(w, status, v)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeList(w http.ResponseWriter, items []ListItem) {
	writeAppended(w, http.StatusOK, items, func(b []byte) ([]byte, bool) {
		return append(appendListItems(b, items), '\n'), true
	})
}

func writeDetail(w http.ResponseWriter, status int, d *CarDetail) {
	writeAppended(w, status, d, func(b []byte) ([]byte, bool) {
		b, ok := appendCarDetail(b, d)
		return append(b, '\n'), ok
	})
}

func appendListItems(b []byte, items []ListItem) []byte {
	if items == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendListItem(b, &items[i])
	}
	return append(b, ']')
}

func appendListItem(b []byte, it *ListItem) []byte {
	b = strconv.AppendInt(append(b, `{"id":`...), int64(it.ID), 10)
	b = appendJSONString(append(b, `,"status":`...), string(it.Status))
	b = appendOptString(append(b, `,"time_remaining":`...), it.TimeRemaining)
	b = append(b, `,"representative_image":`...)
	if it.RepresentativeImage == nil {
		b = append(b, "null"...)
	} else {
		b = appendImage(b, it.RepresentativeImage)
	}
	b = appendRef(append(b, `,"kind":`...), &it.Kind)
	b = appendRef(append(b, `,"model":`...), &it.Model)
	b = appendJSONString(append(b, `,"car_detail_year":`...), it.DetailYear)
	b = appendJSONString(append(b, `,"car_list_mileage":`...), it.ListMileage)
	b = appendJSONString(append(b, `,"address":`...), it.Address)
	return append(b, '}')
}

// appendCarDetail appends d; ok is false if a time cannot be encoded (as
// time.Time.MarshalJSON fails for a year outside 0-9999).
func appendCarDetail(b []byte, d *CarDetail) (_ []byte, ok bool) {
	b = strconv.AppendInt(append(b, `{"id":`...), int64(d.ID), 10)
	b = appendJSONString(append(b, `,"status":`...), string(d.Status))
	b = appendOptString(append(b, `,"time_remaining":`...), d.TimeRemaining)
	b = appendRef(append(b, `,"brand":`...), &d.Brand)
	b = appendRef(append(b, `,"kind":`...), &d.Kind)
	b = appendRef(append(b, `,"model":`...), &d.Model)
	b = appendJSONString(append(b, `,"car_detail_year":`...), d.DetailYear)
	b = appendJSONString(append(b, `,"car_detail_mileage":`...), d.DetailMileage)
	b = appendJSONString(append(b, `,"car_detail_info":`...), d.DetailInfo)
	b = appendJSONString(append(b, `,"address":`...), d.Address)
	b = append(b, `,"images":`...)
	if d.Images == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.Images {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendImage(b, &d.Images[i])
		}
		b = append(b, ']')
	}
	b = strconv.AppendInt(append(b, `,"owner":`...), int64(d.Owner), 10)
	if d.Buyer != nil {
		b = strconv.AppendInt(append(b, `,"buyer":`...), int64(*d.Buyer), 10)
	}
	if d.SoldBid != nil {
		b = strconv.AppendInt(append(b, `,"sold_bid":`...), int64(*d.SoldBid), 10)
	}
	for _, t := range []struct {
		name string
		t    *time.Time
	}{{`,"auction_start":`, d.AuctionStarted}, {`,"auction_end":`, d.AuctionEnds}} {
		if t.t == nil {
			continue
		}
		var err error
		if b, err = t.t.AppendText(append(append(b, t.name...), '"')); err != nil {
			return b, false
		}
		b = append(b, '"')
	}
	return append(b, '}'), true
}

func appendRef(b []byte, r *Ref) []byte {
	b = strconv.AppendInt(append(b, `{"id":`...), r.ID, 10)
	b = appendJSONString(append(b, `,"name":`...), r.Name)
	b = strconv.AppendInt(append(b, `,"car_count":`...), int64(r.CarCount), 10)
	return append(b, '}')
}

func appendImage(b []byte, im *ImageBody) []byte {
	b = strconv.AppendInt(append(b, `{"id":`...), int64(im.ID), 10)
	b = appendJSONString(append(b, `,"image":`...), im.Image)
	b = strconv.AppendBool(append(b, `,"represent":`...), im.Represent)
	return append(b, '}')
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string without
// HTML escaping: '"', '\\' and control characters escaped (the short forms
// for \b, \f, \n, \r, \t), invalid UTF-8 as \ufffd, and U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
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
