package postgres

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The embedded migrations load (numbers unique, increasing; the rules are
// package migrate's and tested there).
func TestMigrationNumbers(t *testing.T) {
	t.Parallel()
	got, err := MigrationVersions()
	require.NoError(t, err)
	for i := 1; i < len(got); i++ {
		require.Greater(t, got[i], got[i-1], "embedded migrations %v", got)
	}
}
