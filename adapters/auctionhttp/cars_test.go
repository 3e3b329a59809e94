package auctionhttp_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/auction"
)

func TestSearch(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "GET", "/cars/search/", e.alice, "")
	require.Equal(t, http.StatusOK, code, "brands: %v", body)
	brands := arr(t, body)
	first := obj(t, brands[0])
	require.Len(t, brands, 9)
	assert.Len(t, first, 3, "fields of a brand")
	assert.Equal(t, "현대", first["brand_name"])
	assert.Equal(t, 0.0, first["car_count"])
	assert.NotNil(t, first["id"])
	// A car waiting for approval is its owner's and the superusers' only:
	// no car_count reveals it, to anyone (issue 20, point 11).
	car := e.createCar(t, e.alice, carFields()) // an sm5 of 르노삼성
	brandCounts := func(token string) map[string]float64 {
		_, body, _ := e.call(t, "GET", "/cars/search/", token, "")
		out := map[string]float64{}
		for _, b := range arr(t, body) {
			b := obj(t, b)
			if n := b["car_count"].(float64); n != 0 {
				out[b["brand_name"].(string)] = n
			}
		}
		return out
	}
	countOf := func(path, name, field string) float64 {
		code, body, _ := e.call(t, "GET", path, e.bob, "")
		require.Equal(t, http.StatusOK, code, "GET %s: %v", path, body)
		for _, it := range arr(t, body) {
			if it := obj(t, it); it[field] == name {
				return it["car_count"].(float64)
			}
		}
		require.Failf(t, "item missing", "GET %s: no %s %q in %v", path, field, name, body)
		return 0
	}
	for _, tok := range []string{e.bob, e.alice, e.admin} {
		assert.Empty(t, brandCounts(tok), "brand counts with only a waiting car")
	}
	assert.Zero(t, countOf("/cars/search/?brand="+urlq("르노삼성"), "sm", "kind_name"), "kind count of a waiting car")
	assert.Zero(t, countOf("/cars/search/?kind=sm", "sm5", "model_name"), "model count of a waiting car")
	e.approve(t, car["id"])
	assert.Equal(t, map[string]float64{"르노삼성": 1}, brandCounts(e.bob), "brand counts once approved")

	code, body, _ = e.call(t, "GET", "/cars/search/?brand="+urlq("르노삼성"), e.alice, "")
	kinds := arr(t, body)
	require.Equal(t, http.StatusOK, code, "kinds: %v", body)
	require.Len(t, kinds, 3)
	k := obj(t, kinds[0])
	assert.Len(t, k, 3, "fields of a kind")
	assert.Equal(t, "sm", k["kind_name"])
	assert.Equal(t, 1.0, k["car_count"])
	code, body, _ = e.call(t, "GET", "/cars/search/?kind=sm", e.alice, "")
	models := arr(t, body)
	require.Equal(t, http.StatusOK, code, "models: %v", body)
	require.Len(t, models, 4)
	m := obj(t, models[1])
	assert.Len(t, m, 3, "fields of a model")
	assert.Equal(t, "sm5", m["model_name"])
	assert.Equal(t, 1.0, m["car_count"])
	// A kind name under two brands: both kinds' models, or one brand's.
	_, body, _ = e.call(t, "GET", "/cars/search/?kind="+urlq("클리오"), e.alice, "")
	assert.Len(t, arr(t, body), 2, "클리오 of both brands")
	_, body, _ = e.call(t, "GET", "/cars/search/?kind="+urlq("클리오")+"&brand="+urlq("르노"), e.alice, "")
	ms := arr(t, body)
	require.Len(t, ms, 1, "클리오 of 르노")
	assert.Equal(t, "클리오 4세대 (12년~19년)", obj(t, ms[0])["model_name"])

	code, body, _ = e.call(t, "GET", "/cars/search/?brand="+urlq("없는브랜드"), e.alice, "")
	detail(t, code, body, http.StatusNotFound, "brand")
	code, body, _ = e.call(t, "GET", "/cars/search/?kind="+urlq("없는차종"), e.alice, "")
	detail(t, code, body, http.StatusNotFound, "kind")
	code, body, _ = e.call(t, "GET", "/cars/search/?kind=sm&brand="+urlq("현대"), e.alice, "")
	detail(t, code, body, http.StatusNotFound, "kind")
}

func urlq(s string) string { return url.QueryEscape(s) }

var imageURL = regexp.MustCompile(`^/media/cars/2019-04-10/[0-9a-f-]{36}\.(png|jpg|gif)$`)

