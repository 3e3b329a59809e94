package auction_test

import (
	"bytes"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/auction"
)

func FuzzParseYear(f *testing.F) {
	for _, s := range []string{"2018-12-25", "1996-12-01", "2018-02-30", "18-12-25", "", " 2018-12-25 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		y, err := auction.ParseYear(s)
		if err != nil {
			if hanok.CodeOf(err) != hanok.Invalid || hanok.FieldsOf(err)["year"] == "" {
				t.Fatalf("ParseYear(%q): %v is not an Invalid naming year", s, err)
			}
			return
		}
		if got := y.Format(time.DateOnly); got != strings.TrimSpace(s) {
			t.Fatalf("ParseYear(%q) = %s", s, got)
		}
	})
}

func FuzzCleanMediaPath(f *testing.F) {
	for _, s := range []string{"cars/2019-04-10/a.png", "../x", "a/../b", "/abs", "a//b", ".x", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := auction.CleanMediaPath(s)
		if err != nil {
			if hanok.CodeOf(err) != hanok.NotFound {
				t.Fatalf("CleanMediaPath(%q): %v", s, err)
			}
			return
		}
		if got != s || path.Clean(s) != s || path.IsAbs(s) || strings.Contains(s, "..") && hasDotDot(s) || strings.ContainsAny(s, "\\\x00") {
			t.Fatalf("CleanMediaPath accepted %q", s)
		}
	})
}

func hasDotDot(s string) bool {
	for _, el := range strings.Split(s, "/") {
		if el == ".." {
			return true
		}
	}
	return false
}

func FuzzDetectImage(f *testing.F) {
	f.Add(testPNG(f))
	f.Add(auction.SeedImage())
	f.Add([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		typ, ok := auction.DetectImage(data)
		if !ok {
			return
		}
		switch typ.Ext {
		case "png", "jpg", "gif", "webp":
		default:
			t.Fatalf("DetectImage: unexpected type %+v", typ)
		}
		if auction.ContentTypeOf("x."+typ.Ext) != typ.ContentType {
			t.Fatalf("content type of .%s is not %s", typ.Ext, typ.ContentType)
		}
	})
}

func FuzzReadCatalog(f *testing.F) {
	f.Add(catalogFile())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("브랜드,차종,모델"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := auction.ReadCatalog(bytes.NewReader(data))
		if err != nil {
			if hanok.CodeOf(err) != hanok.Invalid {
				t.Fatalf("ReadCatalog: %v is not Invalid", err)
			}
			return
		}
		for _, e := range entries {
			if e.Brand == "" || e.Kind == "" || e.Model == "" {
				t.Fatalf("ReadCatalog returned an entry with an empty column: %+v", e)
			}
		}
	})
}

func FuzzListMileage(f *testing.F) {
	for _, n := range []int{0, 499, 500, 6500, 10000, 25000, 99950} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, km int) {
		s := auction.ListMileage(km)
		if strings.HasSuffix(s, ".0만km") || !strings.HasSuffix(s, "km") || strings.Count(s, ".") > 1 || strings.HasPrefix(s, "-") {
			t.Fatalf("ListMileage(%d) = %q", km, s)
		}
		if d := auction.DetailMileage(km); !strings.HasSuffix(d, "km") {
			t.Fatalf("DetailMileage(%d) = %q", km, d)
		}
	})
}
