package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// A backup taken while another goroutine writes is a consistent database
// that opens, holds what was committed before it began, and is private.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	users := db.Auth()
	for i := range 10 {
		if err := users.CreateUser(ctx, &auth.User{Username: fmt.Sprintf("before%d", i), PasswordHash: []byte("x"), Created: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := users.CreateUser(ctx, &auth.User{Username: fmt.Sprintf("during%d", i), PasswordHash: []byte("x"), Created: time.Now()}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	path := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(ctx, path)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
	cp, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	for i := range 10 {
		if _, err := cp.Auth().UserByUsername(ctx, fmt.Sprintf("before%d", i)); err != nil {
			t.Fatalf("before%d missing from the backup: %v", i, err)
		}
	}
	if err := db.Backup(ctx, path); err == nil {
		t.Fatal("backup over an existing file succeeded")
	}
	if _, err := cp.Auth().UserByUsername(ctx, "before0"); err != nil {
		t.Fatalf("a refused backup damaged the existing file: %v", err)
	}
}

func TestStatsAndPing(t *testing.T) {
	db := openTestDB(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	st := db.Stats()
	if st["writer"].MaxOpenConnections != 1 || st["reader"].MaxOpenConnections < 1 {
		t.Fatalf("stats: %+v", st)
	}
	db.Close()
	if err := db.Ping(context.Background()); err == nil {
		t.Fatal("ping of a closed database succeeded")
	}
}
