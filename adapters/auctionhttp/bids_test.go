package auctionhttp_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
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
	if code != http.StatusCreated {
		t.Fatalf("bid: %d %v", code, body)
	}
	bobBid := obj(t, body)
	if bobBid["amount"] != 1000.0 || bobBid["car"] != id || bobBid["bidder"] != float64(e.bobID) || bobBid["created"] != "2019-04-10T10:00:00Z" || bobBid["updated"] != "2019-04-10T10:00:00Z" {
		t.Fatalf("bid body: %v", bobBid)
	}
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":900}`)
	detail(t, code, body, http.StatusConflict, "already 1000만원")
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":1000}`)
	detail(t, code, body, http.StatusConflict, "must be higher")
	e.clock.Add(time.Minute)
	code, body, _ = e.call(t, "POST", bids, e.bob, `{"amount":1500}`)
	if m := obj(t, body); code != http.StatusCreated || m["id"] != bobBid["id"] || m["amount"] != 1500.0 || m["updated"] != "2019-04-10T10:01:00Z" || m["created"] != bobBid["created"] {
		t.Fatalf("raise: %d %v", code, m)
	}
	code, body, _ = e.call(t, "POST", bids, carol, `{"amount":1200}`)
	if code != http.StatusCreated {
		t.Fatalf("carol's bid: %d %v", code, body)
	}
	carolBid := obj(t, body)
	code, body, _ = e.call(t, "POST", fmt.Sprintf("/cars/%v/bids/", otherID), carol, `{"amount":3000}`)
	if code != http.StatusCreated {
		t.Fatalf("bid on the other car: %d %v", code, body)
	}
	otherBid := obj(t, body)

	// Sealed: a bidder sees only its own bid, the owner all, highest first.
	code, body, _ = e.call(t, "GET", bids, e.bob, "")
	if got := arr(t, body); code != http.StatusOK || len(got) != 1 || obj(t, got[0])["amount"] != 1500.0 {
		t.Fatalf("bob's view: %d %v", code, body)
	}
	code, body, _ = e.call(t, "GET", bids, carol, "")
	if got := arr(t, body); code != http.StatusOK || len(got) != 1 || obj(t, got[0])["amount"] != 1200.0 {
		t.Fatalf("carol's view: %d %v", code, body)
	}
	code, body, _ = e.call(t, "GET", bids, e.admin, "")
	if got := arr(t, body); code != http.StatusOK || len(got) != 0 {
		t.Fatalf("a non-bidder's view: %d %v", code, body)
	}
	code, body, _ = e.call(t, "GET", bids, e.alice, "")
	if got := arr(t, body); code != http.StatusOK || len(got) != 2 || obj(t, got[0])["amount"] != 1500.0 || obj(t, got[1])["amount"] != 1200.0 {
		t.Fatalf("owner's view: %d %v", code, body)
	}
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
	if m := obj(t, body); code != http.StatusOK || m["status"] != "sold" || m["buyer"] != carolBid["bidder"] || m["sold_bid"] != carolBid["id"] || m["time_remaining"] != "0:0:0" {
		t.Fatalf("accept: %d %v", code, body)
	}
	code, body, _ = e.call(t, "POST", accept, e.alice, fmt.Sprintf(`{"bid_id":%v}`, bobBid["id"]))
	detail(t, code, body, http.StatusConflict, "already sold")
	_, body, _ = e.call(t, "GET", fmt.Sprintf("/cars/%v", id), e.bob, "")
	if m := obj(t, body); m["status"] != "sold" || m["buyer"] != carolBid["bidder"] {
		t.Fatalf("sold car detail: %v", m)
	}
	_, body, _ = e.call(t, "GET", "/cars/", e.bob, "")
	statuses := map[any]any{}
	for _, it := range arr(t, body) {
		statuses[obj(t, it)["id"]] = obj(t, it)["status"]
	}
	if statuses[id] != "sold" || statuses[otherID] != "end" {
		t.Fatalf("list statuses: %v", statuses)
	}
}
