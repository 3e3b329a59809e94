package auction_test

import (
	"bytes"
	"context"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth/authtest"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storetest"
)

// xlsx builds a workbook whose first sheet has rows.
func xlsx(t testing.TB, rows ...[]string) []byte {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, err)
		vals := make([]any, len(r))
		for j, v := range r {
			vals[j] = v
		}
		require.NoError(t, f.SetSheetRow("Sheet1", cell, &vals))
	}
	var b bytes.Buffer
	require.NoError(t, f.Write(&b))
	return b.Bytes()
}

func newService(t testing.TB) (*auction.Service, *memory.DB) {
	db := memory.New()
	storetest.CreateUsers(t, authtest.Users(db.Auth()), 2) // the actors 1 and 2 of the tests
	svc, err := auction.New(db.Auction(), db.Media(), auction.Config{})
	require.NoError(t, err)
	return svc, db
}

func TestReadCatalog(t *testing.T) {
	data := xlsx(t,
		[]string{"브랜드", "차종", "모델"},
		[]string{"현대", "소나타", " 소나타 2.0 "},
		[]string{"", "", ""},
		nil,
		[]string{"르노삼성", "sm", "sm5"},
	)
	got, err := auction.ReadCatalog(bytes.NewReader(data))
	require.NoError(t, err)
	want := []auction.CatalogEntry{{Brand: "현대", Kind: "소나타", Model: "소나타 2.0"}, {Brand: "르노삼성", Kind: "sm", Model: "sm5"}}
	require.Equal(t, want, got, "entries")
	// Blank rows before the header are skipped too.
	_, err = auction.ReadCatalog(bytes.NewReader(xlsx(t, nil, []string{"브랜드", "차종", "모델"})))
	require.NoError(t, err, "header after a blank row")

	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"no header", xlsx(t, []string{"현대", "소나타", "소나타 2.0"}), "row 1: want the header"},
		{"short header", xlsx(t, []string{"브랜드", "차종"}), "row 1: want the header"},
		{"empty sheet", xlsx(t), "row 1: the header"},
		{"missing model", xlsx(t, []string{"브랜드", "차종", "모델"}, []string{"현대", "소나타", "a"}, []string{"현대", "소나타"}), "row 3: 모델 (model): is required"},
		{"missing kind", xlsx(t, []string{"브랜드", "차종", "모델"}, []string{"현대", "", "x"}), "row 2: 차종 (kind): is required"},
		{"missing brand", xlsx(t, []string{"브랜드", "차종", "모델"}, []string{"", "소나타", "x"}), "row 2: 브랜드 (brand): is required"},
		{"too long", xlsx(t, []string{"브랜드", "차종", "모델"}, []string{"현대", "소나타", strings.Repeat("x", 201)}), "row 2: 모델 (model): must be at most 200 characters"},
		{"not xlsx", []byte("브랜드,차종,모델\n현대,소나타,x\n"), "not a readable .xlsx"},
	} {
		_, err := auction.ReadCatalog(bytes.NewReader(tc.data))
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "%s: %v", tc.name, err)
		assert.Contains(t, hanok.MessageOf(err), tc.want, tc.name)
	}
}

func TestImportCatalogIdempotent(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	data := xlsx(t, []string{"브랜드", "차종", "모델"}, []string{"현대", "소나타", "소나타 2.0"}, []string{"현대", "소나타", "LF 소나타"}, []string{"기아", "K5", "더 뉴 K5"})
	rep, err := svc.ImportCatalog(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, auction.ImportReport{Rows: 3, Brands: 2, Kinds: 2, Models: 3}, rep, "first import")
	rep, err = svc.ImportCatalog(ctx, bytes.NewReader(data))
	require.NoError(t, err, "second import")
	require.Equal(t, auction.ImportReport{Rows: 3}, rep, "second import")
	// A refused file changes nothing.
	bad := xlsx(t, []string{"브랜드", "차종", "모델"}, []string{"벤츠", "E", "E300"}, []string{"벤츠", "E"})
	_, err = svc.ImportCatalog(ctx, bytes.NewReader(bad))
	require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "bad file: %v", err)
	bs, _ := svc.Brands(ctx)
	require.Len(t, bs, 2, "a refused import added brands")
	_, err = svc.ImportEntries(ctx, []auction.CatalogEntry{{Brand: "a", Kind: "b\x01", Model: "c"}})
	require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "control character: %v", err)
}

