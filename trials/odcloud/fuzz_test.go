package odcloud_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials/odcloud"
)

// DecodePage either returns a page whose counts are sane or an Invalid
// error whose message is UTF-8 and holds no serviceKey value; it never
// panics. The corpus is in testdata/fuzz/FuzzDecodePage.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"page":1,"perPage":100,"totalCount":1,"currentCount":1,"matchCount":1,"data":[{"과제번호":"C130010","과제명":"조직구증식증","전체목표연구대상자수":"120"}]}`))
	f.Add([]byte(`{"code":-4,"msg":"등록되지 않은 인증키 입니다."}`))
	f.Add([]byte(`<html><body>error</body></html>`))
	f.Add([]byte(`<a href="/x?serviceKey=secret%2Bkey&page=1">retry</a>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := odcloud.DecodePage(body)
		if err != nil {
			require.Equal(t, hanok.Invalid, hanok.CodeOf(err), "error %v", err)
			msg := hanok.MessageOf(err)
			require.True(t, utf8.ValidString(msg), "message is not UTF-8: %q", msg)
			// Every serviceKey value the body held is redacted.
			lower := strings.ToLower(msg)
			for i := strings.Index(lower, "servicekey="); i >= 0; {
				rest := lower[i+len("servicekey="):]
				require.True(t, strings.HasPrefix(rest, "[redacted]"), "a serviceKey value in %q", msg)
				j := strings.Index(rest, "servicekey=")
				if j < 0 {
					break
				}
				i += len("servicekey=") + j
			}
			return
		}
		require.GreaterOrEqual(t, p.Total, 0)
		require.NotNil(t, p.Records)
		if p.Current != nil {
			require.GreaterOrEqual(t, *p.Current, 0)
		}
	})
}

// Numbers and nulls read as text; other values are refused.
func TestDecodeLenient(t *testing.T) {
	p, err := odcloud.DecodePage([]byte(`{"page":1,"perPage":10,"totalCount":1,"currentCount":1,"data":[{"과제번호":"C1","전체목표연구대상자수":120,"연구기간":null}]}`))
	require.NoError(t, err)
	assert.Equal(t, "120", p.Records[0].TargetSize)
	assert.Equal(t, "", p.Records[0].Duration)
	assert.Equal(t, "C1", p.Records[0].Number)
	require.NotNil(t, p.Current)
	assert.Equal(t, 1, *p.Current)
	for _, body := range []string{
		`{"totalCount":1,"data":[{"과제번호":["C1"]}]}`,
		`{"totalCount":1,"data":[{"과제번호":true}]}`,
		`{"totalCount":1,"data":[1]}`,
		`{"totalCount":1,"data":null}`,
		`{"totalCount":-1,"data":[]}`,
		`{"totalCount":1,"currentCount":-1,"data":[]}`,
		`{"data":[]}`,
		`[]`,
	} {
		_, err := odcloud.DecodePage([]byte(body))
		assert.Equal(t, hanok.Invalid, hanok.CodeOf(err), "%s: %v", body, err)
	}
	// Without currentCount, the page does not say.
	p, err = odcloud.DecodePage([]byte(`{"totalCount":0,"data":[]}`))
	require.NoError(t, err)
	assert.Nil(t, p.Current)
}

// A body quoted in an error shows no serviceKey value.
func TestDecodeErrorHidesServiceKey(t *testing.T) {
	_, err := odcloud.DecodePage([]byte(`<html><a href="https://api.odcloud.kr/x?page=1&serviceKey=abc%2Bdef%3D%3D&perPage=100">again</a></html>`))
	require.Error(t, err)
	assert.NotContains(t, hanok.MessageOf(err), "abc")
	assert.Contains(t, hanok.MessageOf(err), "serviceKey=[REDACTED]&perPage=100")
}
