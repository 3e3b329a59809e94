package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

// The auth conformance suite, each test over a fresh memory.DB.

func authHarness(testing.TB) storetest.Harness[auth.Store] {
	db := memory.New()
	return storetest.Harness[auth.Store]{Store: db.Auth(), Users: authtest.Users(db.Auth())}
}

func TestAuthStore(t *testing.T) { authtest.RunStoreTests(t, authHarness) }

func BenchmarkLogin(b *testing.B) { authtest.BenchmarkLogin(b, authHarness) }

func BenchmarkAuthenticate(b *testing.B) { authtest.BenchmarkAuthenticate(b, authHarness) }