// realCatalog is the original service's catalog workbook, as the
// repository ships it.
func realCatalog(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(testkit.ModuleFile(t, "auction/data/brand_kind_model.xlsx"))
	require.NoError(t, err)
	return data
}

func TestImportRealCatalog(t *testing.T) {
	data := realCatalog(t)
	svc, _ := newService(t)
	ctx := context.Background()
	rep, err := svc.ImportCatalog(ctx, bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, 1326, rep.Models, "import: models")
	require.Equal(t, 68, rep.Brands, "import: brands")
	require.Equal(t, 1326, rep.Rows, "import: rows")
	brands, err := svc.Brands(ctx)
	require.NoError(t, err)
	// Kind names shared by several brands: each brand has its own kind.
	owners := map[string][]string{}
	models := 0
	for _, b := range brands {
		kinds, err := svc.KindsOf(ctx, b.Name)
		require.NoError(t, err)
		for _, k := range kinds {
			owners[k.Name] = append(owners[k.Name], b.Name)
			ms, err := svc.ModelsOf(ctx, k.Name, b.Name)
			require.NoError(t, err)
			models += len(ms)
		}
	}
	require.Equal(t, 1326, models, "models reachable brand by brand")
	var shared []string
	for name, bs := range owners {
		if len(bs) > 1 {
			shared = append(shared, name)
		}
	}
	sort.Strings(shared)
	require.Len(t, shared, 16, "kind names under several brands")
	for kind, want := range map[string][]string{
		"클리오": {"르노", "르노삼성"}, "쿠페": {"마세라티", "미니", "피아트"}, "캐러밴": {"닷지", "크라이슬러"},
		"LS": {"렉서스", "링컨"}, "포르테": {"기아", "도요타"}, "콜벳": {"쉐보레", "쉐보레(GM대우)"},
	} {
		assert.Equal(t, want, slices.Sorted(slices.Values(owners[kind])), "kind %s", kind)
	}
	// The models of 기아's 포르테 are not 도요타's.
	kia, err := svc.ModelsOf(ctx, "포르테", "기아")
	require.NoError(t, err)
	toyota, err := svc.ModelsOf(ctx, "포르테", "도요타")
	require.NoError(t, err)
	for _, m := range kia {
		require.False(t, slices.ContainsFunc(toyota, func(o auction.Model) bool { return o.ID == m.ID }), "model %q under both brands' 포르테", m.Name)
	}
	rep, err = svc.ImportCatalog(ctx, bytes.NewReader(data))
	require.NoError(t, err, "second import")
	require.Equal(t, auction.ImportReport{Rows: 1326}, rep, "second import")
}

func TestDefaultCatalog(t *testing.T) {
	svc, _ := newService(t)
	ctx := context.Background()
	entries := auction.DefaultCatalog()
	rep, err := svc.ImportEntries(ctx, entries)
	require.NoError(t, err)
	require.Equal(t, len(entries), rep.Models, "default catalog: models")
	require.GreaterOrEqual(t, rep.Brands, 5, "default catalog: brands")
	rep, _ = svc.ImportEntries(ctx, entries)
	require.Zero(t, rep.Models, "second import added models")
	require.Zero(t, rep.Kinds, "second import added kinds")
	require.Zero(t, rep.Brands, "second import added brands")
}

// catalogFile is a small catalog workbook for the examples.
func catalogFile() []byte {
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range [][]any{{"브랜드", "차종", "모델"}, {"현대", "소나타", "소나타 2.0"}, {"현대", "소나타", "LF 소나타"}, {"기아", "K5", "더 뉴 K5"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			panic(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		panic(err)
	}
	return b.Bytes()
}
