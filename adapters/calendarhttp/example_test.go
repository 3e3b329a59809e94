package calendarhttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The adapter serves the calendar in its meta envelope; here a sign-up by email.
func ExampleNewHandler() {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}
	svc, err := calendar.New(db.Calendar(), calendar.Config{})
	if err != nil {
		panic(err)
	}

	// Mount the adapter under a prefix of your own.
	mux := http.NewServeMux()
	mux.Handle("/calendar/", http.StripPrefix("/calendar", calendarhttp.NewHandler(svc, authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/calendar/api/v1/user/", "application/json",
		strings.NewReader(`{"useremail": "mirim@example.com", "password": "password123"}`))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Meta struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"meta"`
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, out.Meta.Code, out.Meta.Message, out.Data.Token != "")
	// Output:
	// 200 20000 SUCCESS true
}
