package mailinghttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/mailinghttp"
	"github.com/hanok-dev/hanok/mailing"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// BenchmarkList serves the administrator's GET /subscribe (the whole
// list, and a page of 100) through the adapter to a ResponseRecorder,
// over 1,000 subscribers of a SQLite store subscribed through the
// service.
//
//	go test -run '^$' -bench List -benchtime 2s ./adapters/mailinghttp
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	svc, err := mailing.New(db.Mailing(), mailing.Config{})
	require.NoError(b, err)
	for i := range 1000 {
		_, err := svc.SubscribeFrom(ctx, fmt.Sprintf("192.0.2.%d", i%250), fmt.Sprintf("subscriber%d@example.com", i), fmt.Sprint("Subscriber ", i))
		require.NoError(b, err)
	}
	h := mailinghttp.NewHandler(svc, nil, mailinghttp.WithAdminToken(adminToken))
	for _, c := range []struct{ name, target string }{{"whole", "/subscribe"}, {"page", "/subscribe?min_id=500&limit=100"}} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", c.target, nil)
			req.Header.Set("Authorization", adminToken)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", c.target, rec.Code, rec.Body)
				}
			}
		})
	}
}
