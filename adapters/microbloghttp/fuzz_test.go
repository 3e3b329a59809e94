package microbloghttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
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

// Any query string on a list answers 200 with a JSON array or 400 naming
// the parameter, never a 5xx.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{"limit=5", "max_id=3&limit=2", "since_id=1", "min_id=2&limit=1", "limit=0", "max_id=-1", "min_id=abc",
		"limit=99999999999999999999", "max_id=9223372036854775807", "since_id=1&min_id=3", "limit=%ff", "max_id=1e3"} {
		f.Add(q)
	}
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	if err != nil {
		f.Fatal(err)
	}
	svc := microblog.New(db.Microblog(), authn, microblog.Config{})
	p, err := svc.Signup(context.Background(), microblog.SignupInput{Handle: "fuzz", Name: "Fuzz", Password: "password123"})
	if err != nil {
		f.Fatal(err)
	}
	for i := range 5 {
		if _, err := svc.Post(context.Background(), hanok.Actor{ID: p.User, Username: p.Handle}, microblog.PostInput{Content: fmt.Sprint("tweet ", i)}); err != nil {
			f.Fatal(err)
		}
	}
	h := microbloghttp.NewHandler(svc, authn)
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/tweet/", "/users/fuzz/tweets/", "/users/fuzz/followers/"} {
			req := httptest.NewRequest("GET", path, nil)
			req.URL.RawQuery = query
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["message"] == nil {
				t.Fatalf("GET %s?%s: %d, body %q", path, query, rec.Code, rec.Body)
			}
			switch rec.Code {
			case 200:
				if _, ok := body["data"].([]any); !ok {
					t.Fatalf("GET %s?%s: data is not an array: %s", path, query, rec.Body)
				}
			case 400:
				if len(body["fields"].(map[string]any)) != 1 {
					t.Fatalf("GET %s?%s: 400 without one field: %s", path, query, rec.Body)
				}
			default:
				t.Fatalf("GET %s?%s: %d %s", path, query, rec.Code, rec.Body)
			}
		}
	})
}
