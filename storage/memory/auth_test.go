package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/memory"
)

func TestAuthStore(t *testing.T) {
	authtest.RunStoreTests(t, func(t *testing.T) auth.Store { return memory.New().Auth() })
}

func BenchmarkLogin(b *testing.B) {
	authtest.BenchmarkLogin(b, func(b *testing.B) auth.Store { return memory.New().Auth() })
}

func BenchmarkAuthenticate(b *testing.B) {
	authtest.BenchmarkAuthenticate(b, func(b *testing.B) auth.Store { return memory.New().Auth() })
}
