package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		require.NoError(t, users.CreateUser(ctx, &auth.User{Username: fmt.Sprintf("before%d", i), PasswordHash: []byte("x"), Created: time.Now()}))
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
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.EqualValues(t, 0o600, st.Mode().Perm(), "backup mode %v, want 0600", st.Mode().Perm())
	cp, err := sqlite.Open(ctx, path)
	require.NoError(t, err)
	defer cp.Close()
	for i := range 10 {
		_, err := cp.Auth().UserByUsername(ctx, fmt.Sprintf("before%d", i))
		require.NoError(t, err, "before%d missing from the backup: %v", i, err)
	}
	err = db.Backup(ctx, path)
	require.Error(t, err, "backup over an existing file succeeded")
	_, err = cp.Auth().UserByUsername(ctx, "before0")
	require.NoError(t, err, "a refused backup damaged the existing file: %v", err)
}

func TestStatsAndPing(t *testing.T) {
	db := openTestDB(t)
	require.NoError(t, db.Ping(context.Background()))
	st := db.Stats()
	require.Equal(t, 1, st["writer"].MaxOpenConnections, "the writer's MaxOpenConnections")
	require.GreaterOrEqual(t, st["reader"].MaxOpenConnections, 1, "the readers' MaxOpenConnections")
	db.Close()
	err := db.Ping(context.Background())
	require.Error(t, err, "ping of a closed database succeeded")
}
