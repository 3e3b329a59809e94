package calendarhttp_test

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/calendar"
	"github.com/hanok-dev/hanok/internal/testkit"
)

// run runs a program with env added, failing the test with its output
// if it fails.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v:\n%s", name, args, out)
	return string(out)
}

// seed gives the server's user a selected group and, on 10 December
// 2026, an event made through the API.
func (s *davServer) seed(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	g, err := s.cal.CreateGroup(ctx, s.actor, "Team")
	require.NoError(t, err)
	require.NoError(t, s.cal.SelectGroups(ctx, s.actor, []calendar.GroupID{g.ID}))
	_, err = s.cal.CreateEvent(ctx, s.actor, calendar.EventInput{Subject: "API dinner",
		Start: time.Date(2026, 12, 10, 10, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 10, 11, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
}

func TestPythonCalDAV(t *testing.T) {
	py := requirePython(t, "caldav")
	for _, store := range davStores {
		t.Run(store, func(t *testing.T) {
			s := newDAVServer(t, store)
			s.seed(t)
			out := run(t, t.TempDir(), []string{"DAV_URL=" + s.url + "/", "DAV_USER=" + s.email, "DAV_PASSWORD=" + s.password},
				py, testkit.ModuleFile(t, "adapters/calendarhttp/testdata/dav/python_caldav.py"))
			assert.Contains(t, out, "OK")
			// What python-caldav did, the API sees.
			evs, err := s.cal.Month(t.Context(), s.actor, 2026, time.December)
			require.NoError(t, err)
			require.Len(t, evs, 1)
			assert.Equal(t, "API dinner", evs[0].Subject)
		})
	}
}
