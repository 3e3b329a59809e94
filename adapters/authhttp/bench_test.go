package authhttp_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// BenchmarkConcurrentLoginsOneAddress: each round, 20 users log in at
// once with their right passwords from one address (127.0.0.1), at the
// default bcrypt cost. It reports how many of the 20 succeeded and the
// rate of successful logins.
func BenchmarkConcurrentLoginsOneAddress(b *testing.B) {
	const users = 20
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret()})
	require.NoError(b, err)
	for i := range users {
		_, err := authn.Register(context.Background(), auth.RegisterInput{Username: fmt.Sprintf("user%d", i), Password: "password123"})
		require.NoError(b, err)
	}
	srv := httptest.NewServer(authhttp.NewHandler(authn))
	defer srv.Close()
	var ok atomic.Int64
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		var wg sync.WaitGroup
		for i := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := testkit.Do(b, srv.Client(), testkit.Request{Method: "POST", URL: srv.URL + "/login", Body: map[string]string{"username": fmt.Sprintf("user%d", i), "password": "password123"}})
				if r.Status == 200 {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(ok.Load())/float64(b.N), "ok/round")
	b.ReportMetric(float64(ok.Load())/time.Since(start).Seconds(), "logins/s")
}
