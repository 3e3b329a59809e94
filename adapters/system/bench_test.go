//go:build unix

package system_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/auctionhttp"
	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/adapters/system"
	"github.com/hanok-dev/hanok/auction"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/memory"
	"github.com/hanok-dev/hanok/storage/sqlite"
)

// BenchmarkOverhead measures, in wall time and in CPU time (cpu-ns/op), what request ids, metrics and the access log
// (plus panic recovery) add to a request: the auction list (page 1 of
// 1,000 cars on SQLite, signed in) and GET /healthz, served in process
// through
//
//   - bare: the auction adapter under http.StripPrefix("/auction"), and
//     the health handler alone — no ids, no metrics, no log;
//   - system: system.Handler, logging one text line per request to
//     io.Discard at level info, metrics in a registry with the pool
//     collector.
func BenchmarkOverhead(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	authn, err := auth.New(db.Auth(), auth.Config{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: bcrypt.MinCost})
	require.NoError(b, err)
	svc, err := auction.New(db.Auction(), memory.NewMediaStore(), auction.Config{})
	require.NoError(b, err)
	_, err = svc.ImportEntries(ctx, auction.DefaultCatalog())
	require.NoError(b, err)
	s, err := authn.Register(ctx, auth.RegisterInput{Username: "bench", Password: "bench-password"})
	require.NoError(b, err)
	models, err := db.Auction().ModelIDs(ctx)
	require.NoError(b, err)
	cars := auction.GenerateCars(models, hanok.Actor{ID: s.User.ID}, 1000, time.Now(), 48*time.Hour, rand.New(rand.NewPCG(1, 2)))
	require.NoError(b, db.Auction().CreateCars(ctx, cars))

	bareMux := http.NewServeMux()
	bareMux.Handle("/auction/", http.StripPrefix("/auction", auctionhttp.NewHandler(svc, authn)))
	bareMux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"}) // as system's
	})
	full := system.Handler(system.Services{Auth: authn, Auction: svc}, system.Config{
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		DBStats: db.Stats,
	})
	for _, path := range []string{"/auction/cars/", "/healthz"} {
		for _, h := range []struct {
			name string
			h    http.Handler
		}{{"bare", bareMux}, {"system", full}} {
			b.Run(map[string]string{"/auction/cars/": "list", "/healthz": "healthz"}[path]+"/"+h.name, func(b *testing.B) {
				b.ReportAllocs()
				cpu0 := testkit.CPUTime()
				for b.Loop() {
					req := httptest.NewRequest("GET", path, nil)
					req.Header.Set("Authorization", "JWT "+s.Token)
					rec := httptest.NewRecorder()
					h.h.ServeHTTP(rec, req)
					require.Equal(b, http.StatusOK, rec.Code, "GET %s: %d %s", path, rec.Code, rec.Body)
				}
				b.ReportMetric(float64(testkit.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
