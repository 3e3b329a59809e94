package mailinghttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/mailinghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The adapter serves the mailing list; here a subscription.
func ExampleNewHandler() {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}
	svc, err := mailing.New(db.Mailing(), mailing.Config{})
	if err != nil {
		panic(err)
	}

	// Mount the adapter under a prefix of your own.
	mux := http.NewServeMux()
	mux.Handle("/mailing/", http.StripPrefix("/mailing", mailinghttp.NewHandler(svc, authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/mailing/subscribe", "application/json",
		strings.NewReader(`{"email": "mirim@example.com", "name": "Mirim"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Email      string `json:"email"`
			Subscribed bool   `json:"subscribed"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, out.Data.Email, out.Data.Subscribed)
	// Output:
	// 201 mirim@example.com true
}
