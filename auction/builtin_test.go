package auction_test

import (
	"context"
	"os"
	"slices"
	"testing"

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
	if len(entries) != 1326 || len(brands) != 68 {
		t.Fatalf("built-in catalog: %d models of %d brands, want 1326 of 68", len(entries), len(brands))
	}
	entries[0].Brand = "changed"
	if again := auction.BuiltInCatalog(); again[0].Brand == "changed" {
		t.Fatal("BuiltInCatalog returned shared state")
	}

	path := testkit.ModuleFile(t, "auction/data/brand_kind_model.xlsx")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("the catalog workbook: %v", err)
	}
	defer f.Close()
	shared, err := auction.ReadCatalog(f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(auction.BuiltInCatalog(), shared) {
		t.Fatalf("the embedded catalog differs from %s", path)
	}

	svc, _ := newService(t)
	rep, err := svc.ImportEntries(context.Background(), auction.BuiltInCatalog())
	if err != nil || rep != (auction.ImportReport{Rows: 1326, Brands: 68, Kinds: 865, Models: 1326}) {
		t.Fatalf("importing the built-in catalog: %+v, %v", rep, err)
	}
}