func TestCreateCar(t *testing.T) {
	e := newEnv(t)
	car := e.createCar(t, e.alice, carFields())
	require.NotNil(t, car["id"], "created car: id")
	require.Equal(t, "1996-12-25", car["year"], "created car: year")
	require.Equal(t, "하이브리드", car["fuel_type"], "created car: fuel_type")
	require.Equal(t, "수동", car["transmission_type"], "created car: transmission_type")
	require.Equal(t, "흰색", car["color"], "created car: color")
	require.Equal(t, 25000.0, car["mileage"], "created car: mileage")
	require.Equal(t, "서울 신도림", car["address"], "created car: address")
	require.Len(t, car, 8, "created car: %v", car)
	images := arr(t, car["images"])
	require.Len(t, images, 5, "images")
	wantExt := []string{"png", "jpg", "gif", "png", "png"}
	for i, im := range images {
		im := obj(t, im)
		u := im["image"].(string)
		require.Regexp(t, imageURL, u, "image %d: URL", i)
		require.True(t, strings.HasSuffix(u, "."+wantExt[i]), "image %d: URL %q, want extension %s", i, u, wantExt[i])
		require.Equal(t, i == 0, im["represent"], "image %d: represent", i)
		require.NotNil(t, im["id"], "image %d: id", i)
	}
	// The image is served at its URL, byte for byte.
	code, raw, h := e.do(t, "GET", obj(t, images[0])["image"].(string), "", "", nil)
	require.Equal(t, http.StatusOK, code, "GET image: status")
	require.True(t, bytes.Equal(raw, fiveImages(t)[0].data), "GET image: the bytes differ from the upload")
	require.Equal(t, "image/png", h.Get("Content-Type"), "GET image: Content-Type")
	code, raw, h = e.do(t, "GET", obj(t, images[1])["image"].(string), "", "", nil)
	require.Equal(t, http.StatusOK, code, "GET jpeg: status")
	require.Equal(t, "image/jpeg", h.Get("Content-Type"), "GET jpeg: Content-Type")
	require.NotEmpty(t, raw, "GET jpeg: body")
	// The car waits for approval: it is not listed yet.
	_, body, _ := e.call(t, "GET", "/cars/", e.alice, "")
	require.Empty(t, arr(t, body), "waiting car listed")
}

