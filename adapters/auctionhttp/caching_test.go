package auctionhttp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/files"
)

// The list's Link header (RFC 8288) names the first, previous, next and
// last pages with the client's own path, under the mount prefix too, and
// keeps the other query parameters.
func TestListLinkHeader(t *testing.T) {
	e := newEnv(t)
	admin, err := e.authn.User(context.Background(), e.adminID)
	require.NoError(t, err)
	_, err = e.svc.Seed(context.Background(), admin.Actor(), 100) // 80 listed: 5 pages of 16
	require.NoError(t, err)
	cases := map[string]string{
		"/cars/": `</cars/?page=1>; rel="first", </cars/?page=2>; rel="next", </cars/?page=5>; rel="last"`,
		"/cars/?page=3&ordering=reverse": `</cars/?ordering=reverse&page=1>; rel="first", </cars/?ordering=reverse&page=2>; rel="prev", ` +
			`</cars/?ordering=reverse&page=4>; rel="next", </cars/?ordering=reverse&page=5>; rel="last"`,
		"/cars/?page=5":           `</cars/?page=1>; rel="first", </cars/?page=4>; rel="prev", </cars/?page=5>; rel="last"`,
		"/cars/?page=1&ordering=": `</cars/?ordering=&page=1>; rel="first", </cars/?ordering=&page=2>; rel="next", </cars/?ordering=&page=5>; rel="last"`,
	}
	for path, want := range cases {
		code, _, h := e.do(t, "GET", path, e.bob, "", nil)
		assert.Equal(t, http.StatusOK, code, "GET %s: status", path)
		assert.Equal(t, want, h.Get("Link"), "GET %s: Link", path)
	}
	srv := httptest.NewServer(system.Handler(system.Services{Auth: e.authn, Auction: e.svc}, system.Config{}))
	defer srv.Close()
	r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: srv.URL + "/auction/cars/?page=2", Header: http.Header{"Authorization": {"JWT " + e.bob}}}).Want(t, 200)
	assert.Equal(t, `</auction/cars/?page=1>; rel="first", </auction/cars/?page=1>; rel="prev", </auction/cars/?page=3>; rel="next", </auction/cars/?page=5>; rel="last"`, r.Header.Get("Link"), "mounted: Link")
	assert.Equal(t, "80", r.Header.Get("X-Total-Count"), "X-Total-Count")
}

// Media answer conditional requests with 304: by ETag on every store, and
// by Last-Modified on the file store, which knows the file's time.
func TestMediaConditional(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, url string, lastModified bool) {
		r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url}).Want(t, 200)
		etag, lm := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
		require.GreaterOrEqual(t, len(etag), 4, "validators: ETag %q", etag)
		require.Equal(t, byte('"'), etag[0], "validators: ETag %q", etag)
		require.Equal(t, lastModified, lm != "", "validators: Last-Modified %q", lm)
		r = testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url, Header: http.Header{"If-None-Match": {etag}}}).Want(t, 304)
		require.Empty(t, r.Body, "304: body")
		require.Equal(t, etag, r.Header.Get("ETag"), "304: ETag")
		testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url, Header: http.Header{"If-None-Match": {`"other"`}}}).Want(t, 200)
		if lastModified {
			testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url, Header: http.Header{"If-Modified-Since": {lm}}}).Want(t, 304)
			old := time.Now().Add(-48 * time.Hour).UTC().Format(http.TimeFormat)
			testkit.Do(t, nil, testkit.Request{Method: "GET", URL: url, Header: http.Header{"If-Modified-Since": {old}}}).Want(t, 200)
		}
	}
	t.Run("memory", func(t *testing.T) {
		e := newEnv(t)
		car := e.createCar(t, e.alice, carFields())
		check(t, e.srv.URL+obj(t, arr(t, car["images"])[0])["image"].(string), false)
	})
	t.Run("files", func(t *testing.T) {
		e := newEnv(t)
		dir := t.TempDir()
		media, err := files.Open(dir)
		require.NoError(t, err)
		defer media.Close()
		svc, err := auction.New(e.db.Auction(), media, auction.Config{})
		require.NoError(t, err)
		require.NoError(t, media.Put(ctx, "cars/x/a.png", auction.SeedImage()))
		past := time.Now().Add(-time.Hour)
		os.Chtimes(filepath.Join(dir, "cars/x/a.png"), past, past)
		srv := httptest.NewServer(auctionhttp.NewHandler(svc, e.authn))
		defer srv.Close()
		check(t, srv.URL+"/media/cars/x/a.png", true)
	})
}
