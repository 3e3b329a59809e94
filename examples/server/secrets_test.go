package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const processListWarning = "-superuser NAME:PASSWORD shows the password in the process list"

// The superuser's password need not be on the command line: -superuser
// NAME takes it from HANOK_PASSWORD (or standard input), HANOK_SUPERUSER
// holds NAME:PASSWORD out of the process list; NAME:PASSWORD on the
// command line still works, with a warning.
func TestSuperuserPasswordOutOfTheProcessList(t *testing.T) {
	login := func(s *server) int {
		code, _ := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"password123"}`)
		return code
	}
	s := start(t, map[string]string{"HANOK_PASSWORD": "password123"}, "-db", "memory", "-superuser", "admin")
	assert.Equal(t, 200, login(s))
	assert.NotContains(t, s.out.String(), processListWarning)

	s = start(t, map[string]string{"HANOK_SUPERUSER": "admin:password123"}, "-db", "memory")
	assert.Equal(t, 200, login(s))
	assert.NotContains(t, s.out.String(), processListWarning)

	s = start(t, nil, "-db", "memory", "-superuser", "admin:password123")
	assert.Equal(t, 200, login(s))
	assert.Contains(t, s.out.String(), processListWarning)

	// A password from HANOK_PASSWORD too short is refused before start.
	_, err := command(t, map[string]string{"HANOK_PASSWORD": "short"}, "-addr", "127.0.0.1:0", "-db", "memory", "-superuser", "admin")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-superuser admin: ")
}

// -debug-addr on an address beyond loopback is warned about.
func TestDebugAddrBeyondLoopbackWarned(t *testing.T) {
	const warning = "-debug-addr listens beyond this host"
	s := start(t, nil, "-db", "memory", "-debug-addr", "127.0.0.1:0")
	assert.NotContains(t, s.out.String(), warning)
	s = start(t, nil, "-db", "memory", "-debug-addr", "0.0.0.0:0")
	assert.Contains(t, s.out.String(), warning)
}

// A database file that group or others may read is warned about at
// start; a private one is not.
func TestReadableDatabaseFileWarned(t *testing.T) {
	const warning = "the database file may be read by other users"
	path := filepath.Join(t.TempDir(), "hanok.db")
	s := start(t, nil, "-db", path)
	require.NoError(t, s.stop())
	assert.NotContains(t, s.out.String(), warning)

	require.NoError(t, os.Chmod(path, 0o644))
	s = start(t, nil, "-db", path)
	assert.Contains(t, s.out.String(), warning)
	assert.Contains(t, s.out.String(), "mode=-rw-r--r--")
}
