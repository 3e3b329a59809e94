package auctionhttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBids(t *testing.T) {
	e := newEnv(t)
	carol, _ := e.register(t, "carol")
	car := e.createCar(t, e.alice, carFields())
	other := e.createCar(t, e.alice, carFields())
	id, otherID := car["id"], other["id"]
	bids := fmt.Sprintf("/cars/%v/bids/", id)

	// Waiting: no bids yet, and another user does not see the car.
	code, body, _ := e.call(t, "POST", bids, e.bob, `{"amount":1000}`)
	detail(t, code, body, http.StatusNotFound, fmt.Sprintf("car %v not found", id))
	code, body, _ = e.call(t, "POST", bids, e.admin, `{"amount":1000}`)
	detail(t, code, body, http.StatusConflict, "not in an ongoing auction")
	e.approve(t, id)
	e.approve(t, otherID)

	code, body, _ = e.call(t, "POST", bids, e.alice, `{"amount":1000}`)
	detail(t, code, body, http.StatusForbidden, "owner")
	for _, bad := range []struct{ body, field, want string }{
		{`{"amount":0}`, "amount", "from 1"},
		{`{"amount":-5}`, "amount", "from 1"},
		{`{"amount":12.5}`, "amount", "must be a whole number, not 12.5"},
		{`{"amount":"1000"}`, "amount", "must be a whole number, not string"},
		{`{"amount":99999999999999}`, "amount", "from 1"},
		{`{}`, "amount", "required"},
	} {
		code, body, _ = e.call(t, "POST", bids, e.bob, bad.body)
		fieldError(t, code, body, bad.field, bad.want)
	}
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":`)
	detail(t, code, body, http.StatusBadRequest, "malformed JSON")
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":1000,"pad":"`+strings.Repeat("x", 8<<10)+`"}`)
	detail(t, code, body, http.StatusBadRequest, "larger than 4096 bytes")
	code, body, _ = e.call(t, "POST", "/cars/999/bids/", e.bob, `{"amount":1000}`)
	detail(t, code, body, http.StatusNotFound, "car 999 not found")

	e.clock.Add(time.Hour)
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":1000}`)
	require.Equal(t, http.StatusCreated, code, "bid: %v", body)
	bobBid := obj(t, body)
	require.Equal(t, 1000.0, bobBid["amount"], "bid amount")
	require.Equal(t, id, bobBid["car"], "bid car")
	require.Equal(t, float64(e.bobID), bobBid["bidder"], "bid bidder")
	require.Equal(t, "2019-04-10T10:00:00Z", bobBid["created"], "bid created")
	require.Equal(t, "2019-04-10T10:00:00Z", bobBid["updated"], "bid updated")
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":900}`)
	detail(t, code, body, http.StatusConflict, "already 1000만원")
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":1000}`)
	detail(t, code, body, http.StatusConflict, "must be higher")
	e.clock.Add(time.Minute)
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":1500}`)
	m := obj(t, body)
	require.Equal(t, http.StatusCreated, code, "raise: %v", m)
	require.Equal(t, bobBid["id"], m["id"], "raise id")
	require.Equal(t, 1500.0, m["amount"], "raise amount")
	require.Equal(t, "2019-04-10T10:01:00Z", m["updated"], "raise updated")
	require.Equal(t, bobBid["created"], m["created"], "raise created")
	code, body, _ = e.call(t, "POST", bids, carol, `{"amount":1200}`)
	require.Equal(t, http.StatusCreated, code, "carol's bid: %v", body)
	carolBid := obj(t, body)
	code, body, _ = e.call(t, "POST", fmt.Sprintf("/cars/%v/bids/", otherID), carol, `{"amount":3000}`)
	require.Equal(t, http.StatusCreated, code, "bid on the other car: %v", body)
	otherBid := obj(t, body)

	// Sealed: a bidder sees only its own bid, the owner all, highest first.
	code, body, _ = e.call(t, "GET", bids, e.bob, "")
	got := arr(t, body)
	require.Equal(t, http.StatusOK, code, "bob's view: %v", body)
	require.Len(t, got, 1, "bob's view")
	require.Equal(t, 1500.0, obj(t, got[0])["amount"], "bob's view: amount")
	code, body, _ = e.call(t, "GET", bids, carol, "")
	got = arr(t, body)
	require.Equal(t, http.StatusOK, code, "carol's view: %v", body)
	require.Len(t, got, 1, "carol's view")
	require.Equal(t, 1200.0, obj(t, got[0])["amount"], "carol's view: amount")
	code, body, _ = e.call(t, "GET", bids, e.admin, "")
	got = arr(t, body)
	require.Equal(t, http.StatusOK, code, "a non-bidder's view: %v", body)
	require.Empty(t, got, "a non-bidder's view")
	code, body, _ = e.call(t, "GET", bids, e.alice, "")
	got = arr(t, body)
	require.Equal(t, http.StatusOK, code, "owner's view: %v", body)
	require.Len(t, got, 2, "owner's view")
	require.Equal(t, 1500.0, obj(t, got[0])["amount"], "owner's view: first amount")
	require.Equal(t, 1200.0, obj(t, got[1])["amount"], "owner's view: second amount")
	code, body, _ = e.call(t, "GET", "/cars/999/bids/", e.alice, "")
	detail(t, code, body, http.StatusNotFound, "car 999 not found")

	accept := fmt.Sprintf("/cars/%v/accept/", id)
	code, body, _ = e.call(t, "POST", accept, e.alice, fmt.Sprintf(`{"bid_id":%v}`, bobBid["id"]))
	detail(t, code, body, http.StatusConflict, "has not ended")

	// The auction ends: no more bids; the owner accepts one.
	e.clock.Add(47 * time.Hour)
	code, body, _ = e.call(t, "POST", bids, carol, `{"amount":5000}`)
	detail(t, code, body, http.StatusConflict, "not in an ongoing auction")
	code, body, _ = e.call(t, "POST", accept, e.bob, fmt.Sprintf(`{"bid_id":%v}`, bobBid["id"]))
	detail(t, code, body, http.StatusForbidden, "only the owner")
	code, body, _ = e.call(t, "POST", accept, e.alice, fmt.Sprintf(`{"bid_id":%v}`, otherBid["id"]))
	detail(t, code, body, http.StatusConflict, "not a bid on car")
	code, body, _ = e.call(t, "POST", accept, e.alice, `{"bid_id":999}`)
	detail(t, code, body, http.StatusNotFound, "bid 999 not found")
	code, body, _ = e.call(t, "POST", accept, e.alice, `{}`)
	fieldError(t, code, body, "bid_id", "required")
	code, body, _ = e.call(t, "POST", accept, e.alice, `{"bid_id":"x"}`)
	fieldError(t, code, body, "bid_id", "must be a whole number, not string")
	code, body, _ = e.call(t, "POST", "/cars/999/accept/", e.alice, fmt.Sprintf(`{"bid_id":%v}`, bobBid["id"]))
	detail(t, code, body, http.StatusNotFound, "car 999 not found")

	code, body, _ = e.call(t, "POST", accept, e.alice, fmt.Sprintf(`{"bid_id":%v}`, carolBid["id"]))
	m = obj(t, body)
	require.Equal(t, http.StatusOK, code, "accept: %v", body)
	require.Equal(t, "sold", m["status"], "accept: status")
	require.Equal(t, carolBid["bidder"], m["buyer"], "accept: buyer")
	require.Equal(t, carolBid["id"], m["sold_bid"], "accept: sold_bid")
	require.Equal(t, "0:0:0", m["time_remaining"], "accept: time_remaining")
	code, body, _ = e.call(t, "POST", accept, e.alice, fmt.Sprintf(`{"bid_id":%v}`, bobBid["id"]))
	detail(t, code, body, http.StatusConflict, "already sold")
	_, body, _ = e.call(t, "GET", fmt.Sprintf("/cars/%v", id), e.bob, "")
	m = obj(t, body)
	require.Equal(t, "sold", m["status"], "sold car detail: status")
	require.Equal(t, carolBid["bidder"], m["buyer"], "sold car detail: buyer")
	_, body, _ = e.call(t, "GET", "/cars/", e.bob, "")
	statuses := map[any]any{}
	for _, it := range arr(t, body) {
		statuses[obj(t, it)["id"]] = obj(t, it)["status"]
	}
	require.Equal(t, "sold", statuses[id], "list status of the sold car")
	require.Equal(t, "end", statuses[otherID], "list status of the other car")
}
