package authhttp_test

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/authhttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
)

// TestRegistrationThrottled: registrations from one address, at once and
// one after another, are limited to the budget; the rest get 429 with
// Retry-After, and the budget refills with time.
func TestRegistrationThrottled(t *testing.T) {
	clk := testkit.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
	authn, err := auth.New(memory.New().Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost, RegisterAttempts: 3, RegisterInterval: time.Minute, Now: clk.Now})
	require.NoError(t, err)
	srv := httptest.NewServer(authhttp.NewHandler(authn))
	defer srv.Close()
	register := func(i int) testkit.Response {
		return testkit.Do(t, srv.Client(), testkit.Request{Method: "POST", URL: srv.URL + "/register", Body: map[string]string{"username": fmt.Sprintf("user%d", i), "password": "password123"}})
	}
	var mu sync.Mutex
	status := map[int]int{}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := register(i)
			mu.Lock()
			status[r.Status]++
			mu.Unlock()
			if r.Status == 429 {
				s, err := strconv.Atoi(r.Header.Get("Retry-After"))
				assert.NoError(t, err, "Retry-After")
				assert.GreaterOrEqual(t, s, 1, "Retry-After")
			}
		}()
	}
	wg.Wait()
	require.LessOrEqual(t, status[201], 3, "12 concurrent registrations from one address: created (statuses %v)", status)
	require.Equal(t, 12, status[201]+status[429], "12 concurrent registrations from one address: created or 429 (statuses %v)", status)
	r := register(100).Want(t, 429)
	m := r.Map(t)
	require.Equal(t, "rate_limited", m["code"], "throttled registration body: %s", r.Body)
	// Input refused anyway is answered as such, without spending budget.
	testkit.Do(t, srv.Client(), testkit.Request{Method: "POST", URL: srv.URL + "/register", Body: map[string]string{"username": "x", "password": "short"}}).Want(t, 400)
	clk.Add(time.Minute)
	register(101).Want(t, 201)
}
