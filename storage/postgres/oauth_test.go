package postgres_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storetest"
)

func oauthHarness(tb testing.TB) storetest.Harness[auth.OAuthStore] {
	db := openTestDB(tb)
	return storetest.Harness[auth.OAuthStore]{Store: db.OAuth(), Users: authtest.Users(db.Auth())}
}

func TestOAuthStore(t *testing.T) { authtest.RunOAuthStoreTests(t, oauthHarness) }
