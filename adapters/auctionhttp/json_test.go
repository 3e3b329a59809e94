package auctionhttp

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auction"
)

// stdJSON is what httpx.WriteJSON writes for v.
func stdJSON(t *testing.T, v any) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	httpx.WriteJSON(rec, 200, v)
	return rec.Body.Bytes()
}

func appended(t *testing.T, write func(*httptest.ResponseRecorder)) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	write(rec)
	require.Equal(t, strconv.Itoa(rec.Body.Len()), rec.Header().Get("Content-Length"), "Content-Length")
	require.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"), "Content-Type")
	return rec.Body.Bytes()
}

var jsonSeeds = []string{"", "서울 신도림", `a"b\c`, "tab\tnew\nline\r\b\f", "\x00\x01\x1f\x7f", "<&>", "\u2028\u2029", "\xff\xfe", "bad \xed\xa0\x80 surrogate", "é\u00a0\U0001F697"}

// FuzzListJSON checks that the list's appender writes what encoding/json
// writes, for any text in any field.
func FuzzListJSON(f *testing.F) {
	for i, s := range jsonSeeds {
		f.Add(s, jsonSeeds[(i+1)%len(jsonSeeds)], int64(i), i%2 == 0, i%3 == 0)
	}
	f.Fuzz(func(t *testing.T, s1, s2 string, n int64, withImage, withRemaining bool) {
		item := ListItem{ID: auction.CarID(n), Status: auction.Status(s1), Kind: Ref{n, s2, int(n % 1000)}, Model: Ref{-n, s1, 7},
			DetailYear: s2, ListMileage: s1 + s2, Address: s2 + s1}
		if withImage {
			item.RepresentativeImage = &ImageBody{ID: auction.ImageID(n), Image: "/media/" + s1, Represent: withRemaining}
		}
		if withRemaining {
			item.TimeRemaining = &s2
		}
		for _, items := range [][]ListItem{nil, {}, {item}, {item, item}} {
			want := stdJSON(t, items)
			got := appended(t, func(rec *httptest.ResponseRecorder) { writeList(rec, items) })
			require.Equal(t, string(want), string(got), "appended vs encoding/json")
		}
	})
}

// FuzzDetailJSON checks that the detail's appender writes what
// encoding/json writes, for any text and time.
func FuzzDetailJSON(f *testing.F) {
	for i, s := range jsonSeeds {
		f.Add(s, jsonSeeds[(i+3)%len(jsonSeeds)], int64(i)*1e15, uint8(i))
	}
	f.Add("a", "b", int64(-1<<63), uint8(255))
	f.Add("a", "b", int64(1<<62), uint8(0))
	f.Fuzz(func(t *testing.T, s1, s2 string, nanos int64, flags uint8) {
		n := nanos % 1e6
		d := CarDetail{ID: auction.CarID(n), Status: auction.Status(s2), Brand: Ref{1, s1, 2}, Kind: Ref{n, s2, 3}, Model: Ref{4, s1 + s2, int(n)},
			DetailYear: s1, DetailMileage: s2, DetailInfo: s1 + "·" + s2, Address: s2, Owner: hanok.UserID(n)}
		if flags&1 != 0 {
			d.TimeRemaining = &s1
		}
		if flags&2 != 0 {
			d.Images = []ImageBody{{ID: 1, Image: s1, Represent: true}, {ID: auction.ImageID(n), Image: s2}}
		} else if flags&4 != 0 {
			d.Images = []ImageBody{}
		}
		if flags&8 != 0 {
			buyer, bid := hanok.UserID(n), auction.BidID(-n)
			d.Buyer, d.SoldBid = &buyer, &bid
		}
		if flags&16 != 0 {
			start := time.Unix(0, nanos).UTC()
			end := start.Add(48 * time.Hour)
			if flags&32 != 0 {
				start = start.In(time.FixedZone("", int(n%50000)))
			}
			if flags&64 != 0 {
				end = time.Date(int(n%20000)-5000, 1, 1, 0, 0, 0, 0, time.UTC)
			}
			d.AuctionStarted, d.AuctionEnds = &start, &end
		}
		want := stdJSON(t, &d)
		rec := httptest.NewRecorder()
		writeDetail(rec, 200, &d)
		got := rec.Body.Bytes()
		require.Equal(t, string(want), string(got), "appended vs encoding/json")
		if !json.Valid(bytes.TrimSpace(want)) && len(bytes.TrimSpace(want)) > 0 {
			t.Logf("encoding/json wrote invalid JSON for an unencodable time: %q", want)
		}
	})
}
