package trialshttp_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/trialshttp"
	"github.com/hanok-dev/hanok/auth"
	"github.com/hanok-dev/hanok/storage/sqlite"
	"github.com/hanok-dev/hanok/trials"
	"github.com/hanok-dev/hanok/trials/trialstest"
)

// benchHandler is the adapter over a SQLite file holding the 145 real
// records, as the original served them from its own SQLite.
func benchHandler(b *testing.B) http.Handler {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "trials.db"))
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	svc, err := trials.New(db.Trials(), trials.Config{Source: &trialstest.StaticSource{Records: trialstest.RealRecords(b)}})
	require.NoError(b, err)
	_, err = svc.RunSync(ctx, trials.SyncOptions{})
	require.NoError(b, err)
	authn, err := auth.New(db.Auth(), auth.Config{Secret: bytes.Repeat([]byte("k"), 32), BcryptCost: bcrypt.MinCost})
	require.NoError(b, err)
	return trialshttp.NewHandler(svc, authn)
}

func benchGet(b *testing.B, target string, parallel bool) {
	h := benchHandler(b)
	serve := func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		require.Equal(b, http.StatusOK, w.Code, "%s: %d %s", target, w.Code, w.Body)
	}
	serve()
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				serve()
			}
		})
	} else {
		for b.Loop() {
			serve()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// The two requests the original was measured on (976 and 512 requests/s
// under wrk -t2 -c16 on this kind of machine).
func BenchmarkTask(b *testing.B)         { benchGet(b, "/tasks/1", false) }
func BenchmarkTaskParallel(b *testing.B) { benchGet(b, "/tasks/1", true) }
func BenchmarkSearch(b *testing.B)       { benchGet(b, "/tasks/search?title=코호트&limit=10", false) }
func BenchmarkSearchParallel(b *testing.B) {
	benchGet(b, "/tasks/search?title=코호트&limit=10", true)
}

// A list with a time window, which the SQLite store does not cache: the
// query runs every time (all 145 trials changed in the window).
func BenchmarkRecent(b *testing.B) { benchGet(b, "/tasks?days=7&limit=10", false) }
