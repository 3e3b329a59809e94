package auction_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/internal/testkit"
)

// TestBuiltInCatalog: the embedded catalog is the seed's full catalog,
// entry for entry the workbook the repository ships (auction/data), read
// through ReadCatalog.
func TestBuiltInCatalog(t *testing.T) {
	entries := auction.BuiltInCatalog()
	brands := map[string]bool{}
	for _, e := range entries {
		brands[e.Brand] = true
	}
	require.Equal(t, 1326, len(entries), "built-in catalog: models")
	require.Len(t, brands, 68, "built-in catalog: brands")
	entries[0].Brand = "changed"
	require.NotEqual(t, "changed", auction.BuiltInCatalog()[0].Brand, "BuiltInCatalog returned shared state")

	path := testkit.ModuleFile(t, "auction/data/brand_kind_model.xlsx")
	f, err := os.Open(path)
	require.NoError(t, err, "the catalog workbook")
	defer f.Close()
	shared, err := auction.ReadCatalog(f)
	require.NoError(t, err)
	require.True(t, slices.Equal(auction.BuiltInCatalog(), shared), "the embedded catalog differs from %s", path)

	svc, _ := newService(t)
	rep, err := svc.ImportEntries(context.Background(), auction.BuiltInCatalog())
	require.NoError(t, err, "importing the built-in catalog")
	require.Equal(t, auction.ImportReport{Rows: 1326, Brands: 68, Kinds: 865, Models: 1326}, rep, "importing the built-in catalog")
}
