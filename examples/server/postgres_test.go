package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// Two servers on one PostgreSQL database, each run() with its own pool, as
// two processes behind a load balancer would be. These tests need
// HANOK_TEST_POSTGRES and skip without it.

// startPair starts two servers on one new schema; the first ensures the
// superuser admin (password secret123).
func startPair(t *testing.T) (dsn string, a, b *server) {
	t.Helper()
	dsn = pgtest.DSN(t)
	a = start(t, nil, "-db", dsn, "-media", filepath.Join(t.TempDir(), "media"), "-superuser", "admin:secret123")
	b = start(t, map[string]string{"HANOK_DB": dsn}, "-media", filepath.Join(t.TempDir(), "media"))
	return dsn, a, b
}

func TestPostgresServersShareAccountsAndLogouts(t *testing.T) {
	dsn, a, b := startPair(t)
	out := a.out.String() + b.out.String()
	require.False(t, pgtest.ContainsPassword(out, dsn), "the log holds the DSN with its password:\n%s", out)

	code, body := a.do(t, "POST", "/auth/register", "", `{"username":"mirim","password":"password123"}`)
	require.EqualValues(t, 201, code, "register on A: %d %v", code, body)
	// Registered on A, signed in on B with the signing key both read from
	// the database.
	code, body = b.do(t, "POST", "/auth/login", "", `{"username":"mirim","password":"password123"}`)
	require.EqualValues(t, 200, code, "login on B: %d %v", code, body)
	tok := body["token"].(string)
	code, _ = a.do(t, "GET", "/auth/me", tok, "")
	require.EqualValues(t, 200, code, "B's token on A: %d, want 200", code)
	// A logout on B is refused on A at once.
	code, _ = b.do(t, "POST", "/auth/logout", tok, "")
	require.EqualValues(t, 200, code, "logout on B: %d", code)
	for _, s := range []*server{a, b} {
		code, _ := s.do(t, "GET", "/auth/me", tok, "")
		require.EqualValues(t, 401, code, "logged-out token on %s: %d, want 401", s.url, code)
	}
	// One username across both.
	code, _ = b.do(t, "POST", "/auth/register", "", `{"username":"MIRIM","password":"password123"}`)
	require.EqualValues(t, 409, code, "registering a taken name on B: %d, want 409", code)
}

