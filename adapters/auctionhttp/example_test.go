package auctionhttp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The adapter serves the auction; here the catalog's brands, to a signed-in user.
func ExampleNewHandler() {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{})
	if err != nil {
		panic(err)
	}
	if _, err := svc.ImportEntries(context.Background(), []auction.CatalogEntry{{Brand: "현대", Kind: "i30", Model: "i30 (PD)"}}); err != nil {
		panic(err)
	}
	token := exampleToken(authn)

	// Mount the adapter under a prefix of your own.
	mux := http.NewServeMux()
	mux.Handle("/auction/", http.StripPrefix("/auction", auctionhttp.NewHandler(svc, authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.DefaultClient.Do(exampleGet(srv.URL+"/auction/cars/search/", "JWT "+token))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	// Output:
	// 200 [{"id":1,"brand_name":"현대","car_count":0}]
}

// exampleToken makes a user and returns its token.
func exampleToken(authn *auth.Service) string {
	s, err := authn.Register(context.Background(), auth.RegisterInput{Username: "mirim", Password: "password123"})
	if err != nil {
		panic(err)
	}
	return s.Token
}

// exampleGet is a GET request with an Authorization header.
func exampleGet(url, authorization string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", authorization)
	return req
}
