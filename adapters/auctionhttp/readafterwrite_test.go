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
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{clock: testkit.NewClock(start)}
	e.authn, err = auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost, Now: e.clock.Now, TokenLifetime: tokenLifetime})
	if err != nil {
		t.Fatal(err)
	}
	e.svc, err = auction.New(db.Auction(), memory.NewMediaStore(), auction.Config{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ImportEntries(ctx, auction.DefaultCatalog()); err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(api.Wrap(t, auctionhttp.NewHandler(e.svc, e.authn)))
	t.Cleanup(e.srv.Close)
	if _, err := e.authn.EnsureSuperuser(ctx, "admin", "adminpass1"); err != nil {
		t.Fatal(err)
	}
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
		if code != http.StatusOK {
			t.Fatalf("list: %d %v", code, body)
		}
		return arr(t, body), h
	}
	cars, h := list()
	if len(cars) != 1 || h.Get("X-Total-Count") != "1" {
		t.Fatalf("before approval: %v, total %s", cars, h.Get("X-Total-Count"))
	}
	list()
	e.clock.Add(time.Second)
	e.approve(t, id)
	cars, h = list()
	if len(cars) != 2 || h.Get("X-Total-Count") != "2" || obj(t, cars[0])["id"] != id || obj(t, cars[0])["status"] != "ongoing" {
		t.Fatalf("the list right after the approval: %v, total %s", cars, h.Get("X-Total-Count"))
	}

	detailPath := fmt.Sprintf("/cars/%v", id)
	carDetail := func(token string) map[string]any {
		t.Helper()
		code, body, _ := e.call(t, "GET", detailPath, token, "")
		if code != http.StatusOK {
			t.Fatalf("detail: %d %v", code, body)
		}
		return obj(t, body)
	}
	before := carDetail(e.bob)
	carDetail(e.bob)
	code, body, _ := e.call(t, "POST", detailPath+"/bids/", e.bob, `{"amount":1000}`)
	if code != http.StatusCreated {
		t.Fatalf("bid: %d %v", code, body)
	}
	bid := obj(t, body)["id"]
	// A sealed bid changes nothing a detail shows...
	if got := carDetail(e.bob); asJSON(t, got) != asJSON(t, before) {
		t.Fatalf("the detail after a bid:\n%v\nbefore:\n%v", got, before)
	}
	// ...while the owner sees it at once among the bids.
	code, body, _ = e.call(t, "GET", detailPath+"/bids/", e.alice, "")
	if bids := arr(t, body); code != http.StatusOK || len(bids) != 1 || obj(t, bids[0])["id"] != bid {
		t.Fatalf("the owner's bids after the bid: %d %v", code, body)
	}
	// The status is derived at the request: past the end the cached car
	// reads as ended, and right after the sale as sold, with its buyer.
	e.clock.Add(49 * time.Hour)
	if got := carDetail(e.bob); got["status"] != "end" {
		t.Fatalf("the detail past the end: %v", got)
	}
	code, body, _ = e.call(t, "POST", detailPath+"/accept/", e.alice, fmt.Sprintf(`{"bid_id":%v}`, bid))
	if code != http.StatusOK {
		t.Fatalf("accept: %d %v", code, body)
	}
	if got := carDetail(e.bob); got["status"] != "sold" || got["buyer"] != float64(e.bobID) || got["sold_bid"] != bid {
		t.Fatalf("the detail right after the sale: %v", got)
	}

	// Logout: the token, answered a moment ago, is refused at once.
	list()
	code, body, _ = e.call(t, "POST", "/users/logout/", e.bob, "")
	if code != http.StatusOK {
		t.Fatalf("logout: %d %v", code, body)
	}
	code, body, _ = e.call(t, "GET", "/cars/", e.bob, "")
	if code != http.StatusUnauthorized {
		t.Fatalf("a request with the logged-out token: %d %v", code, body)
	}
}
