package calendarhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok/adapters/calendarhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The adapter mounted under /calendar/ of a program's own mux: a sign-in
// answers with a token in the seed's envelope.
func ExampleNewHandler() {
	db := memory.New()
	authn, _ := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	cal, _ := calendar.New(db.Calendar(), calendar.Config{})
	mux := http.NewServeMux()
	mux.Handle("/calendar/", http.StripPrefix("/calendar", calendarhttp.NewHandler(cal, authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/calendar/api/v1/user/", "application/json",
		strings.NewReader(`{"useremail": "park@example.com", "password": "password-1"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.Contains(string(body), `"meta":{"code":20000,"message":"SUCCESS"}`), strings.Contains(string(body), `"token":"`))
	// Output:
	// 200 true true
}
