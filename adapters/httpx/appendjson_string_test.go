package httpx_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// FuzzAppendJSONString: AppendJSONString writes a string byte for byte as
// encoding/json without HTML escaping does, invalid UTF-8 included.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{
		"", "hello", "임상연구 네트워크 구축 및 코호트 연구 1", "<b>&\"\\\n\t\x00\x1f\x7f",
		"\u2028\u2029\u2027\u202a", "\xe2\x80\xa8", "\xe2\x80", "\xed\x9f\xbf\xed\xa0\x80", "\xe0\xa0\x80\xe0\x9f\xbf",
		"\xef\xbf\xbd\xef\xbf\xbf", "\xf0\x9f\x91\xa8\u200d\U0001F469", "\xff\xfe", "한\xea\xb0", "\xc2\x80\xdf\xbf",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(s))
		require.Equal(t, want.String(), string(httpx.AppendJSONString(nil, s))+"\n")
	})
}

// BenchmarkAppendJSONString: a trial's Korean title and an English one.
func BenchmarkAppendJSONString(b *testing.B) {
	for _, c := range []struct{ name, s string }{
		{"hangul", "임상연구 네트워크 구축 및 코호트 연구를 위한 다기관 전향적 관찰연구 1234"},
		{"ascii", "A multicentre prospective observational cohort study, number 1234"},
	} {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 256)
			for b.Loop() {
				buf = httpx.AppendJSONString(buf[:0], c.s)
			}
		})
	}
}
