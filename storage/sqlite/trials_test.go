package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hanok-dev/hanok/auth/authtest"
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
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	server, other := open().Trials(), open().Trials()
	recs := trialstest.Synthetic(3)
	src := &trialstest.StaticSource{Records: recs}
	svc, err := trials.New(other, trials.Config{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RunSync(ctx, trials.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	search := func() []trials.Trial {
		ts, total, err := server.Trials(ctx, trials.Filter{Title: "renamed"})
		if err != nil || total != len(ts) {
			t.Fatalf("%v (total %d)", err, total)
		}
		return ts
	}
	if got := search(); len(got) != 0 {
		t.Fatalf("found %d before the rename", len(got))
	}
	recs[1].Title = "renamed"
	if _, err := svc.RunSync(ctx, trials.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	got := search()
	if len(got) != 1 || got[0].Number != recs[1].Number {
		t.Fatalf("after another handle's sync: %+v", got)
	}
	*got[0].TargetSize = 0
	if again := search(); *again[0].TargetSize == 0 {
		t.Fatal("the cache hands out its own values")
	}
}
