package memory

import (
	"testing"

	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/mailing/mailingtest"
	"github.com/hanok-dev/hanok/storetest"
)

func TestMailingStore(t *testing.T) {
	mailingtest.RunStoreTests(t, func(t testing.TB) storetest.Harness[mailing.Store] {
		db := New()
		return storetest.Harness[mailing.Store]{Store: db.Mailing(), Users: authtest.Users(db.Auth())}
	})
}
