package calendarhttp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/calendarhttp"
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

// localItems reads a vdir (one .ics per event) into UID -> content.
func localItems(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".ics") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		m := regexp.MustCompile(`(?m)^UID:(.*?)\r?$`).FindStringSubmatch(string(b))
		require.NotNil(t, m, "%s has a UID", e.Name())
		out[m[1]] = filepath.Join(dir, e.Name())
	}
	return out
}

// localBySummary returns the path of the local item whose SUMMARY is
// summary, "" if none.
func localBySummary(t *testing.T, dir, summary string) string {
	t.Helper()
	for _, p := range localItems(t, dir) {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		if strings.Contains(string(b), "SUMMARY:"+summary+"\r\n") || strings.Contains(string(b), "SUMMARY:"+summary+"\n") {
			return p
		}
	}
	return ""
}

func localEdit(t *testing.T, path, from, to string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), from)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), from, to, 1)), 0o600))
}

// serverSubjects is the subjects of the user's calendar in December 2026,
// as the API's month view shows them.
func (s *davServer) serverSubjects(t *testing.T) []string {
	t.Helper()
	evs, err := s.cal.Month(t.Context(), s.actor, 2026, time.December)
	require.NoError(t, err)
	var out []string
	for _, e := range evs {
		out = append(out, e.Subject)
	}
	sort.Strings(out)
	return out
}

