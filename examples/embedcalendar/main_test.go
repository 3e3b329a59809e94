package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/storage/sqlite"
)

func TestEmbeddedCalendar(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cal.db"))
	require.NoError(t, err)
	defer db.Close()
	h, err := newHandler(ctx, db, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	require.NoError(t, err)
	home, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(home), "my own home page", "own route")

	resp, err = http.Post(srv.URL+"/cal/api/v1/user/", "application/json", strings.NewReader(`{"useremail":"kim@example.com","password":"password123"}`))
	require.NoError(t, err)
	var signIn struct {
		Meta struct{ Code int } `json:"meta"`
		Data struct{ Token string }
	}
	json.NewDecoder(resp.Body).Decode(&signIn)
	resp.Body.Close()
	require.Equal(t, 20000, signIn.Meta.Code, "sign-in under /cal")
	require.NotEmpty(t, signIn.Data.Token, "sign-in under /cal")

	req, _ := http.NewRequest("POST", srv.URL+"/cal/api/v1/calendar/event", strings.NewReader(`{"sdate":"2017-06-19 20:00:00","edate":"2017-06-19 23:00:00","subject":"약속"}`))
	req.Header.Set("X-calendar-access-token", signIn.Data.Token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "create event under /cal")
	req, _ = http.NewRequest("GET", srv.URL+"/cal/api/v1/calendar/date?date=2017-06-19", nil)
	req.Header.Set("X-calendar-access-token", signIn.Data.Token)
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "date query under /cal: %s", body)
	assert.Contains(t, string(body), "약속")
}
