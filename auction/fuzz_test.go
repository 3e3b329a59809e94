package auction_test

import (
	"bytes"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
			require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "ParseYear(%q): %v", s, err)
			require.NotEmpty(t, hanok.FieldsOf(err)["year"], "ParseYear(%q): %v does not name year", s, err)
			return
		}
		require.Equal(t, strings.TrimSpace(s), y.Format(time.DateOnly), "ParseYear(%q)", s)
	})
}

func FuzzCleanMediaPath(f *testing.F) {
	for _, s := range []string{"cars/2019-04-10/a.png", "../x", "a/../b", "/abs", "a//b", ".x", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := auction.CleanMediaPath(s)
		if err != nil {
			require.Equal(t, hanok.NotFound, hanok.CodeOf(err), "CleanMediaPath(%q): %v", s, err)
			return
		}
		require.Equal(t, s, got, "CleanMediaPath(%q)", s)
		require.Equal(t, s, path.Clean(s), "CleanMediaPath accepted the unclean %q", s)
		require.False(t, path.IsAbs(s), "CleanMediaPath accepted the absolute %q", s)
		require.False(t, strings.Contains(s, "..") && hasDotDot(s), "CleanMediaPath accepted %q with a .. element", s)
		require.False(t, strings.ContainsAny(s, "\\\x00"), "CleanMediaPath accepted %q with a backslash or NUL", s)
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
			require.Failf(t, "unexpected type", "DetectImage: unexpected type %+v", typ)
		}
		require.Equal(t, typ.ContentType, auction.ContentTypeOf("x."+typ.Ext), "content type of .%s", typ.Ext)
	})
}

func FuzzReadCatalog(f *testing.F) {
	f.Add(catalogFile())
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte("브랜드,차종,모델"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := auction.ReadCatalog(bytes.NewReader(data))
		if err != nil {
			require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "ReadCatalog: %v", err)
			return
		}
		for _, e := range entries {
			require.NotEmpty(t, e.Brand, "ReadCatalog returned an entry with an empty brand: %+v", e)
			require.NotEmpty(t, e.Kind, "ReadCatalog returned an entry with an empty kind: %+v", e)
			require.NotEmpty(t, e.Model, "ReadCatalog returned an entry with an empty model: %+v", e)
		}
	})
}

func FuzzListMileage(f *testing.F) {
	for _, n := range []int{0, 499, 500, 6500, 10000, 25000, 99950} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, km int) {
		s := auction.ListMileage(km)
		require.False(t, strings.HasSuffix(s, ".0만km"), "ListMileage(%d) = %q ends in .0만km", km, s)
		require.True(t, strings.HasSuffix(s, "km"), "ListMileage(%d) = %q lacks km", km, s)
		require.LessOrEqual(t, strings.Count(s, "."), 1, "ListMileage(%d) = %q has several dots", km, s)
		require.False(t, strings.HasPrefix(s, "-"), "ListMileage(%d) = %q is negative", km, s)
		d := auction.DetailMileage(km)
		require.True(t, strings.HasSuffix(d, "km"), "DetailMileage(%d) = %q lacks km", km, d)
	})
}
