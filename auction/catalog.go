package auction

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/hanok-dev/hanok"
)

// CatalogHeader is the header row of a catalog sheet.
var CatalogHeader = [3]string{"브랜드", "차종", "모델"}

// maxNameLen is the longest brand, kind or model name, in characters.
const maxNameLen = 200

// ReadCatalog reads the entries of an .xlsx catalog: the first sheet, a
// header row 브랜드 | 차종 | 모델, then one model a row. Blank rows are
// skipped; cells are trimmed. A missing header, a row with a missing
// column or a file that is not an .xlsx is hanok.Invalid naming the row.
func ReadCatalog(r io.Reader) ([]CatalogEntry, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, hanok.Wrap(hanok.Invalid, err, "catalog: not a readable .xlsx file")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, hanok.Errorf(hanok.Invalid, "catalog: the file has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, hanok.Wrap(hanok.Invalid, err, "catalog: cannot read the first sheet")
	}
	defer rows.Close()
	var entries []CatalogEntry
	header := false
	for n := 1; rows.Next(); n++ {
		cols, err := rows.Columns()
		if err != nil {
			return nil, hanok.Wrap(hanok.Invalid, err, fmt.Sprintf("catalog: row %d: unreadable", n))
		}
		for i := range cols {
			cols[i] = strings.TrimSpace(cols[i])
		}
		if blank(cols) {
			continue
		}
		if !header {
			if len(cols) < 3 || cols[0] != CatalogHeader[0] || cols[1] != CatalogHeader[1] || cols[2] != CatalogHeader[2] {
				return nil, hanok.Errorf(hanok.Invalid, "catalog: row %d: want the header %q, got %q", n, strings.Join(CatalogHeader[:], " | "), strings.Join(cols, " | "))
			}
			header = true
			continue
		}
		for len(cols) < 3 {
			cols = append(cols, "")
		}
		e := CatalogEntry{Brand: cols[0], Kind: cols[1], Model: cols[2]}
		if err := e.validate(); err != nil {
			return nil, hanok.Errorf(hanok.Invalid, "catalog: row %d: %s", n, hanok.MessageOf(err))
		}
		entries = append(entries, e)
	}
	if err := rows.Error(); err != nil {
		return nil, hanok.Wrap(hanok.Invalid, err, "catalog: cannot read the first sheet")
	}
	if !header {
		return nil, hanok.Errorf(hanok.Invalid, "catalog: row 1: the header %q is missing", strings.Join(CatalogHeader[:], " | "))
	}
	return entries, nil
}

func blank(cols []string) bool {
	for _, c := range cols {
		if c != "" {
			return false
		}
	}
	return true
}

func (e CatalogEntry) validate() error {
	for _, c := range []struct{ name, col, v string }{{"brand", CatalogHeader[0], e.Brand}, {"kind", CatalogHeader[1], e.Kind}, {"model", CatalogHeader[2], e.Model}} {
		if err := hanok.CheckText(c.col+" ("+c.name+")", c.v, hanok.TextRule{Min: 1, Max: maxNameLen}); err != nil {
			return err
		}
	}
	return nil
}

// ImportCatalog reads an .xlsx catalog (see ReadCatalog) and adds the
// brands, kinds and models that do not exist yet. Importing the same file
// twice changes nothing the second time.
func (s *Service) ImportCatalog(ctx context.Context, r io.Reader) (ImportReport, error) {
	entries, err := ReadCatalog(r)
	if err != nil {
		return ImportReport{}, err
	}
	return s.ImportEntries(ctx, entries)
}

