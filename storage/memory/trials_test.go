package memory_test

import (
	"testing"

	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

func TestTrialsStore(t *testing.T) {
	trialstest.RunStoreTests(t, func(t testing.TB) storetest.Harness[trials.Store] {
		db := memory.New()
		return storetest.Harness[trials.Store]{Store: db.Trials(), Users: authtest.Users(db.Auth())}
	})
}
