package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// The server's flags may follow a command as well as come before it.
func TestFlagsAfterCommand(t *testing.T) {
	up := trialstest.NewUpstream(t, trialstest.RealRecords(t))
	path := filepath.Join(t.TempDir(), "hanok.db")
	out, err := command(t, nil, "-db", path, "trials-sync", "-trials-key", trialstest.UpstreamKey, "-trials-source", up.URL)
	require.NoError(t, err, out)
	assert.Contains(t, out, `"inserted": 145`)

	out, err = command(t, map[string]string{"HANOK_PASSWORD": "password123"}, "user", "add", "-superuser", "-db", path, "root")
	require.NoError(t, err, out)
	assert.Contains(t, out, "created superuser root")
	out, err = command(t, nil, "user", "list", "-db", path)
	require.NoError(t, err, out)
	assert.Contains(t, out, "root")

	// A command's -h prints its usage and is no failure.
	out, err = command(t, nil, "user", "add", "-h")
	require.NoError(t, err)
	assert.Contains(t, out, "usage: user add [-email E] [-superuser] NAME")
	assert.Contains(t, out, "server -h lists them")
}

// runMain runs the program itself with args, as a user would, and returns
// its standard output, standard error and exit status.
func runMain(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelpExitsZero$")
	cmd.Env = append(append(os.Environ(), "HANOK_TEST_RUN_MAIN=1", "HANOK_TEST_ARGS="+strings.Join(args, " ")), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return o.String(), e.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return o.String(), e.String(), 0
}

// A bad flag is said once, on standard error, with where to look.
func TestBadFlagSaidOnce(t *testing.T) {
	stdout, stderr, code := runMain(t, nil, "-nope")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "server: flag provided but not defined: -nope (-h lists the flags)\n", stderr)

	stdout, stderr, code = runMain(t, nil, "user", "add", "-nope", "x")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, 1, strings.Count(stderr, "-nope"), stderr)
}

// A value from the environment that is refused is named by its variable.
func TestEnvironmentErrorsNameTheVariable(t *testing.T) {
	for _, c := range []struct{ name, value, want string }{
		{"HANOK_ADDR", "bad", `HANOK_ADDR (-addr) "bad"`},
		{"HANOK_AUCTION_DURATION", "soon", `HANOK_AUCTION_DURATION="soon"`},
		{"HANOK_MEDIA_GRACE", "-1h", "HANOK_MEDIA_GRACE (-media-grace) must not be negative"},
		{"HANOK_SMTP_TLS", "sometimes", "HANOK_SMTP_TLS (-smtp-tls)"},
		{"HANOK_TRIALS_SYNC_AT", "noon", "HANOK_TRIALS_SYNC_AT (-trials-sync-at)"},
		{"HANOK_LOG_LEVEL", "loud", "HANOK_LOG_LEVEL (-log-level)"},
		{"HANOK_SUPERUSER", "admin:", "HANOK_SUPERUSER (-superuser)"},
	} {
		_, err := parseConfig(nil, func(k string) string { return map[string]string{c.name: c.value}[k] }, &bytes.Buffer{})
		assert.ErrorContains(t, err, c.want, c.name)
	}
	// Values refused only at start are named by their variable too.
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, func(k string) string {
		return map[string]string{"HANOK_DB": "memory", "HANOK_MAIL_OUT": "/proc"}[k]
	}, &bytes.Buffer{})
	assert.ErrorContains(t, err, "HANOK_MAIL_OUT (-mail-out) /proc: the directory is not writable")
	// The command line wins over the environment, and is named as a flag.
	_, err = parseConfig([]string{"-addr", "worse"}, func(k string) string { return map[string]string{"HANOK_ADDR": "bad"}[k] }, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `-addr "worse"`)
	assert.NotContains(t, err.Error(), "HANOK_ADDR")
}

// Every flag has its variable, by construction: each is looked up, and
// the usage names it.
func TestEveryFlagHasItsVariable(t *testing.T) {
	asked := map[string]bool{}
	var help bytes.Buffer
	c, err := parseConfig(nil, func(k string) string { asked[k] = true; return "" }, &help)
	require.NoError(t, err)
	n := 0
	c.flags.VisitAll(func(f *flag.Flag) {
		n++
		assert.True(t, asked[envName(f.Name)], "%s not read for -%s", envName(f.Name), f.Name)
		assert.Contains(t, f.Usage, "(env "+envName(f.Name)+")")
	})
	assert.Greater(t, n, 20)
	// A duration from the environment goes through the flag's own parser.
	c, err = parseConfig(nil, func(k string) string { return map[string]string{"HANOK_AUCTION_DURATION": "90m"}[k] }, &help)
	require.NoError(t, err)
	assert.Equal(t, "1h30m0s", c.auctionDuration.String())
}