// TestPostgresConcurrentBidsAcrossServers sends 100 bids at once, half to
// each server: 50 bidders each bid a lower and a higher amount. Whatever
// the order, every higher bid is accepted (it beats nothing or the
// bidder's lower one), each bidder's stored bid is its higher amount, and
// the highest bid is the highest sent.
func TestPostgresConcurrentBidsAcrossServers(t *testing.T) {
	dsn, a, b := startPair(t)
	ctx := context.Background()

	// The test's own pool on the same database: bidders with cheap hashes,
	// and a car already in its auction.
	db, err := postgres.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	secret, err := db.Auth().Secret(ctx, "jwt", auth.GenerateSecret())
	require.NoError(t, err)
	authn, err := auth.New(db.Auth(), auth.Config{Secret: secret, BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	admin, err := db.Auth().UserByUsername(ctx, "admin")
	require.NoError(t, err)
	models, err := db.Auction().ModelIDs(ctx)
	require.NoError(t, err, "models: %v %v", models, err)
	require.NotEmpty(t, models, "models: %v %v", models, err)
	now := time.Now().UTC()
	car := &auction.Car{Owner: admin.ID, Model: auction.Model{ID: models[0]}, Year: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
		Fuel: auction.FuelHybrid, Transmission: auction.TransmissionManual, Color: "흰색", Mileage: 1000, Address: "서울",
		Status: auction.StatusOngoing, AuctionStart: now, AuctionEnd: now.Add(time.Hour), Created: now,
		Images: []auction.Image{{Path: auction.SeedImagePath, Represent: true}}}
	require.NoError(t, db.Auction().CreateCars(ctx, []*auction.Car{car}))

	const bidders = 50
	tokens := make([]string, bidders)
	ids := make([]auth.UserID, bidders)
	for i := range bidders {
		s, err := authn.Register(ctx, auth.RegisterInput{Username: fmt.Sprintf("bidder%d", i), Password: "password123"})
		require.NoError(t, err)
		tokens[i], ids[i] = s.Token, s.User.ID
	}
	low := func(i int) int64 { return int64(1000 + 10*i) }
	high := func(i int) int64 { return int64(5000 + 10*i) }

	type result struct {
		bidder int
		amount int64
		status int
		body   string
	}
	results := make(chan result, 2*bidders)
	var wg sync.WaitGroup
	path := fmt.Sprintf("/auction/cars/%d/bids/", car.ID)
	for i := range bidders {
		for j, amount := range []int64{low(i), high(i)} {
			s := a
			if (i+j)%2 == 1 {
				s = b
			}
			wg.Go(func() {
				r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + path, Token: tokens[i], Body: fmt.Sprintf(`{"amount":%d}`, amount)})
				results <- result{i, amount, r.Status, string(r.Body)}
			})
		}
	}
	wg.Wait()
	close(results)
	for r := range results {
		switch {
		case r.amount == high(r.bidder) && r.status != 201:
			t.Errorf("bidder %d's higher bid %d: %d %s, want 201", r.bidder, r.amount, r.status, r.body)
		case r.amount == low(r.bidder) && r.status != 201 && r.status != 409:
			t.Errorf("bidder %d's lower bid %d: %d %s, want 201 or 409", r.bidder, r.amount, r.status, r.body)
		}
	}

	// The owner sees every bid, on either server.
	_, body := a.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"secret123"}`)
	adminTok := body["token"].(string)
	for _, s := range []*server{a, b} {
		r := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: s.url + path, Token: adminTok}).Want(t, 200)
		var bids []struct {
			Bidder auth.UserID `json:"bidder"`
			Amount int64       `json:"amount"`
		}
		require.NoError(t, json.Unmarshal(r.Body, &bids))
		require.Len(t, bids, bidders, "%d bids stored, want one per bidder (%d)", len(bids), bidders)
		require.Equal(t, high(bidders-1), bids[0].Amount, "highest bid %+v, want %d by user %d", bids[0], high(bidders-1), ids[bidders-1])
		require.Equal(t, ids[bidders-1], bids[0].Bidder, "highest bid %+v, want %d by user %d", bids[0], high(bidders-1), ids[bidders-1])
		got := map[auth.UserID]int64{}
		for _, bid := range bids {
			got[bid.Bidder] = bid.Amount
		}
		for i, id := range ids {
			require.Equal(t, high(i), got[id], "bidder %d's stored bid %d, want its higher bid %d", i, got[id], high(i))
		}
	}
}

// TestPostgresServersShareLoginBudget guesses a password on two servers:
// they spend one budget, so the sixth attempt is refused on both, even
// with the right password.
func TestPostgresServersShareLoginBudget(t *testing.T) {
	_, a, b := startPair(t)
	code, _ := a.do(t, "POST", "/auth/register", "", `{"username":"target","password":"password123"}`)
	require.Equal(t, 201, code, "register")
	// Wrong guesses alternate between the servers until one is refused.
	// Each server alone would allow 5 (10 in all); a shared budget allows 5
	// plus one for every 12 s the guesses took (a slow run, -race, refills
	// it), so the count proves the budget is shared without timing the run.
	started := time.Now()
	guesses := 0
	for ; guesses < 10; guesses++ {
		s := []*server{a, b}[guesses%2]
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/auth/login", Body: `{"username":"target","password":"wrong-password"}`})
		if r.Status == 429 {
			break
		}
		require.Equal(t, 401, r.Status, "guess %d on %s: %s", guesses+1, s.url, r.Body)
	}
	refills := int(time.Since(started) / (12 * time.Second))
	require.Less(t, guesses, 10, "the servers allowed 10 wrong guesses between them: the budget is not shared")
	assert.GreaterOrEqual(t, guesses, 5, "fewer than the 5 guesses of the burst were allowed")
	assert.LessOrEqual(t, guesses, 5+refills, "more guesses than one shared budget allows in %s", time.Since(started))
	// Now even the right password waits, on both servers.
	for _, s := range []*server{b, a} {
		r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/auth/login", Body: `{"username":"target","password":"password123"}`})
		assert.Equal(t, 429, r.Status, "right password on %s", s.url)
		assert.NotEmpty(t, r.Header.Get("Retry-After"), "Retry-After on %s", s.url)
	}
}

// A database that cannot be reached stops the server with an error that
// names it without its password. It needs no PostgreSQL.
func TestPostgresUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dsn := "postgres://hanok:not-this-password@127.0.0.1:1/hanok?sslmode=disable&connect_timeout=5"
	err := run(ctx, []string{"-addr", "127.0.0.1:0", "-drain", "0", "-db", dsn, "-media", t.TempDir()}, func(string) string { return "" }, io.Discard)
	require.Error(t, err, "server started without its database")
	msg := err.Error()
	require.NotContains(t, msg, "not-this-password", "error %q: want the database named without its password", msg)
	require.Contains(t, msg, "127.0.0.1:1", "error %q: want the database named without its password", msg)
}

// Two servers started at once on a new database: one migrates it, makes
// the signing key and imports the catalog, the other waits and finds them
// done; both serve the same data.
func TestPostgresServersStartAtOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type started struct {
		out  *syncBuffer
		done chan error
	}
	var servers [2]started
	for i := range servers {
		servers[i] = started{out: &syncBuffer{}, done: make(chan error, 1)}
		go func() {
			servers[i].done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-drain", "0", "-db", dsn, "-media", t.TempDir()}, func(string) string { return "" }, servers[i].out)
		}()
	}
	var urls [2]string
	deadline := time.Now().Add(60 * time.Second)
	for i := range servers {
		for urls[i] == "" {
			if m := listenRE.FindStringSubmatch(servers[i].out.String()); m != nil {
				urls[i] = m[1]
				break
			}
			select {
			case err := <-servers[i].done:
				t.Fatalf("server %d exited: %v\n%s", i, err, servers[i].out.String())
			case <-time.After(10 * time.Millisecond):
			}
			require.False(t, time.Now().After(deadline), "server %d did not start:\n%s", i, servers[i].out.String())
		}
	}
	a, b := &server{url: urls[0]}, &server{url: urls[1]}
	_, body := a.do(t, "POST", "/auth/register", "", `{"username":"kim","password":"password123"}`)
	tok, _ := body["token"].(string)
	for _, s := range []*server{a, b} {
		n := len(s.list(t, "/auction/cars/search/", tok))
		require.EqualValues(t, 68, n, "%s: %d brands, want the 68 of the built-in catalog once", s.url, n)
	}
	cancel()
	for i := range servers {
		err := <-servers[i].done
		assert.NoError(t, err, "server %d: %v", i, err)
	}
}