func TestCreateCarRefusals(t *testing.T) {
	e := newEnv(t)
	files := len(e.db.Media().Names())
	with := func(k, v string) map[string]string {
		f := carFields()
		if v == "" {
			delete(f, k)
		} else {
			f[k] = v
		}
		return f
	}
	send := func(fields map[string]string, images []file) (int, any) {
		t.Helper()
		ct, b := multipartBody(t, fields, images)
		code, body, _ := e.callRaw(t, "POST", "/cars/new/", e.alice, ct, b)
		return code, body
	}
	five := fiveImages(t)
	code, body := send(carFields(), five[:4])
	fieldError(t, code, body, "car_images", "at least 5")
	code, body = send(carFields(), nil)
	fieldError(t, code, body, "car_images", "at least 5")
	code, body = send(carFields(), append(slices.Clone(five[:4]), file{"evil.png", []byte("<?php echo 1; ?>")}))
	fieldError(t, code, body, "car_images", `image 5 ("evil.png") is not a PNG, JPEG, GIF or WebP`)
	code, body = send(carFields(), append(slices.Clone(five[:4]), file{"cut.png", five[0].data[:20]}))
	fieldError(t, code, body, "car_images", "is not a valid PNG")
	code, body = send(with("fuel_type", "경유"), five)
	fieldError(t, code, body, "fuel_type", "lpg, 휘발유, 디젤, 하이브리드, 전기, 바이퓨얼")
	code, body = send(with("transmission_type", "CVT"), five)
	fieldError(t, code, body, "transmission_type", "오토, 수동")
	code, body = send(with("year", "2018/12/25"), five)
	fieldError(t, code, body, "year", "yyyy-mm-dd")
	code, body = send(with("year", "2018-02-30"), five)
	fieldError(t, code, body, "year", "yyyy-mm-dd")
	code, body = send(with("year", ""), five)
	fieldError(t, code, body, "year", "yyyy-mm-dd")
	code, body = send(with("mileage", "2.5만"), five)
	fieldError(t, code, body, "mileage", "whole number")
	code, body = send(with("mileage", "-1"), five)
	fieldError(t, code, body, "mileage", "from 0")
	code, body = send(with("color", ""), five)
	fieldError(t, code, body, "color", "required")
	code, body = send(with("address", strings.Repeat("가", 201)), five)
	fieldError(t, code, body, "address", "at most 200")
	// Broken text is refused, not stored with U+FFFD in its place.
	for _, field := range []string{"color", "address"} {
		for _, bad := range []string{"x\xc3\x28y", "x\ufffdy", "a\u202eb"} {
			code, body = send(with(field, bad), five)
			if bad == "a\u202eb" {
				fieldError(t, code, body, field, "invisible format characters")
				continue
			}
			fieldError(t, code, body, field, "valid UTF-8")
		}
	}
	code, body = send(with("model", ""), five)
	fieldError(t, code, body, "model", "required")
	code, body = send(with("model", "없는모델"), five)
	detail(t, code, body, http.StatusNotFound, `model "없는모델" not found`)
	// A model name under two brands' kinds needs the brand.
	code, body = send(with("model", "캐러밴 (84년~현재)"), five)
	fieldError(t, code, body, "brand", "캐러밴 (닷지), 캐러밴 (크라이슬러)")
	// A model name under two kinds needs the kind.
	_, err := e.svc.ImportEntries(context.Background(), []auction.CatalogEntry{
		{Brand: "현대", Kind: "소나타", Model: "2.0 가솔린"}, {Brand: "현대", Kind: "그랜저", Model: "2.0 가솔린"},
	})
	require.NoError(t, err)
	code, body = send(with("model", "2.0 가솔린"), five)
	fieldError(t, code, body, "kind", "그랜저 (현대), 소나타 (현대)")
	code, body = send(with("model", "sm5"), five) // sanity: the fixture is valid
	require.Equal(t, http.StatusCreated, code, "valid car refused: %v", body)
	files += 5
	f := with("model", "캐러밴 (84년~현재)")
	f["brand"] = "크라이슬러"
	code, body = send(f, five)
	require.Equal(t, http.StatusCreated, code, "disambiguated model: %v", body)
	files += 5
	f = with("model", "2.0 가솔린")
	f["kind"] = "그랜저"
	code, body = send(f, five)
	require.Equal(t, http.StatusCreated, code, "model disambiguated by kind: %v", body)
	files += 5

	code, body, _ = e.call(t, "POST", "/cars/new/", e.alice, `{"model":"sm5"}`)
	detail(t, code, body, http.StatusBadRequest, "multipart/form-data")
	ct, b := multipartBody(t, carFields(), five)
	code, body, _ = e.callRaw(t, "POST", "/cars/new/", e.alice, strings.Replace(ct, "boundary=", "boundary=x", 1), b)
	detail(t, code, body, http.StatusBadRequest, "malformed multipart")

	// Refused registrations stored no car and left no file.
	require.Len(t, e.db.Media().Names(), files, "refused registrations left files")
	c, err := e.svc.Car(context.Background(), hanok.Actor{ID: e.adminID, Superuser: true}, 4)
	require.Error(t, err, "a fourth car exists: %+v", c)
}

func TestCreateCarLimits(t *testing.T) {
	e := newEnv(t, auctionhttp.WithMaxUploadBytes(4<<10))
	big := file{"big.png", append(pngImage(t, 9), make([]byte, 8<<10)...)}
	ct, b := multipartBody(t, carFields(), append(fiveImages(t), big))
	code, body, _ := e.callRaw(t, "POST", "/cars/new/", e.alice, ct, b)
	detail(t, code, body, http.StatusBadRequest, "larger than 4096 bytes")
	require.Empty(t, e.db.Media().Names(), "files stored by a refused registration")
}

