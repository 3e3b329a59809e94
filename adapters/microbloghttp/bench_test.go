package microbloghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/microbloghttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/microblog"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// BenchmarkPublicTimeline serves GET /tweet/ (the first page of 20, and
// with a token, which adds the token check and the reader's likes)
// through the adapter to a ResponseRecorder, over 10,000 tweets by 100
// users posted through the service.
//
//	go test -run '^$' -bench PublicTimeline -benchtime 2s ./adapters/microbloghttp
func BenchmarkPublicTimeline(b *testing.B) {
	ctx := context.Background()
	for _, kind := range []string{"memory", "sqlite"} {
		var mbStore microblog.Store
		var authStore auth.Store
		switch kind {
		case "memory":
			db := memory.New()
			mbStore, authStore = db.Microblog(), db.Auth()
		case "sqlite":
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			require.NoError(b, err)
			b.Cleanup(func() { db.Close() })
			mbStore, authStore = db.Microblog(), db.Auth()
		}
		authn, err := auth.New(authStore, auth.Config{Secret: auth.GenerateSecret(), BcryptCost: bcrypt.MinCost})
		require.NoError(b, err)
		svc := microblog.New(mbStore, authn, microblog.Config{})
		var token string
		var actors []auth.User
		for i := range 100 {
			p, err := svc.Signup(ctx, microblog.SignupInput{Handle: fmt.Sprint("user", i), Name: fmt.Sprint("User ", i), Password: "password123"})
			require.NoError(b, err)
			actors = append(actors, auth.User{ID: p.User, Username: p.Handle})
		}
		for i := range 10_000 {
			a := actors[i%len(actors)]
			_, err := svc.Post(ctx, a.Actor(), microblog.PostInput{Content: fmt.Sprint("tweet number ", i)})
			require.NoError(b, err)
		}
		sess, err := svc.Login(ctx, microblog.LoginInput{Handle: "user0", Password: "password123"})
		require.NoError(b, err)
		token = sess.Token
		h := microbloghttp.NewHandler(svc, authn)
		for _, withToken := range []bool{false, true} {
			b.Run(fmt.Sprintf("store=%s/token=%v", kind, withToken), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					req := httptest.NewRequest("GET", "/tweet/", nil)
					if withToken {
						req.Header.Set("Authorization", "Bearer "+token)
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
