package auctionhttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzJSONBodies sends arbitrary bodies to the JSON routes: every answer
// is a JSON body with a status below 500.
func FuzzJSONBodies(f *testing.F) {
	for _, s := range []string{
		`{"username":"u1","password1":"secret-pass","password2":"secret-pass"}`,
		`{"username":"alice","password":"alice-password"}`,
		`{"amount":1000}`, `{"amount":-1}`, `{"amount":1e400}`, `{"bid_id":1}`, `[]`, `null`, `{"amount":"1"}`, `{`,
	} {
		f.Add(uint8(0), s)
		f.Add(uint8(2), s)
	}
	e := newEnv(f)
	car := e.createCar(f, e.alice, carFields())
	e.approve(f, car["id"])
	h := e.srv.Config.Handler
	routes := []struct{ method, path, token string }{
		{"POST", "/users/registration/", ""},
		{"POST", "/users/login/", ""},
		{"POST", fmt.Sprintf("/cars/%v/bids/", car["id"]), e.bob},
		{"POST", fmt.Sprintf("/cars/%v/accept/", car["id"]), e.alice},
	}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		r := routes[int(route)%len(routes)]
		req := httptest.NewRequest(r.method, r.path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if r.token != "" {
			req.Header.Set("Authorization", "JWT "+r.token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", r.method, r.path, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s %q: body is not JSON: %q", r.method, r.path, body, rec.Body)
		}
	})
}

// FuzzCarForm sends registration forms with arbitrary field values: a
// bad value is a 400 naming a field (or a 404 for an unknown model),
// never a 500.
func FuzzCarForm(f *testing.F) {
	f.Add("sm5", "1996-12-25", "하이브리드", "수동", "25000", "흰색")
	f.Add("없는모델", "2018-02-30", "gas", "CVT", "2.5", "")
	f.Add("캐러밴 (84년~현재)", "0001-01-01", "lpg", "오토", "-1", "\x00")
	e := newEnv(f)
	h := e.srv.Config.Handler
	images := fiveImages(f)
	f.Fuzz(func(t *testing.T, model, year, fuel, trans, mileage, color string) {
		fields := map[string]string{"model": model, "year": year, "fuel_type": fuel, "transmission_type": trans, "mileage": mileage, "color": color, "address": "서울"}
		ct, body := multipartBody(t, fields, images)
		req := httptest.NewRequest("POST", "/cars/new/", body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "JWT "+e.alice)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusCreated, http.StatusNotFound:
		case http.StatusBadRequest:
			var m map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || len(m) == 0 {
				t.Fatalf("400 without a JSON body: %q", rec.Body)
			}
		default:
			t.Fatalf("%v: %d %s", fields, rec.Code, rec.Body)
		}
	})
}
