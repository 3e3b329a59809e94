package microbloghttp_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/microbloghttp"
)

// ParseID takes what a JSON body holds for an id: it either returns a
// positive id that prints back as the number it read, or an Invalid error
// naming the field. It never panics.
func FuzzParseID(f *testing.F) {
	for _, s := range []string{`"12"`, `12`, `-1`, `"0"`, `1.5`, `1e3`, `"9223372036854775808"`, `null`, `true`, `" 7 "`, `"12abc"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v any
		dec := json.NewDecoder(strings.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return
		}
		id, err := microbloghttp.ParseID("content_id", v)
		if err != nil {
			if hanok.CodeOf(err) != hanok.Invalid || hanok.FieldsOf(err)["content_id"] == "" {
				t.Fatalf("ParseID(%s): error %v is not an Invalid content_id", body, err)
			}
			return
		}
		if id <= 0 {
			t.Fatalf("ParseID(%s) = %d", body, id)
		}
	})
}
