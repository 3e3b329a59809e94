package auctionhttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/apitest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

var start = time.Date(2019, 4, 10, 9, 0, 0, 0, time.UTC)

// tokenLifetime outlasts the auctions the tests run through.
const tokenLifetime = 30 * 24 * time.Hour

type env struct {
	srv   *httptest.Server
	svc   *auction.Service
	authn *auth.Service
	db    *memory.DB
	clock *testkit.Clock
	// admin is a superuser's token; alice and bob are users' tokens.
	admin, alice, bob       string
	aliceID, bobID, adminID hanok.UserID
}

func newEnv(t testing.TB, opts ...auctionhttp.Option) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: memory.New(), clock: testkit.NewClock(start)}
	var err error
	e.authn, err = auth.New(e.db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost, Now: e.clock.Now, TokenLifetime: tokenLifetime})
	require.NoError(t, err)
	e.svc, err = auction.New(e.db.Auction(), e.db.Media(), auction.Config{Now: e.clock.Now})
	require.NoError(t, err)
	_, err = e.svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	e.srv = httptest.NewServer(api.Wrap(t, auctionhttp.NewHandler(e.svc, e.authn, opts...)))
	t.Cleanup(e.srv.Close)
	_, err = e.authn.EnsureSuperuser(ctx, "admin", "adminpass1")
	require.NoError(t, err)
	e.admin, e.adminID = e.login(t, "admin", "adminpass1")
	e.alice, e.aliceID = e.register(t, "alice")
	e.bob, e.bobID = e.register(t, "bob")
	return e
}

func (e *env) register(t testing.TB, name string) (string, hanok.UserID) {
	t.Helper()
	s, err := e.authn.Register(context.Background(), auth.RegisterInput{Username: name, Password: name + "-password"})
	require.NoError(t, err)
	return s.Token, s.User.ID
}

func (e *env) login(t testing.TB, name, pw string) (string, hanok.UserID) {
	t.Helper()
	s, err := e.authn.Login(context.Background(), auth.LoginInput{Username: name, Password: pw})
	require.NoError(t, err)
	return s.Token, s.User.ID
}

// do sends a request with "Authorization: JWT <token>" when token is set.
func (e *env) do(t testing.TB, method, path, token, contentType string, body io.Reader) (int, []byte, http.Header) {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "JWT "+token)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	req := testkit.Request{Method: method, URL: e.srv.URL + path, Header: h}
	if body != nil {
		req.Body = body
	}
	r := testkit.Do(t, e.srv.Client(), req)
	return r.Status, r.Body, r.Header
}

// call sends a JSON body (if not empty) and decodes the JSON answer.
func (e *env) call(t testing.TB, method, path, token, body string) (int, any, http.Header) {
	t.Helper()
	var r io.Reader
	ct := ""
	if body != "" {
		r, ct = strings.NewReader(body), "application/json"
	}
	code, raw, h := e.do(t, method, path, token, ct, r)
	var v any
	require.NoError(t, json.Unmarshal(raw, &v), "%s %s: %d, body is not JSON: %q", method, path, code, raw)
	return code, v, h
}

// obj asserts v is a JSON object.
func obj(t testing.TB, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "not a JSON object: %#v", v)
	return m
}

// arr asserts v is a JSON array.
func arr(t testing.TB, v any) []any {
	t.Helper()
	a, ok := v.([]any)
	require.True(t, ok, "not a JSON array: %#v", v)
	return a
}

// asJSON re-encodes v, for comparing whole bodies.
func asJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// fieldError asserts a 400 body {"field": ["..."]} whose reason contains
// want.
func fieldError(t testing.TB, code int, body any, field, want string) {
	t.Helper()
	require.Equal(t, http.StatusBadRequest, code, "body %v", body)
	m := obj(t, body)
	reasons, ok := m[field].([]any)
	require.True(t, ok, "body %v: want field %q", m, field)
	require.Len(t, reasons, 1, "body %v", m)
	require.Contains(t, reasons[0], want, "body %v", m)
}

// detail asserts the status and a {"detail": "..."} body containing want.
func detail(t testing.TB, code int, body any, wantCode int, want string) {
	t.Helper()
	require.Equal(t, wantCode, code, "body %v", body)
	m := obj(t, body)
	d, ok := m["detail"].(string)
	require.True(t, ok, "body %v: want a detail", m)
	require.Contains(t, d, want, "body %v", m)
}

func pngImage(t testing.TB, shade uint8) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 3))
	img.Set(1, 1, color.RGBA{shade, 0, 0, 255})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return b.Bytes()
}

func jpegImage(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4)), nil))
	return b.Bytes()
}

func gifImage(t testing.TB) []byte {
	var b bytes.Buffer
	require.NoError(t, gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}), nil))
	return b.Bytes()
}

type file struct {
	name string
	data []byte
}

// carFields are the fields of a valid registration.
func carFields() map[string]string {
	return map[string]string{
		"model": "sm5", "year": "1996-12-25", "fuel_type": "하이브리드", "transmission_type": "수동",
		"color": "흰색", "mileage": "25000", "address": "서울 신도림",
	}
}

func fiveImages(t testing.TB) []file {
	return []file{
		{"A.png", pngImage(t, 1)}, {"B.jpeg", jpegImage(t)}, {"C.gif", gifImage(t)}, {"D.png", pngImage(t, 2)}, {"E.png", pngImage(t, 3)},
	}
}

// multipartBody builds a registration form.
func multipartBody(t testing.TB, fields map[string]string, files []file) (string, *bytes.Buffer) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		require.NoError(t, w.WriteField(k, v))
	}
	for _, f := range files {
		fw, err := w.CreateFormFile("car_images", f.name)
		require.NoError(t, err)
		_, err = fw.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return w.FormDataContentType(), &b
}

// createCar registers a car through the handler and returns its body.
func (e *env) createCar(t testing.TB, token string, fields map[string]string) map[string]any {
	t.Helper()
	ct, body := multipartBody(t, fields, fiveImages(t))
	code, raw, _ := e.do(t, "POST", "/cars/new/", token, ct, body)
	require.Equal(t, http.StatusCreated, code, "create car: %s", raw)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m
}

func (e *env) approve(t testing.TB, id any) {
	t.Helper()
	code, body, _ := e.call(t, "PUT", fmt.Sprintf("/cars/%v/approval/", id), e.admin, "")
	require.Equal(t, http.StatusOK, code, "approve %v: %v", id, body)
}

// callRaw sends body with a content type and decodes the JSON answer.
func (e *env) callRaw(t testing.TB, method, path, token, contentType string, body io.Reader) (int, any, http.Header) {
	t.Helper()
	code, raw, h := e.do(t, method, path, token, contentType, body)
	var v any
	require.NoError(t, json.Unmarshal(raw, &v), "%s %s: %d, body is not JSON: %q", method, path, code, raw)
	return code, v, h
}

// api checks every exchange of this package's tests against the document.
var api = apitest.MustLoad(auctionhttp.OpenAPI())

func TestMain(m *testing.M) { os.Exit(apitest.Main(m, api)) }
