package sqlite

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
	"github.com/hanok-dev/hanok/auth"
)

// A write that finds the disk full (here: the file at its page limit,
// which SQLite reports as SQLITE_FULL, "database or disk is full") is
// answered 503 with Retry-After, saying so, not 500.
func TestDiskFullAnswers503(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	var pages int
	require.NoError(t, db.writer.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages))
	_, err := db.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+2))
	require.NoError(t, err)
	for i := 0; i < 10_000 && err == nil; i++ {
		err = db.Auth().CreateUser(ctx, &auth.User{Username: fmt.Sprintf("user%05d-%s", i, strings.Repeat("x", 60)), PasswordHash: []byte("h"), Created: time.Now()})
	}
	require.Error(t, err, "the page limit was never reached")
	w := httptest.NewRecorder()
	httpx.WriteError(w, httptest.NewRequest("POST", "/register", nil), nil, err)
	assert.Equal(t, 503, w.Code, w.Body.String())
	assert.Equal(t, "5", w.Header().Get("Retry-After"))
	assert.Contains(t, w.Body.String(), "the database's disk is full")
}
