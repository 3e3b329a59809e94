package auction_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/storage/memory"
)

// An import that finds the whole catalog already there (another server
// on the same database imported it) says so, instead of "catalog
// imported" with zero new brands, kinds and models.
func TestImportAgainLogsCatalogAlreadyThere(t *testing.T) {
	ctx := context.Background()
	var log bytes.Buffer
	m := memory.New()
	svc, err := auction.New(m.Auction(), m.Media(), auction.Config{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	require.NoError(t, err)
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	assert.Contains(t, log.String(), `msg="catalog imported"`)
	log.Reset()
	rep, err := svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(t, err)
	assert.Zero(t, rep.Brands+rep.Kinds+rep.Models)
	assert.Contains(t, log.String(), `msg="catalog already there: nothing imported" rows=`)
	assert.NotContains(t, log.String(), "catalog imported")
}
