package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

func TestTrialsStore(t *testing.T) {
	trialstest.RunStoreTests(t, func(t testing.TB) storetest.Harness[trials.Store] {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "trials.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return storetest.Harness[trials.Store]{Store: db.Trials(), Users: db.Auth()}
	})
}
