package system_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/memory"
)

// The system handler serves the services with request ids, readiness and
// metrics around them.
func ExampleHandler() {
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret()})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn}, system.Config{}))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/readyz", nil)
	req.Header.Set("X-Request-ID", "example-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("X-Request-ID"))

	resp, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "hanok_http_requests_total{") {
			fmt.Println(line)
		}
	}
	// Output:
	// 200 example-1
	// hanok_http_requests_total{code="200",method="GET",route="GET /readyz",service="system"} 1
}
