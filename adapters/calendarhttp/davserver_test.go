package calendarhttp_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/postgres"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// davServer is the whole server (adapters/system, so with its CalDAV
// discovery redirects) on one kind of store, with one user who has an
// app password.
type davServer struct {
	url   string // the server's root, no trailing slash
	authn *auth.Service
	cal   *calendar.Service
	logs  *syncBuffer
	// email, password sign in over CalDAV; actor is the user.
	email, password string
	actor           hanok.Actor
	token           string // the user's API token
}

// davStores are the stores the CalDAV tests run on.
var davStores = []string{"sqlite", "postgres"}

func newDAVServer(t *testing.T, store string) *davServer {
	t.Helper()
	ctx := context.Background()
	var authStore auth.Store
	var calStore calendar.Store
	switch store {
	case "memory":
		db := memory.New()
		authStore, calStore = db.Auth(), db.Calendar()
	case "sqlite":
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hanok.db"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		authStore, calStore = db.Auth(), db.Calendar()
	case "postgres":
		db, err := postgres.Open(ctx, pgtest.DSN(t))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		authStore, calStore = db.Auth(), db.Calendar()
	default:
		t.Fatalf("unknown store %q", store)
	}
	authn, err := auth.New(authStore, auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	cal, err := calendar.New(calStore, calendar.Config{})
	require.NoError(t, err)
	logs := &syncBuffer{}
	srv := httptest.NewServer(system.Handler(system.Services{Auth: authn, Calendar: cal}, system.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))}))
	t.Cleanup(srv.Close)
	s, err := authn.Register(ctx, auth.RegisterInput{Username: "park@jungi.me", Email: "park@jungi.me", Password: "account-password"})
	require.NoError(t, err)
	_, password, err := authn.CreateAppPassword(ctx, s.User.Actor(), "test")
	require.NoError(t, err)
	return &davServer{url: srv.URL, authn: authn, cal: cal, logs: logs, email: "park@jungi.me", password: password, actor: s.User.Actor(), token: s.Token}
}

// requireProgram returns the path of a program a test drives, or skips
// the test naming it (fails instead when HANOK_REQUIRE_DAV is set, as in
// CI).
func requireProgram(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("HANOK_REQUIRE_DAV") != "" {
			t.Fatalf("%s is not installed (HANOK_REQUIRE_DAV is set): apt-get install vdirsyncer khal python3-caldav python3-icalendar", name)
		}
		t.Skipf("%s is not installed: skipped (apt-get install vdirsyncer khal python3-caldav python3-icalendar; HANOK_REQUIRE_DAV=1 makes this a failure)", name)
	}
	return p
}

// requirePython returns /usr/bin/python3 once it imports each module, or
// skips (fails under HANOK_REQUIRE_DAV) naming the missing one.
func requirePython(t *testing.T, modules ...string) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		requireProgram(t, py)
	}
	for _, m := range modules {
		if out, err := exec.Command(py, "-c", "import "+m).CombinedOutput(); err != nil {
			if os.Getenv("HANOK_REQUIRE_DAV") != "" {
				t.Fatalf("python3 module %s is missing (HANOK_REQUIRE_DAV is set): %s", m, out)
			}
			t.Skipf("python3 module %s is missing (Debian python3-%s): skipped", m, m)
		}
	}
	return py
}