func TestApproval(t *testing.T) {
	e := newEnv(t)
	car := e.createCar(t, e.alice, carFields())
	path := fmt.Sprintf("/cars/%v/approval/", car["id"])
	code, body, h := e.call(t, "PUT", path, e.alice, "")
	detail(t, code, body, http.StatusUnauthorized, "superuser")
	require.NotEmpty(t, h.Get("WWW-Authenticate"), "401 without WWW-Authenticate")
	code, body, _ = e.call(t, "PUT", path, e.admin, "")
	require.Equal(t, http.StatusOK, code, "approve: %v", body)
	m := obj(t, body)
	require.Equal(t, car["id"], m["id"], "approved car: id")
	require.Equal(t, "ongoing", m["status"], "approved car: status")
	require.Equal(t, "48:0:0", m["time_remaining"], "approved car: time_remaining")
	require.Equal(t, "2019-04-10T09:00:00Z", m["auction_start"], "approved car: auction_start")
	require.Equal(t, "2019-04-12T09:00:00Z", m["auction_end"], "approved car: auction_end")
	code, body, _ = e.call(t, "PUT", path, e.admin, "")
	detail(t, code, body, http.StatusConflict, "not waiting")
	code, body, _ = e.call(t, "PUT", "/cars/999/approval/", e.admin, "")
	detail(t, code, body, http.StatusNotFound, "car 999 not found")
	code, body, _ = e.call(t, "PUT", "/cars/abc/approval/", e.admin, "")
	detail(t, code, body, http.StatusNotFound, "not found")
	code, body, _ = e.call(t, "PUT", "/cars/-1/approval/", e.admin, "")
	detail(t, code, body, http.StatusNotFound, "not found")
}

func TestDetail(t *testing.T) {
	e := newEnv(t)
	car := e.createCar(t, e.alice, carFields())
	for _, path := range []string{fmt.Sprintf("/cars/%v", car["id"]), fmt.Sprintf("/cars/%v/", car["id"])} {
		// A waiting car is its owner's and the superusers' only (issue 8,
		// point 7): anyone else gets the answer of an unknown car.
		code, body, _ := e.call(t, "GET", path, e.bob, "")
		detail(t, code, body, http.StatusNotFound, fmt.Sprintf("car %v not found", car["id"]))
		code, body, _ = e.call(t, "GET", path, e.admin, "")
		require.Equal(t, http.StatusOK, code, "GET %s as a superuser: %v", path, body)
		code, body, _ = e.call(t, "GET", path, e.alice, "")
		require.Equal(t, http.StatusOK, code, "GET %s as its owner: %v", path, body)
		m := obj(t, body)
		images := asJSON(t, car["images"])
		want := fmt.Sprintf(`{"address":"서울 신도림","brand":{"car_count":0,"id":%v,"name":"르노삼성"},"car_detail_info":"하이브리드·수동·흰색","car_detail_mileage":"25,000km","car_detail_year":"1996-12 (1996년형)","id":%v,"images":%s,"kind":{"car_count":0,"id":%v,"name":"sm"},"model":{"car_count":0,"id":%v,"name":"sm5"},"owner":%d,"status":"waiting","time_remaining":null}`,
			obj(t, m["brand"])["id"], car["id"], images, obj(t, m["kind"])["id"], obj(t, m["model"])["id"], e.aliceID)
		assert.JSONEq(t, want, asJSON(t, m), "GET %s", path)
	}
	e.approve(t, car["id"])
	e.clock.Add(40*time.Hour + 55*time.Minute + 54*time.Second + 500*time.Millisecond)
	_, body, _ := e.call(t, "GET", fmt.Sprintf("/cars/%v", car["id"]), e.bob, "")
	assert.Equal(t, 1.0, obj(t, obj(t, body)["model"])["car_count"], "an approved car counts in its model")
	m := obj(t, body)
	assert.Equal(t, "ongoing", m["status"], "7h4m5s before the end")
	assert.Equal(t, "7:4:5", m["time_remaining"], "7h4m5s before the end")
	e.clock.Add(7*time.Hour + 4*time.Minute + 5*time.Second + 500*time.Millisecond)
	_, body, _ = e.call(t, "GET", fmt.Sprintf("/cars/%v", car["id"]), e.bob, "")
	m = obj(t, body)
	assert.Equal(t, "end", m["status"], "at the end")
	assert.Equal(t, "0:0:0", m["time_remaining"], "at the end")
	code, body, _ := e.call(t, "GET", "/cars/999", e.bob, "")
	detail(t, code, body, http.StatusNotFound, "car 999 not found")
	code, body, _ = e.call(t, "GET", "/cars/x1/", e.bob, "")
	detail(t, code, body, http.StatusNotFound, "not found")
}

// listIDs returns the ids of a list body.
func listIDs(t *testing.T, body any) []float64 {
	t.Helper()
	var ids []float64
	for _, it := range arr(t, body) {
		ids = append(ids, obj(t, it)["id"].(float64))
	}
	return ids
}