// ImportEntries adds the catalog entries that do not exist yet.
func (s *Service) ImportEntries(ctx context.Context, entries []CatalogEntry) (ImportReport, error) {
	clean := make([]CatalogEntry, 0, len(entries))
	for i, e := range entries {
		e = CatalogEntry{Brand: strings.TrimSpace(e.Brand), Kind: strings.TrimSpace(e.Kind), Model: strings.TrimSpace(e.Model)}
		if err := e.validate(); err != nil {
			return ImportReport{}, hanok.Errorf(hanok.Invalid, "catalog: entry %d: %s", i+1, hanok.MessageOf(err))
		}
		clean = append(clean, e)
	}
	rep, err := s.store.ImportCatalog(ctx, clean)
	if err != nil {
		return ImportReport{}, fmt.Errorf("auction: import catalog: %w", err)
	}
	if rep.Brands+rep.Kinds+rep.Models == 0 {
		// Another process (a server sharing the database) got there first.
		s.cfg.Logger.InfoContext(ctx, "catalog already there: nothing imported", "rows", rep.Rows)
		return rep, nil
	}
	s.cfg.Logger.InfoContext(ctx, "catalog imported", "rows", rep.Rows, "brands", rep.Brands, "kinds", rep.Kinds, "models", rep.Models)
	return rep, nil
}

// DefaultCatalog is a small sample catalog (34 models of 9 brands) for
// tests, examples and Seed on an empty catalog; a new installation gets
// BuiltInCatalog, the full one. The sample has a kind name shared by two
// brands and a model name shared by two kinds.
func DefaultCatalog() []CatalogEntry {
	table := []struct {
		brand, kind string
		models      []string
	}{
		{"현대", "소나타", []string{"소나타 2.0", "LF 소나타", "쏘나타 뉴라이즈"}},
		{"현대", "그랜저", []string{"그랜저 IG", "더 뉴 그랜저"}},
		{"현대", "아반떼", []string{"아반떼 AD", "더 뉴 아반떼"}},
		{"기아", "K5", []string{"K5 2세대", "더 뉴 K5"}},
		{"기아", "모닝", []string{"올 뉴 모닝", "더 뉴 모닝"}},
		{"기아", "카니발", []string{"올 뉴 카니발", "더 뉴 카니발"}},
		{"르노삼성", "sm", []string{"sm3", "sm5", "sm6", "sm7"}},
		{"르노삼성", "QM", []string{"QM3", "QM6"}},
		{"쉐보레", "스파크", []string{"더 넥스트 스파크", "더 뉴 스파크"}},
		{"쉐보레", "말리부", []string{"올 뉴 말리부", "더 뉴 말리부"}},
		{"벤츠", "E-클래스", []string{"E-클래스 W213", "E-클래스 W212"}},
		{"벤츠", "C-클래스", []string{"C-클래스 W205"}},
		{"BMW", "5시리즈", []string{"5시리즈 G30", "5시리즈 F10"}},
		{"BMW", "3시리즈", []string{"3시리즈 G20"}},
		// Kind names under two brands, and a model name under both.
		{"르노삼성", "클리오", []string{"클리오 (18년~현재)"}},
		{"르노", "클리오", []string{"클리오 4세대 (12년~19년)"}},
		{"닷지", "캐러밴", []string{"캐러밴 (84년~현재)"}},
		{"크라이슬러", "캐러밴", []string{"캐러밴 (84년~현재)"}},
	}
	var out []CatalogEntry
	for _, t := range table {
		for _, m := range t.models {
			out = append(out, CatalogEntry{Brand: t.brand, Kind: t.kind, Model: m})
		}
	}
	return out
}

// brandNotFound is the service's answer about a brand name no brand has.
func brandNotFound(name string, cause error) error {
	return &hanok.Error{Code: hanok.NotFound, Message: fmt.Sprintf("brand %q not found", name), Err: cause}
}

// Brands returns every brand with its car count.
func (s *Service) Brands(ctx context.Context) ([]Brand, error) {
	bs, err := s.store.Brands(ctx)
	if err != nil {
		return nil, fmt.Errorf("auction: brands: %w", err)
	}
	return bs, nil
}

