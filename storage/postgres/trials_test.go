package postgres_test

import (
	"testing"

	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
)

func trialsHarness(tb testing.TB) storetest.Harness[trials.Store] {
	db := openTestDB(tb)
	return storetest.Harness[trials.Store]{Store: db.Trials(), Users: db.Auth()}
}
