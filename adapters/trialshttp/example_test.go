package trialshttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/trialshttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/trials"
)

// The adapter serves the trials mirror; here the recent changes of a mirror not yet synced.
func ExampleNewHandler() {
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}
	svc, err := trials.New(db.Trials(), trials.Config{})
	if err != nil {
		panic(err)
	}

	// Mount the adapter under a prefix of your own.
	mux := http.NewServeMux()
	mux.Handle("/trials/", http.StripPrefix("/trials", trialshttp.NewHandler(svc, authn)))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/trials/tasks")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, strings.TrimSpace(string(body)))
	// Output:
	// 200 {"message":"SUCCESS","count":0,"task_list":[]}
}