func TestList(t *testing.T) {
	e := newEnv(t)
	// Three cars approved one hour apart, and one left waiting.
	var ids []float64
	for i := range 3 {
		f := carFields()
		f["mileage"] = []string{"25000", "10000", "6500"}[i]
		if i == 2 {
			f["model"] = "sm7"
		}
		car := e.createCar(t, e.alice, f)
		e.approve(t, car["id"])
		ids = append(ids, car["id"].(float64))
		e.clock.Add(time.Hour)
	}
	e.createCar(t, e.alice, carFields())

	code, body, h := e.call(t, "GET", "/cars/", e.bob, "")
	require.Equal(t, http.StatusOK, code, "list: %v", body)
	assert.Equal(t, []float64{ids[2], ids[1], ids[0]}, listIDs(t, body), "newest first")
	assert.Equal(t, "3", h.Get("X-Total-Count"))
	assert.Equal(t, "1", h.Get("X-Page"))
	assert.Equal(t, "1", h.Get("X-Page-Count"))
	item := obj(t, arr(t, body)[2])
	car, _ := e.svc.Car(context.Background(), hanok.Actor{ID: e.adminID, Superuser: true}, auction.CarID(ids[0]))
	rep := obj(t, item["representative_image"])
	want := fmt.Sprintf(`{"address":"서울 신도림","car_detail_year":"1996-12 (1996년형)","car_list_mileage":"2.5만km","id":%v,"kind":{"car_count":3,"id":%d,"name":"sm"},"model":{"car_count":2,"id":%d,"name":"sm5"},"representative_image":{"id":%d,"image":"/media/%s","represent":true},"status":"ongoing","time_remaining":"45:0:0"}`,
		ids[0], car.Kind.ID, car.Model.ID, car.Images[0].ID, car.Images[0].Path)
	assert.JSONEq(t, want, asJSON(t, item), "list item")
	assert.Equal(t, true, rep["represent"])
	assert.Equal(t, "1만km", obj(t, arr(t, body)[1])["car_list_mileage"], "10000 km")
	m := obj(t, arr(t, body)[0])
	assert.Equal(t, "0.7만km", m["car_list_mileage"], "6500 km")
	assert.Equal(t, "sm7", obj(t, m["model"])["name"])

	_, body, _ = e.call(t, "GET", "/cars/?ordering=reverse", e.bob, "")
	assert.Equal(t, ids, listIDs(t, body), "reverse")
	_, body, h = e.call(t, "GET", "/cars/?model=sm5", e.bob, "")
	assert.Equal(t, []float64{ids[1], ids[0]}, listIDs(t, body), "model sm5")
	assert.Equal(t, "2", h.Get("X-Total-Count"), "model sm5")
	_, body, _ = e.call(t, "GET", "/cars/?model=sm5&ordering=reverse", e.bob, "")
	assert.Equal(t, []float64{ids[0], ids[1]}, listIDs(t, body), "model sm5 reversed")
	code, body, _ = e.call(t, "GET", "/cars/?model="+urlq("없는모델"), e.bob, "")
	detail(t, code, body, http.StatusNotFound, "not found")

	// The first car ends: it reads as ended everywhere, with no write.
	e.clock.Add(45 * time.Hour)
	_, body, _ = e.call(t, "GET", "/cars/", e.bob, "")
	items := arr(t, body)
	m = obj(t, items[2])
	assert.Equal(t, "end", m["status"], "ended car in the list")
	assert.Equal(t, "0:0:0", m["time_remaining"], "ended car in the list")
	m = obj(t, items[1])
	assert.Equal(t, "ongoing", m["status"], "ongoing car in the list")
	assert.Equal(t, "1:0:0", m["time_remaining"], "ongoing car in the list")
}

