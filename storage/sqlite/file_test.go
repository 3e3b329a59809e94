package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auth"
)

// TestNewFileIsPrivate checks that a new database file and the WAL and
// shared-memory files beside it are readable by their owner only: the
// file holds the JWT signing key.
func TestNewFileIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not unix permissions on windows")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "private.db")
	db, err := Open(ctx, path)
	require.NoError(t, err)
	defer db.Close()
	_, err = db.Auth().Secret(ctx, "jwt", []byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	require.NoError(t, db.Auth().CreateUser(ctx, &auth.User{Username: "u", PasswordHash: []byte("h"), Created: time.Now()}))
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		require.NoError(t, err)
		mode := fi.Mode().Perm()
		assert.EqualValues(t, 0o600, mode, "%s has mode %v, want -rw-------", filepath.Base(name), mode)
	}
}

// TestOpenKeepsModeOfExistingFile: a file that is already there is opened
// as it is, not recreated.
func TestOpenKeepsModeOfExistingFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not unix permissions on windows")
	}
	path := filepath.Join(t.TempDir(), "shared.db")
	require.NoError(t, os.WriteFile(path, nil, 0o640))
	require.NoError(t, os.Chmod(path, 0o640))
	db, err := Open(context.Background(), path)
	require.NoError(t, err)
	db.Close()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	mode := fi.Mode().Perm()
	assert.EqualValues(t, 0o640, mode, "mode %v, want the file's own -rw-r-----", mode)
}

// TestPragmasOnEveryConnection checks the DSN pragmas on the writer and on
// several read connections at once (a pragma run with db.Exec would reach
// one pooled connection only).
func TestPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "pragmas.db"), WithReadConns(3))
	require.NoError(t, err)
	defer db.Close()
	want := map[string]int64{"journal_size_limit": journalSizeLimit, "foreign_keys": 1, "busy_timeout": 10000}
	check := func(who string, q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) {
		t.Helper()
		for pragma, v := range want {
			var got int64
			require.NoError(t, q.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got), "%s: PRAGMA %s", who, pragma)
			assert.Equal(t, v, got, "%s: %s = %d, want %d", who, pragma, got, v)
		}
	}
	check("writer", db.writer)
	// Hold three read connections at once so that each is a distinct one.
	var conns []*sql.Conn
	for range 3 {
		c, err := db.reader.Conn(ctx)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	for i, c := range conns {
		check(fmt.Sprintf("reader %d", i), c)
	}
	for _, c := range conns {
		c.Close()
	}
}

// A database file made read-only is refused at Open with its name and
// what to do, and Open leaves nothing behind that would refuse the next
// Open once the file is writable again (issue: the failed start left a
// read-only -shm file and the next one failed in its migration). A
// leftover read-only -shm file is named too.
func TestReadOnlyFileNamedAndNotPoisoned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes are not unix permissions on windows")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ro.db")
	db, err := Open(ctx, path)
	require.NoError(t, err)
	require.NoError(t, db.Close())

	require.NoError(t, os.Chmod(path, 0o400))
	_, err = Open(ctx, path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+" is read-only (mode -r--------)")
	assert.Contains(t, err.Error(), "chmod u+w "+path)
	assert.NoFileExists(t, path+"-shm")

	require.NoError(t, os.Chmod(path, 0o600))
	db, err = Open(ctx, path)
	require.NoError(t, err, "the failed Open poisoned the next")
	_, err = db.Auth().Secret(ctx, "jwt", []byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	require.NoError(t, db.Close())

	require.NoError(t, os.WriteFile(path+"-shm", nil, 0o400))
	_, err = Open(ctx, path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), path+"-shm is read-only")
}
