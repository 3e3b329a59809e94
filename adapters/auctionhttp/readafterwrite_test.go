package auctionhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// newSQLiteEnv is newEnv on a SQLite file, whose store keeps a read cache
// of the list and the detail.
func newSQLiteEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hanok.db"))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	e := &env{clock: testkit.NewClock(start)}
	e.authn, err = auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost, Now: e.clock.Now, TokenLifetime: tokenLifetime})
	require.NoError(t, err)
	e.svc, err = auction.New(db.Auction(), memory.NewMediaStore(), auction.Config{Now: e.clock.Now})
	require.NoError(t, err)
	_, err = e.svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	e.srv = httptest.NewServer(api.Wrap(t, auctionhttp.NewHandler(e.svc, e.authn)))
	t.Cleanup(e.srv.Close)
	_, err = e.authn.EnsureSuperuser(ctx, "admin", "adminpass1")
	require.NoError(t, err)
	e.admin, e.adminID = e.login(t, "admin", "adminpass1")
	e.alice, e.aliceID = e.register(t, "alice")
	e.bob, e.bobID = e.register(t, "bob")
	return e
}

// TestWriteVisibleToNextRead: on a server whose store and auth cache
// reads, each write shows in the very next request: approve, then list;
// bid and sale, then detail; logout, then a request with that token.
func TestWriteVisibleToNextRead(t *testing.T) {
	e := newSQLiteEnv(t)
	first := e.createCar(t, e.alice, carFields())
	e.approve(t, first["id"])
	second := e.createCar(t, e.alice, carFields())
	id := second["id"]

	// The list and the detail are read (and cached) before each write.
	list := func() ([]any, http.Header) {
		t.Helper()
		code, body, h := e.call(t, "GET", "/cars/", e.bob, "")
		require.Equal(t, http.StatusOK, code, "list: %v", body)
		return arr(t, body), h
	}
	cars, h := list()
	require.Len(t, cars, 1, "before approval")
	require.Equal(t, "1", h.Get("X-Total-Count"), "before approval: X-Total-Count")
	list()
	e.clock.Add(time.Second)
	e.approve(t, id)
	cars, h = list()
	require.Len(t, cars, 2, "the list right after the approval")
	require.Equal(t, "2", h.Get("X-Total-Count"), "the list right after the approval: X-Total-Count")
	require.Equal(t, id, obj(t, cars[0])["id"], "the list right after the approval: first id")
	require.Equal(t, "ongoing", obj(t, cars[0])["status"], "the list right after the approval: first status")

	detailPath := fmt.Sprintf("/cars/%v", id)
	carDetail := func(token string) map[string]any {
		t.Helper()
		code, body, _ := e.call(t, "GET", detailPath, token, "")
		require.Equal(t, http.StatusOK, code, "detail: %v", body)
		return obj(t, body)
	}
	before := carDetail(e.bob)
	carDetail(e.bob)
	code, body, _ := e.call(t, "POST", detailPath+"/bids/", e.bob, `{"amount":1000}`)
	require.Equal(t, http.StatusCreated, code, "bid: %v", body)
	bid := obj(t, body)["id"]
	// A sealed bid changes nothing a detail shows...
	require.Equal(t, asJSON(t, before), asJSON(t, carDetail(e.bob)), "the detail after a bid")
	// ...while the owner sees it at once among the bids.
	code, body, _ = e.call(t, "GET", detailPath+"/bids/", e.alice, "")
	bids := arr(t, body)
	require.Equal(t, http.StatusOK, code, "the owner's bids after the bid: %v", body)
	require.Len(t, bids, 1, "the owner's bids after the bid")
	require.Equal(t, bid, obj(t, bids[0])["id"], "the owner's bids after the bid: id")
	// The status is derived at the request: past the end the cached car
	// reads as ended, and right after the sale as sold, with its buyer.
	e.clock.Add(49 * time.Hour)
	require.Equal(t, "end", carDetail(e.bob)["status"], "the detail past the end: status")
	code, body, _ = e.call(t, "POST", detailPath+"/accept/", e.alice, fmt.Sprintf(`{"bid_id":%v}`, bid))
	require.Equal(t, http.StatusOK, code, "accept: %v", body)
	got := carDetail(e.bob)
	require.Equal(t, "sold", got["status"], "the detail right after the sale: status")
	require.Equal(t, float64(e.bobID), got["buyer"], "the detail right after the sale: buyer")
	require.Equal(t, bid, got["sold_bid"], "the detail right after the sale: sold_bid")

	// Logout: the token, answered a moment ago, is refused at once.
	list()
	code, body, _ = e.call(t, "POST", "/users/logout/", e.bob, "")
	require.Equal(t, http.StatusOK, code, "logout: %v", body)
	code, body, _ = e.call(t, "GET", "/cars/", e.bob, "")
	require.Equal(t, http.StatusUnauthorized, code, "a request with the logged-out token: %v", body)
}
