package microbloghttp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
)

// Whatever a JSON body holds for content_id, POST /tweet_del/ of another
// user's tweet answers the seed's "No Authorization" (403 for that tweet,
// 404 for an id that names none) or 400 naming content_id (a missing id or
// a value of another type), never a 5xx, and deletes nothing.
func FuzzDeleteContentID(f *testing.F) {
	for _, s := range []string{`"1"`, `1`, `-1`, `"0"`, `1.5`, `1e3`, `"9223372036854775808"`, `null`, `true`, `" 1 "`, `"12abc"`, `{}`, `[1]`} {
		f.Add(s)
	}
	db := memory.New()
	authn, err := auth.New(db.Auth(), auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
	require.NoError(f, err)
	svc := microblog.New(db.Microblog(), authn, microblog.Config{})
	ctx := context.Background()
	var sessions []*auth.Session
	for _, name := range []string{"author", "fuzz"} {
		_, err := svc.Signup(ctx, microblog.SignupInput{Handle: name, Name: name, Password: "password123"})
		require.NoError(f, err)
		sess, err := svc.Login(ctx, microblog.LoginInput{Handle: name, Password: "password123"})
		require.NoError(f, err)
		sessions = append(sessions, sess)
	}
	tw, err := svc.Post(ctx, sessions[0].User.Actor(), microblog.PostInput{Content: "mine"})
	require.NoError(f, err)
	h := microbloghttp.NewHandler(svc, authn)
	f.Fuzz(func(t *testing.T, value string) {
		req := httptest.NewRequest("POST", "/tweet_del/", strings.NewReader(`{"content_id":`+value+`}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+sessions[1].Token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var body map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "content_id %s: %d %s", value, rec.Code, rec.Body)
		require.Contains(t, []int{400, 403, 404}, rec.Code, "content_id %s: %s", value, rec.Body)
		if rec.Code == 400 {
			if fields, _ := body["fields"].(map[string]any); fields["content_id"] == nil {
				require.Contains(t, body["message"], "JSON", "content_id %s: 400 naming neither content_id nor the JSON", value)
			}
		} else {
			require.Equal(t, "No Authorization", body["message"], "content_id %s: %d %s", value, rec.Code, rec.Body)
		}
		_, err := svc.Tweet(ctx, 0, tw.ID)
		require.NoError(t, err, "content_id %s deleted another user's tweet", value)
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
	require.NoError(f, err)
	svc := microblog.New(db.Microblog(), authn, microblog.Config{})
	p, err := svc.Signup(context.Background(), microblog.SignupInput{Handle: "fuzz", Name: "Fuzz", Password: "password123"})
	require.NoError(f, err)
	for i := range 5 {
		_, err := svc.Post(context.Background(), hanok.Actor{ID: p.User, Username: p.Handle}, microblog.PostInput{Content: fmt.Sprint("tweet ", i)})
		require.NoError(f, err)
	}
	h := microbloghttp.NewHandler(svc, authn)
	f.Fuzz(func(t *testing.T, query string) {
		for _, path := range []string{"/tweet/", "/users/fuzz/tweets/", "/users/fuzz/followers/"} {
			req := httptest.NewRequest("GET", path, nil)
			req.URL.RawQuery = query
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var body map[string]any
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), "GET %s?%s: %d %q", path, query, rec.Code, rec.Body)
			require.NotNil(t, body["message"], "GET %s?%s: no message", path, query)
			switch rec.Code {
			case 200:
				require.IsType(t, []any{}, body["data"], "GET %s?%s: data is not an array: %s", path, query, rec.Body)
			case 400:
				require.Len(t, body["fields"], 1, "GET %s?%s: 400 without one field: %s", path, query, rec.Body)
			default:
				require.Failf(t, "unexpected status", "GET %s?%s: %d %s", path, query, rec.Code, rec.Body)
			}
		}
	})
}
