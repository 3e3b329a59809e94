package microbloghttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The adapter serves the microblog; here a sign-up.
func ExampleNewHandler() {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}
	svc := microblog.New(db.Microblog(), authn, microblog.Config{})

	// Mount the adapter under a prefix of your own.
	mux := http.NewServeMux()
	mux.Handle("/microblog/", http.StripPrefix("/microblog", microbloghttp.NewHandler(svc, authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/microblog/signup/", "application/json",
		strings.NewReader(`{"user_id": "jun", "user_name": "Jun", "user_password": "password123"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	// Output:
	// 201 {"message":"Sign Up Success"}
}
