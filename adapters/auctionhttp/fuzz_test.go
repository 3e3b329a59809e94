package auctionhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
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
		require.Less(t, rec.Code, 500, "%s %s %q: %s", r.method, r.path, body, rec.Body)
		require.True(t, json.Valid(rec.Body.Bytes()), "%s %s %q: body is not JSON: %q", r.method, r.path, body, rec.Body)
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
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), "400 without a JSON body: %q", rec.Body)
			require.NotEmpty(t, m, "400 without a JSON body: %q", rec.Body)
		default:
			require.Failf(t, "unexpected status", "%v: %d %s", fields, rec.Code, rec.Body)
		}
	})
}

// FuzzMultipartBody sends arbitrary multipart bodies to the registration:
// every answer is JSON below 500, and no staged upload is left behind.
func FuzzMultipartBody(f *testing.F) {
	const boundary = "fuzzboundary"
	valid := func(fields map[string]string, files []file) []byte {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		w.SetBoundary(boundary)
		for k, v := range fields {
			w.WriteField(k, v)
		}
		for _, fl := range files {
			fw, _ := w.CreateFormFile("car_images", fl.name)
			fw.Write(fl.data)
		}
		w.Close()
		return b.Bytes()
	}
	images := fiveImages(f)
	whole := valid(carFields(), images)
	f.Add(whole)
	f.Add(whole[:len(whole)/2])
	f.Add(valid(carFields(), images[:2]))
	f.Add(valid(map[string]string{"mileage": "1"}, append(images, file{"x.png", []byte("\x89PNG\r\n\x1a\n")})))
	f.Add([]byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"car_images\"; filename=\"a.png\"\r\n\r\n"))
	f.Add([]byte("no boundary at all"))
	e := newEnv(f)
	h := e.srv.Config.Handler
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/cars/new/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		req.Header.Set("Authorization", "JWT "+e.alice)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		require.Less(t, rec.Code, 500, "%q: %s", body, rec.Body)
		require.True(t, json.Valid(rec.Body.Bytes()), "%q: body is not JSON: %s", body, rec.Body)
		infos, err := e.db.Media().List(context.Background())
		require.NoError(t, err)
		for _, in := range infos {
			require.False(t, in.Temp, "%q: left the staged upload %s", body, in.Name)
		}
	})
}
