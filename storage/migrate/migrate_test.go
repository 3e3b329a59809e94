package migrate_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/migrate"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0007_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
		"m/0014_c.sql": {Data: []byte("C")},
	}
	ms, err := migrate.Load(fsys, "m")
	require.NoError(t, err)
	assert.Equal(t, []migrate.Migration{{1, "0001_a.sql", "A"}, {7, "0007_b.sql", "B"}, {14, "0014_c.sql", "C"}}, ms)

	_, err = migrate.Load(fstest.MapFS{"m/0001_a.sql": {}, "m/01_b.sql": {}}, "m")
	assert.ErrorContains(t, err, "have the same number")
	_, err = migrate.Load(fstest.MapFS{"m/first.sql": {}}, "m")
	assert.ErrorContains(t, err, "must start with a positive number")
	_, err = migrate.Load(fstest.MapFS{"m/0000_x.sql": {}}, "m")
	assert.ErrorContains(t, err, "must start with a positive number")
}

func TestPending(t *testing.T) {
	ms := []migrate.Migration{{Version: 1}, {Version: 2}, {Version: 8}, {Version: 14}}
	p, err := migrate.Pending(ms, []int{1, 2, 14})
	require.NoError(t, err)
	assert.Equal(t, []migrate.Migration{{Version: 8}}, p, "a reserved number below the newest applied is still applied")
	p, err = migrate.Pending(ms, migrate.UpTo(ms, 8))
	require.NoError(t, err)
	assert.Equal(t, []migrate.Migration{{Version: 14}}, p)
	_, err = migrate.Pending(ms, migrate.UpTo(ms, 15))
	assert.ErrorContains(t, err, "schema version 15 is newer than this program's 14")
}

// fake is a Backend that counts its write transactions.
type fake struct {
	applied []int
	writes  int
	// raced, when set, is applied by "another process" between the
	// read-only check and the write transaction.
	raced []int
	fail  error
}

func (f *fake) Applied(context.Context) ([]int, error) { return slices.Clone(f.applied), nil }

func (f *fake) Write(ctx context.Context, fn func(migrate.Tx) error) error {
	f.writes++
	f.applied = append(f.applied, f.raced...)
	return fn(f)
}

func (f *fake) Apply(_ context.Context, m migrate.Migration) error {
	if f.fail != nil {
		return f.fail
	}
	f.applied = append(f.applied, m.Version)
	return nil
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	ms := []migrate.Migration{{Version: 1, Name: "0001_a.sql"}, {Version: 2, Name: "0002_b.sql"}, {Version: 3, Name: "0003_c.sql"}}

	up := &fake{applied: []int{1, 2, 3}}
	require.NoError(t, migrate.Run(ctx, up, ms))
	assert.Zero(t, up.writes, "an up-to-date database is not written to")

	f := &fake{applied: []int{1}, raced: []int{2}}
	require.NoError(t, migrate.Run(ctx, f, ms))
	assert.Equal(t, 1, f.writes)
	assert.Equal(t, []int{1, 2, 3}, f.applied, "what another process applied meanwhile is not applied again")

	bad := &fake{fail: errors.New("boom")}
	assert.EqualError(t, migrate.Run(ctx, bad, ms), "migration 0001_a.sql: boom")

	newer := &fake{applied: []int{1, 2, 3, 4}}
	assert.ErrorContains(t, migrate.Run(ctx, newer, ms), "newer than this program's 3")
	assert.Zero(t, newer.writes)
}
