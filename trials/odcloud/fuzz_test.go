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

// Numbers and nulls read as text; other values are refused.
func TestDecodeLenient(t *testing.T) {
	p, err := odcloud.DecodePage([]byte(`{"page":1,"perPage":10,"totalCount":1,"data":[{"과제번호":"C1","전체목표연구대상자수":120,"연구기간":null}]}`))
	if err != nil || p.Records[0].TargetSize != "120" || p.Records[0].Duration != "" || p.Records[0].Number != "C1" {
		t.Fatalf("%+v %v", p, err)
	}
	for _, body := range []string{
		`{"totalCount":1,"data":[{"과제번호":["C1"]}]}`,
		`{"totalCount":1,"data":[{"과제번호":true}]}`,
		`{"totalCount":1,"data":[1]}`,
		`{"totalCount":1,"data":null}`,
		`{"data":[]}`,
		`[]`,
	} {
		if _, err := odcloud.DecodePage([]byte(body)); hanok.CodeOf(err) != hanok.Invalid {
			t.Errorf("%s: %v", body, err)
		}
	}
}

// Whenever the fast decoder answers, encoding/json answers the same.
func FuzzFastPage(f *testing.F) {
	f.Add([]byte(`{"page":1,"perPage":100,"totalCount":1,"currentCount":1,"matchCount":1,"data":[{"과제번호":"C130010","과제명":"조직구증식증","전체목표연구대상자수":"120"}]}`))
	f.Add([]byte(`{"totalCount":2,"data":[{"과제명":"a\"b\u00e9\ud83d\ude00","x":"y"},{}],"page":-0}`))
	f.Add([]byte(`{"TotalCount":2,"totalCount":3,"data":[]}`))
	f.Add([]byte("{\"totalCount\":1,\"data\":[{\"과제명\":\"\xff\"}]}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		fast, ok := odcloud.FastPage(body)
		if !ok {
			return
		}
		slow, err := odcloud.SlowPage(body)
		if err != nil {
			t.Fatalf("fast decoded what encoding/json refuses (%v): %+v", err, fast)
		}
		if fast.Number != slow.Number || fast.PerPage != slow.PerPage || fast.Total != slow.Total || len(fast.Records) != len(slow.Records) {
			t.Fatalf("fast %+v, slow %+v", fast, slow)
		}
		for i := range fast.Records {
			if fast.Records[i] != slow.Records[i] {
				t.Fatalf("record %d: fast %+v, slow %+v", i, fast.Records[i], slow.Records[i])
			}
		}
	})
}
