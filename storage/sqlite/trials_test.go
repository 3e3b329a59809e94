package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

func TestTrialsStore(t *testing.T) {
	trialstest.RunStoreTests(t, func(t testing.TB) storetest.Harness[trials.Store] {
		db := openTestDB(t)
		return storetest.Harness[trials.Store]{Store: db.Trials(), Users: authtest.Users(db.Auth())}
	})
}

// A search is cached until the next sync run, also one run by another
// handle on the same file (another process, such as trials-sync).
func TestTrialsSearchCacheSeesOtherWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "trials.db")
	open := func() *sqlite.DB {
		db, err := sqlite.Open(ctx, path)
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		return db
	}
	server, other := open().Trials(), open().Trials()
	recs := trialstest.Synthetic(3)
	src := &trialstest.StaticSource{Records: recs}
	svc, err := trials.New(other, trials.Config{Source: src})
	require.NoError(t, err)
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	search := func() []trials.Trial {
		ts, total, err := server.Trials(ctx, trials.Filter{Title: "renamed", Limit: 10})
		require.NoError(t, err)
		require.Len(t, ts, total)
		return ts
	}
	require.Empty(t, search(), "found before the rename")
	recs[1].Title = "renamed"
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	got := search()
	require.Len(t, got, 1, "after another handle's sync")
	assert.Equal(t, recs[1].Number, got[0].Number)
	*got[0].TargetSize = 0
	assert.NotZero(t, *search()[0].TargetSize, "the cache hands out its own values")
}
