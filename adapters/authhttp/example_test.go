package authhttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The adapter serves accounts and tokens; here a registration.
func ExampleNewHandler() {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}

	// Mount the adapter under a prefix of your own.
	mux := http.NewServeMux()
	mux.Handle("/accounts/", http.StripPrefix("/accounts", authhttp.NewHandler(authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/accounts/register", "application/json",
		strings.NewReader(`{"username": "mirim", "password": "password123"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
		User  struct {
			Username string `json:"username"`
		} `json:"user"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, out.User.Username, out.Token != "")
	// Output:
	// 201 mirim true
}