// A -superuser password the service would refuse fails before anything
// is created: no database, no media directory.
func TestShortSuperuserPasswordCreatesNothing(t *testing.T) {
	dir := t.TempDir()
	db, media, mail := filepath.Join(dir, "h.db"), filepath.Join(dir, "media"), filepath.Join(dir, "mail")
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", db, "-media", media, "-mail-out", mail, "-superuser", "admin:short"}, func(string) string { return "" }, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-superuser: ")
	assert.Contains(t, err.Error(), "at least")
	for _, p := range []string{db, media, mail} {
		assert.NoFileExists(t, p)
		assert.NoDirExists(t, p)
	}
}

// A -mail-out directory that cannot be written to fails the start, as an
// unwritable -media does, instead of leaving every campaign pending.
func TestUnwritableMailOutFailsAtStart(t *testing.T) {
	if _, err := os.Stat("/proc/self"); err != nil {
		t.Skip("needs /proc, a directory no one may write to")
	}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", "memory", "-mail-out", "/proc"}, func(string) string { return "" }, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-mail-out /proc: the directory is not writable")
}

// trials import fills the mirror from a file in the upstream's own JSON,
// as a sync (recorded as a run); again, it finds every trial unchanged.
func TestTrialsImportCommand(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hanok.db")
	file := testkit.ModuleFile(t, "testdata/trials/odcloud_3074271_all.json")
	out, err := command(t, nil, "-db", path, "trials", "import", file)
	require.NoError(t, err, out)
	assert.Contains(t, out, "trials import: run 1: 145 trials inserted, 0 changed, 0 unchanged, 0 withdrawn, 0 skipped\n")
	assert.Contains(t, out, `"inserted": 145`)
	n, runs := storedTrials(t, path)
	assert.Equal(t, 145, n)
	require.Len(t, runs, 1)
	assert.Equal(t, 145, runs[0].Total)

	out, err = command(t, nil, "trials", "import", file, "-db", path)
	require.NoError(t, err, out)
	assert.Contains(t, out, "run 2: 0 trials inserted, 0 changed, 145 unchanged")

	// The mirror serves what was imported.
	s := start(t, nil, "-db", path)
	code, body := s.do(t, "GET", "/trials/tasks/search", "", "")
	require.Equal(t, 200, code, body)
	assert.EqualValues(t, 145, body["count"])

	dir := t.TempDir()
	partial := filepath.Join(dir, "partial.json")
	require.NoError(t, os.WriteFile(partial, []byte(`{"page":1,"perPage":1,"totalCount":2,"data":[{"과제번호":"C1"}]}`), 0o600))
	other := filepath.Join(dir, "other.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trials"}, "usage: trials import FILE.json"},
		{[]string{"trials", "export"}, `unknown command "trials export"`},
		{[]string{"trials", "import"}, "usage: trials import FILE.json"},
		{[]string{"trials", "import", filepath.Join(dir, "missing.json")}, "missing.json"},
		{[]string{"trials", "import", partial}, "holds 1 records but its totalCount is 2"},
	} {
		out, err := command(t, nil, append([]string{"-db", other}, c.args...)...)
		if assert.Error(t, err, "%q", c.args) {
			assert.Contains(t, err.Error()+out, c.want, "%q", c.args)
		}
	}
	assert.NoFileExists(t, other, "a refused import created the database")
}

// A database file that cannot be written fails the start with its name and
// what to do; made writable again, the next start succeeds.
func TestReadOnlyDatabaseStart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hanok.db")
	s := start(t, nil, "-db", path)
	require.NoError(t, s.stop())

	require.NoError(t, os.Chmod(path, 0o400))
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-db", path, "-media", filepath.Join(dir, "media"), "-mail-out", filepath.Join(dir, "mail")}, func(string) string { return "" }, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-db "+path+": sqlite: "+path+" is read-only")
	assert.Contains(t, err.Error(), "chmod u+w")

	require.NoError(t, os.Chmod(path, 0o600))
	s = start(t, nil, "-db", path)
	code, _ := s.do(t, "GET", "/readyz", "", "")
	assert.Equal(t, 200, code)
}