func TestListPages(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/cars/test/", e.admin, "")
	require.Equal(t, http.StatusOK, code, "seed: %v", body)
	// 400 of the 500 generated cars are listed: 25 pages of 16.
	page := func(q string) ([]float64, http.Header) {
		t.Helper()
		code, body, h := e.call(t, "GET", "/cars/"+q, e.bob, "")
		require.Equal(t, http.StatusOK, code, "GET /cars/%s: %v", q, body)
		return listIDs(t, body), h
	}
	first, h := page("")
	require.Len(t, first, 16, "page 1")
	require.Equal(t, "400", h.Get("X-Total-Count"), "page 1: X-Total-Count")
	require.Equal(t, "25", h.Get("X-Page-Count"), "page 1: X-Page-Count")
	second, _ := page("?page=2")
	require.Len(t, second, 16, "page 2")
	require.NotContains(t, first, second[0], "page 2 overlaps page 1")
	last, _ := page("?page=25")
	for q, want := range map[string][]float64{"?page=abc": first, "?page=": first, "?page=1.5": first, "?page=999": last, "?page=0": last, "?page=-3": last, "?page=9223372036854775807": last, "?page=576460752303423489": last, "?page=99999999999999999999": last} {
		got, h := page(q)
		assert.Equal(t, want, got, q)
		if q == "?page=999" {
			assert.Equal(t, "25", h.Get("X-Page"), "page past the end")
		}
	}
	// Newest start first: the 200 ongoing cars started a minute ago, the
	// 200 ending in a minute started 47h59m ago.
	_, body, _ = e.call(t, "GET", "/cars/", e.bob, "")
	m := obj(t, arr(t, body)[0])
	require.Equal(t, "47:59:0", m["time_remaining"], "newest: time_remaining")
	require.Equal(t, "ongoing", m["status"], "newest: status")
	_, body, _ = e.call(t, "GET", "/cars/?ordering=reverse", e.bob, "")
	m = obj(t, arr(t, body)[0])
	require.Equal(t, "0:1:0", m["time_remaining"], "oldest: time_remaining")
	e.clock.Add(time.Minute)
	_, body, _ = e.call(t, "GET", "/cars/?ordering=reverse", e.bob, "")
	m = obj(t, arr(t, body)[0])
	require.Equal(t, "end", m["status"], "ended a minute later: status")
	require.Equal(t, "0:0:0", m["time_remaining"], "ended a minute later: time_remaining")
}

func TestSeedRoute(t *testing.T) {
	e := newEnv(t)
	code, body, _ := e.call(t, "POST", "/cars/test/", e.alice, "")
	detail(t, code, body, http.StatusUnauthorized, "superuser")
	for i := 1; i <= 2; i++ {
		code, body, _ = e.call(t, "POST", "/cars/test/", e.admin, "")
		require.Equal(t, http.StatusOK, code, "seed %d", i)
		assert.JSONEq(t, `{"catalog_models_added":0,"detail":"500 test cars created","ending_soon":200,"ongoing":200,"waiting":100}`, asJSON(t, body), "seed %d", i)
		_, _, h := e.call(t, "GET", "/cars/", e.bob, "")
		assert.Equal(t, fmt.Sprint(400*i), h.Get("X-Total-Count"), "listed after seed %d", i)
	}
	// Every generated car whose auction started counts in its brand; the
	// waiting ones do not.
	_, body, _ = e.call(t, "GET", "/cars/search/", e.bob, "")
	total := 0.0
	for _, b := range arr(t, body) {
		total += obj(t, b)["car_count"].(float64)
	}
	assert.Equal(t, 800.0, total, "brand car counts")
	// The shared image is served.
	code, raw, _ := e.do(t, "GET", "/media/"+auction.SeedImagePath, "", "", nil)
	require.Equal(t, http.StatusOK, code, "seed image")
	assert.Equal(t, auction.SeedImage(), raw, "seed image")
}

func TestMedia(t *testing.T) {
	e := newEnv(t)
	car := e.createCar(t, e.alice, carFields())
	imgURL := obj(t, arr(t, car["images"])[0])["image"].(string)
	dir := imgURL[:strings.LastIndex(imgURL, "/")+1]
	for _, path := range []string{
		"/media/cars/2019-04-10/none.png", dir, "/media/", "/media/cars", "/media/..%2f..%2fgo.mod",
		"/media/cars%2f..%2f..%2fgo.mod", "/media/.hidden", "/media/cars/2019-04-10/..%5c..%5cx.png",
	} {
		code, raw, _ := e.do(t, "GET", path, "", "", nil)
		assert.Contains(t, []int{http.StatusNotFound, http.StatusMovedPermanently}, code, "GET %s: %s, want 404", path, raw)
		assert.NotContains(t, string(raw), ".png", "GET %s lists files", path)
	}
	// A range request works (served with http.ServeContent).
	req, _ := http.NewRequest("GET", e.srv.URL+imgURL, nil)
	req.Header.Set("Range", "bytes=0-3")
	resp, err := e.srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusPartialContent, resp.StatusCode, "range: status")
	require.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), "range: X-Content-Type-Options")
}

func TestMediaURLOption(t *testing.T) {
	e := newEnv(t, auctionhttp.WithMediaURL("/auction/media"))
	car := e.createCar(t, e.alice, carFields())
	imgURL := obj(t, arr(t, car["images"])[0])["image"].(string)
	require.True(t, strings.HasPrefix(imgURL, "/auction/media/cars/2019-04-10/"), "image URL %q", imgURL)
}
