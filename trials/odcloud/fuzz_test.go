package odcloud_test

import (
	"testing"
	"unicode/utf8"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/trials/odcloud"
)

// DecodePage either returns a page whose counts are sane or an Invalid
// error; it never panics.
func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"page":1,"perPage":100,"totalCount":1,"currentCount":1,"matchCount":1,"data":[{"과제번호":"C130010","과제명":"조직구증식증","전체목표연구대상자수":"120"}]}`))
	f.Add([]byte(`{"code":-4,"msg":"등록되지 않은 인증키 입니다."}`))
	f.Add([]byte(`<html><body>error</body></html>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := odcloud.DecodePage(body)
		if err != nil {
			if hanok.CodeOf(err) != hanok.Invalid {
				t.Fatalf("error %v is not Invalid", err)
			}
			if !utf8.ValidString(hanok.MessageOf(err)) {
				t.Fatalf("message is not UTF-8: %q", hanok.MessageOf(err))
			}
			return
		}
		if p.Total < 0 || p.Records == nil {
			t.Fatalf("page %+v", p)
		}
	})
}
