package odcloud_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/odcloud"
)

// A sync from the dump in testdata fills the mirror with its 145 records,
// recorded as a run; a second finds them unchanged.
func TestFileSync(t *testing.T) {
	ctx := context.Background()
	f, err := odcloud.OpenFile(testkit.ModuleFile(t, "testdata/trials/odcloud_3074271_all.json"))
	require.NoError(t, err)
	svc, err := trials.New(memory.New().Trials(), trials.Config{Source: f})
	require.NoError(t, err)
	run, err := svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 145, run.Inserted)
	assert.Equal(t, 1, run.Pages)
	assert.Equal(t, 145, run.Total)
	run, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(t, err)
	assert.Equal(t, 145, run.Unchanged)
	assert.Zero(t, run.Inserted)

	_, err = f.Page(ctx, 2)
	storetest.WantCode(t, err, hanok.Invalid)
}

func TestOpenFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	_, err := odcloud.OpenFile(filepath.Join(dir, "missing.json"))
	assert.ErrorContains(t, err, "missing.json")
	_, err = odcloud.OpenFile(write("html.json", "<html>nope</html>"))
	storetest.WantCode(t, err, hanok.Invalid)
	partial := write("partial.json", `{"page":1,"perPage":1,"totalCount":2,"data":[{"과제번호":"C1","과제명":"t"}]}`)
	_, err = odcloud.OpenFile(partial)
	storetest.WantCode(t, err, hanok.Invalid)
	assert.ErrorContains(t, err, "holds 1 records but its totalCount is 2")
}
