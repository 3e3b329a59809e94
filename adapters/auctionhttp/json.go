package auctionhttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// The list and the detail, the routes read most, are encoded by the
// appenders below rather than by encoding/json's reflection, which took
// about half of a cached list page's time. Their output is byte for byte
// what httpx.WriteJSON writes (encoding/json without HTML escaping, and a
// final newline), which FuzzListJSON and FuzzDetailJSON check.

func writeList(w http.ResponseWriter, items []ListItem) {
	httpx.WriteAppended(w, http.StatusOK, func() any { return items }, func(b []byte) ([]byte, bool) {
		return append(appendListItems(b, items), '\n'), true
	})
}

func writeDetail(w http.ResponseWriter, status int, d *CarDetail) {
	httpx.WriteAppended(w, status, func() any { return d }, func(b []byte) ([]byte, bool) {
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
	b = httpx.AppendJSONString(append(b, `,"status":`...), string(it.Status))
	b = appendOptString(append(b, `,"time_remaining":`...), it.TimeRemaining)
	b = append(b, `,"representative_image":`...)
	if it.RepresentativeImage == nil {
		b = append(b, "null"...)
	} else {
		b = appendImage(b, it.RepresentativeImage)
	}
	b = appendRef(append(b, `,"kind":`...), &it.Kind)
	b = appendRef(append(b, `,"model":`...), &it.Model)
	b = httpx.AppendJSONString(append(b, `,"car_detail_year":`...), it.DetailYear)
	b = httpx.AppendJSONString(append(b, `,"car_list_mileage":`...), it.ListMileage)
	b = httpx.AppendJSONString(append(b, `,"address":`...), it.Address)
	return append(b, '}')
}

// appendCarDetail appends d; ok is false if a time cannot be encoded (as
// time.Time.MarshalJSON fails for a year outside 0-9999).
func appendCarDetail(b []byte, d *CarDetail) (_ []byte, ok bool) {
	b = strconv.AppendInt(append(b, `{"id":`...), int64(d.ID), 10)
	b = httpx.AppendJSONString(append(b, `,"status":`...), string(d.Status))
	b = appendOptString(append(b, `,"time_remaining":`...), d.TimeRemaining)
	b = appendRef(append(b, `,"brand":`...), &d.Brand)
	b = appendRef(append(b, `,"kind":`...), &d.Kind)
	b = appendRef(append(b, `,"model":`...), &d.Model)
	b = httpx.AppendJSONString(append(b, `,"car_detail_year":`...), d.DetailYear)
	b = httpx.AppendJSONString(append(b, `,"car_detail_mileage":`...), d.DetailMileage)
	b = httpx.AppendJSONString(append(b, `,"car_detail_info":`...), d.DetailInfo)
	b = httpx.AppendJSONString(append(b, `,"address":`...), d.Address)
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
	b = httpx.AppendJSONString(append(b, `,"name":`...), r.Name)
	b = strconv.AppendInt(append(b, `,"car_count":`...), int64(r.CarCount), 10)
	return append(b, '}')
}

func appendImage(b []byte, im *ImageBody) []byte {
	b = strconv.AppendInt(append(b, `{"id":`...), int64(im.ID), 10)
	b = httpx.AppendJSONString(append(b, `,"image":`...), im.Image)
	b = strconv.AppendBool(append(b, `,"represent":`...), im.Represent)
	return append(b, '}')
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return httpx.AppendJSONString(b, *s)
}
