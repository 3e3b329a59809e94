package auction

import (
	"bytes"
	"embed"
	"slices"
	"sync"
)

// builtInFile is the catalog the project ships: brand_kind_model.xlsx,
// the seed's full catalog of 1,326 models of 68 brands.
//
//go:embed data/brand_kind_model.xlsx
var builtInFile embed.FS

var builtIn = sync.OnceValues(func() ([]CatalogEntry, error) {
	data, err := builtInFile.ReadFile("data/brand_kind_model.xlsx")
	if err != nil {
		return nil, err
	}
	return ReadCatalog(bytes.NewReader(data))
})

// BuiltInCatalog returns the full catalog the project ships, embedded in
// the binary: 1,326 models of 68 brands, read from the same .xlsx format
// ImportCatalog reads. It is what a new database gets (see
// examples/server). The entries are a new copy at each call.
func BuiltInCatalog() []CatalogEntry {
	entries, err := builtIn()
	if err != nil {
		// The file is part of the binary and checked by the tests.
		panic("auction: the built-in catalog is unreadable: " + err.Error())
	}
	return slices.Clone(entries)
}