// KindsOf returns the kinds of the brand named brand. An unknown brand is
// hanok.NotFound.
func (s *Service) KindsOf(ctx context.Context, brand string) ([]Kind, error) {
	b, err := s.store.BrandByName(ctx, strings.TrimSpace(brand))
	if errors.Is(err, ErrBrandNotFound) {
		return nil, brandNotFound(brand, err)
	}
	if err != nil {
		return nil, fmt.Errorf("auction: brand: %w", err)
	}
	ks, err := s.store.Kinds(ctx, b.ID)
	if err != nil {
		return nil, fmt.Errorf("auction: kinds: %w", err)
	}
	return ks, nil
}

// ModelsOf returns the models of the kind named kind. A kind name may
// exist under several brands: brand, when not empty, picks one; when empty
// the models of every kind with that name are returned. An unknown kind
// (or brand, or kind not under that brand) is hanok.NotFound.
func (s *Service) ModelsOf(ctx context.Context, kind, brand string) ([]Model, error) {
	kind, brand = strings.TrimSpace(kind), strings.TrimSpace(brand)
	ks, err := s.store.KindsByName(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("auction: kinds: %w", err)
	}
	var ids []KindID
	if brand != "" {
		b, err := s.store.BrandByName(ctx, brand)
		if errors.Is(err, ErrBrandNotFound) {
			return nil, brandNotFound(brand, err)
		}
		if err != nil {
			return nil, fmt.Errorf("auction: brand: %w", err)
		}
		for _, k := range ks {
			if k.BrandID == b.ID {
				ids = append(ids, k.ID)
			}
		}
		if len(ids) == 0 {
			return nil, hanok.Errorf(hanok.NotFound, "kind %q not found under brand %q", kind, brand)
		}
	} else {
		for _, k := range ks {
			ids = append(ids, k.ID)
		}
		if len(ids) == 0 {
			return nil, hanok.Errorf(hanok.NotFound, "kind %q not found", kind)
		}
	}
	ms, err := s.store.Models(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("auction: models: %w", err)
	}
	return ms, nil
}

// resolveModel finds the model named name; kind and brand, when not
// empty, pick one of several models with that name. It returns a
// hanok.NotFound for an unknown name and a hanok.Invalid naming the field
// "kind" (or "brand"), with the choices, for an ambiguous one.
func (s *Service) resolveModel(ctx context.Context, name, kind, brand string) (*ModelPath, error) {
	name, kind, brand = strings.TrimSpace(name), strings.TrimSpace(kind), strings.TrimSpace(brand)
	if name == "" {
		return nil, hanok.FieldError("model", "is required")
	}
	ps, err := s.store.ModelsByName(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("auction: models: %w", err)
	}
	if len(ps) == 0 {
		return nil, hanok.Errorf(hanok.NotFound, "model %q not found", name)
	}
	var match []ModelPath
	for _, p := range ps {
		if (kind == "" || p.Kind.Name == kind) && (brand == "" || p.Brand.Name == brand) {
			match = append(match, p)
		}
	}
	switch {
	case len(match) == 0:
		return nil, hanok.Errorf(hanok.NotFound, "model %q not found under the given kind and brand", name)
	case len(match) == 1:
		return &match[0], nil
	}
	choices := make([]string, 0, len(match))
	kinds := map[string]bool{}
	for _, p := range match {
		choices = append(choices, fmt.Sprintf("%s (%s)", p.Kind.Name, p.Brand.Name))
		kinds[p.Kind.Name] = true
	}
	sort.Strings(choices)
	field, reason := "kind", fmt.Sprintf("model %q exists under several kinds; give kind (and brand) as one of: %s", name, strings.Join(choices, ", "))
	if len(kinds) == 1 {
		field, reason = "brand", fmt.Sprintf("model %q exists under kind %q of several brands; give brand as one of: %s", name, match[0].Kind.Name, strings.Join(choices, ", "))
	}
	return nil, &hanok.Error{Code: hanok.Invalid, Message: field + ": " + reason, Fields: map[string]string{field: reason}}
}
