package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auth/authtest"
)

func TestAppPasswordStore(t *testing.T) { authtest.RunAppPasswordTests(t, authHarness) }