func (s *davServer) apiEvent(t *testing.T, subject string, day int) *calendar.Event {
	t.Helper()
	e, err := s.cal.CreateEvent(t.Context(), s.actor, calendar.EventInput{Subject: subject,
		Start: time.Date(2026, 12, day, 1, 0, 0, 0, time.UTC), End: time.Date(2026, 12, day, 2, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	return e
}

// TestVdirsyncer syncs the calendar both ways with vdirsyncer into a
// local directory, changes, adds and deletes on each side (and changes
// one event on both: the server's change wins, as configured), syncs
// again and checks both sides; then khal reads the directory.
func TestVdirsyncer(t *testing.T) {
	vdirsyncer := requireProgram(t, "vdirsyncer")
	khal := requireProgram(t, "khal")
	for _, store := range davStores {
		t.Run(store, func(t *testing.T) {
			s := newDAVServer(t, store)
			ctx := t.Context()
			g, err := s.cal.CreateGroup(ctx, s.actor, "Team")
			require.NoError(t, err)
			require.NoError(t, s.cal.SelectGroups(ctx, s.actor, []calendar.GroupID{g.ID}))
			_, err = s.cal.CreateGroupEvent(ctx, s.actor, g.ID, calendar.EventInput{Subject: "Team standup",
				Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC)})
			require.NoError(t, err)
			_, err = s.cal.SetBirthday(ctx, s.actor, calendar.Date{Year: 1990, Month: time.December, Day: 24})
			require.NoError(t, err)
			serverEdit := s.apiEvent(t, "Server edit", 2)
			serverDelete := s.apiEvent(t, "Delete on server", 3)
			s.apiEvent(t, "Local edit", 4)
			s.apiEvent(t, "Delete locally", 5)
			both := s.apiEvent(t, "Both", 6)

			dir := t.TempDir()
			local := filepath.Join(dir, "calendars")
			config := filepath.Join(dir, "config")
			require.NoError(t, os.WriteFile(config, []byte(fmt.Sprintf(`[general]
status_path = "%s/status/"

[pair hanok]
a = "hanok_local"
b = "hanok_remote"
collections = ["from b"]
conflict_resolution = "b wins"

[storage hanok_local]
type = "filesystem"
path = "%s/"
fileext = ".ics"

[storage hanok_remote]
type = "caldav"
url = "%s/"
username = "%s"
password = "%s"
`, dir, local, s.url, s.email, s.password)), 0o600))
			env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CACHE_HOME=" + dir}
			vdir := func(args ...string) string {
				t.Helper()
				cmd := exec.CommandContext(ctx, vdirsyncer, append([]string{"-c", config}, args...)...)
				cmd.Env = append(os.Environ(), env...)
				cmd.Stdin = strings.NewReader(strings.Repeat("y\n", 20))
				out, err := cmd.CombinedOutput()
				require.NoError(t, err, "vdirsyncer %v:\n%s", args, out)
				return string(out)
			}
			vdir("discover", "hanok")
			vdir("sync")

			personalDir := filepath.Join(local, "personal")
			groupDir := filepath.Join(local, fmt.Sprintf("group-%d", g.ID))
			require.Len(t, localItems(t, personalDir), 6, "five events and the birthday")
			require.NotEmpty(t, localBySummary(t, groupDir, "Team standup"))
			require.NotEmpty(t, localBySummary(t, personalDir, "Birthday"))

			// Changes on the server (through the API)...
			_, err = s.cal.UpdateEvent(ctx, s.actor, serverEdit.ID, calendar.EventInput{Subject: "Server edited", Start: serverEdit.Start, End: serverEdit.End})
			require.NoError(t, err)
			require.NoError(t, s.cal.DeleteEvent(ctx, s.actor, serverDelete.ID))
			s.apiEvent(t, "Server new", 7)
			_, err = s.cal.UpdateEvent(ctx, s.actor, both.ID, calendar.EventInput{Subject: "Both server side", Start: both.Start, End: both.End})
			require.NoError(t, err)
			// ... and locally.
			localEdit(t, localBySummary(t, personalDir, "Local edit"), "SUMMARY:Local edit", "SUMMARY:Local edited")
			require.NoError(t, os.Remove(localBySummary(t, personalDir, "Delete locally")))
			localEdit(t, localBySummary(t, personalDir, "Both"), "SUMMARY:Both", "SUMMARY:Both local side")
			require.NoError(t, os.WriteFile(filepath.Join(personalDir, "local-new@test.ics"),
				[]byte(icsEvent("local-new@test", "Local new", "20261208T010000Z", "20261208T020000Z")), 0o600))

			vdir("sync")

			assert.Equal(t, []string{"Birthday", "Both server side", "Local edited", "Local new", "Server edited", "Server new", "Team standup"},
				s.serverSubjects(t), "the server after the second sync")
			for _, want := range []string{"Birthday", "Both server side", "Local edited", "Local new", "Server edited", "Server new"} {
				assert.NotEmpty(t, localBySummary(t, personalDir, want), "locally: %s", want)
			}
			for _, gone := range []string{"Delete on server", "Delete locally", "Both local side", "Local edit", "Server edit"} {
				assert.Empty(t, localBySummary(t, personalDir, gone), "locally, no longer: %s", gone)
			}
			assert.Len(t, localItems(t, personalDir), 6)

			// A third sync finds nothing to do.
			out := vdir("sync")
			assert.NotContains(t, out, "Copying")
			assert.NotContains(t, out, "Deleting")

			// khal reads the synced directory.
			khalConfig := filepath.Join(dir, "khal.conf")
			require.NoError(t, os.WriteFile(khalConfig, []byte(khalConf(dir, map[string]string{"hanok": personalDir, "team": groupDir})), 0o600))
			cmd := exec.CommandContext(ctx, khal, "-c", khalConfig, "list", "--format", "{start-date} {title}", "2026-12-01", "2026-12-31")
			cmd.Env = append(os.Environ(), env...)
			listed, err := cmd.CombinedOutput()
			require.NoError(t, err, "khal list:\n%s", listed)
			for _, want := range []string{"Team standup", "Server edited", "Local edited", "Local new", "Server new", "Both server side", "Birthday"} {
				assert.Contains(t, string(listed), want, "khal lists it")
			}
			assert.NotContains(t, string(listed), "Delete on server")
		})
	}
}

// khalConf is a khal configuration of the calendars (name -> vdir) with
// its database under dir.
func khalConf(dir string, calendars map[string]string) string {
	var b strings.Builder
	b.WriteString("[calendars]\n")
	names := make([]string, 0, len(calendars))
	for n := range calendars {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "[[%s]]\npath = %s\ntype = calendar\n", n, calendars[n])
	}
	fmt.Fprintf(&b, `[locale]
timeformat = %%H:%%M
dateformat = %%Y-%%m-%%d
longdateformat = %%Y-%%m-%%d
datetimeformat = %%Y-%%m-%%d %%H:%%M
longdatetimeformat = %%Y-%%m-%%d %%H:%%M
local_timezone = Asia/Seoul
default_timezone = Asia/Seoul
[sqlite]
path = %s/khal.db
`, dir)
	return b.String()
}

// feedPoll is what feed_icalendar.py reports.
type feedPoll struct {
	Status   int      `json:"status"`
	ETag     string   `json:"etag"`
	Modified string   `json:"modified"`
	Subjects []string `json:"subjects"`
	RRules   []string `json:"rrules"`
}

// TestFeedWithClients polls a subscription link as apps do (conditional
// GETs) and parses it with python3-icalendar, then imports it with khal.
func TestFeedWithClients(t *testing.T) {
	py := requirePython(t, "icalendar")
	khal := requireProgram(t, "khal")
	script := testkit.ModuleFile(t, "adapters/calendarhttp/testdata/dav/feed_icalendar.py")
	for _, store := range davStores {
		t.Run(store, func(t *testing.T) {
			s := newDAVServer(t, store)
			ctx := t.Context()
			soon := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
			_, err := s.cal.CreateEvent(ctx, s.actor, calendar.EventInput{Subject: "Soon", Start: soon, End: soon.Add(time.Hour)})
			require.NoError(t, err)
			_, err = s.cal.SetBirthday(ctx, s.actor, calendar.Date{Year: 1990, Month: time.March, Day: 1})
			require.NoError(t, err)
			r := testkit.Do(t, nil, testkit.Request{Method: "POST", URL: s.url + "/calendar/api/v1/feed/", Token: s.token})
			require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
			var link struct {
				Data calendarhttp.FeedLink `json:"data"`
			}
			require.NoError(t, json.Unmarshal(r.Body, &link))

			poll := func(extra ...string) feedPoll {
				t.Helper()
				out := run(t, t.TempDir(), append([]string{"FEED_URL=" + link.Data.URL}, extra...), py, script)
				var p feedPoll
				require.NoError(t, json.Unmarshal([]byte(out), &p), "%s", out)
				return p
			}
			first := poll()
			assert.Equal(t, 200, first.Status)
			assert.Equal(t, []string{"Birthday", "Soon"}, first.Subjects)
			assert.Equal(t, []string{"FREQ=YEARLY"}, first.RRules, "the birthday repeats yearly")
			again := poll("FEED_ETAG="+first.ETag, "FEED_MODIFIED="+first.Modified)
			assert.Equal(t, 304, again.Status, "an unchanged calendar")

			_, err = s.cal.CreateEvent(ctx, s.actor, calendar.EventInput{Subject: "Later", Start: soon.Add(48 * time.Hour), End: soon.Add(49 * time.Hour)})
			require.NoError(t, err)
			changed := poll("FEED_ETAG="+first.ETag, "FEED_MODIFIED="+first.Modified)
			assert.Equal(t, 200, changed.Status, "a changed calendar")
			assert.Equal(t, []string{"Birthday", "Later", "Soon"}, changed.Subjects)
			assert.NotEqual(t, first.ETag, changed.ETag)

			// khal imports the feed into a calendar of its own.
			dir := t.TempDir()
			vdir := filepath.Join(dir, "subscribed")
			require.NoError(t, os.Mkdir(vdir, 0o700))
			feed := testkit.Do(t, nil, testkit.Request{Method: "GET", URL: link.Data.URL})
			require.Equal(t, http.StatusOK, feed.Status)
			ics := filepath.Join(dir, "feed.ics")
			require.NoError(t, os.WriteFile(ics, feed.Body, 0o600))
			conf := filepath.Join(dir, "khal.conf")
			require.NoError(t, os.WriteFile(conf, []byte(khalConf(dir, map[string]string{"subscribed": vdir})), 0o600))
			env := []string{"HOME=" + dir, "XDG_CONFIG_HOME=" + dir, "XDG_DATA_HOME=" + dir, "XDG_CACHE_HOME=" + dir}
			run(t, dir, env, khal, "-c", conf, "import", "--batch", "-a", "subscribed", ics)
			listed := run(t, dir, env, khal, "-c", conf, "list", "--format", "{title}", soon.Format("2006-01-02"), "4d")
			assert.Contains(t, listed, "Soon")
			assert.Contains(t, listed, "Later")
		})
	}
}
