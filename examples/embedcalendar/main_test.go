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

	"github.com/hanok-dev/hanok/storage/sqlite"
)

func TestEmbeddedCalendar(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "cal.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h, err := newHandler(ctx, db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	home, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(home), "my own home page") {
		t.Fatalf("own route: %q", home)
	}

	resp, err = http.Post(srv.URL+"/cal/api/v1/user/", "application/json", strings.NewReader(`{"useremail":"kim@example.com","password":"password123"}`))
	if err != nil {
		t.Fatal(err)
	}
	var signIn struct {
		Meta struct{ Code int } `json:"meta"`
		Data struct{ Token string }
	}
	json.NewDecoder(resp.Body).Decode(&signIn)
	resp.Body.Close()
	if signIn.Meta.Code != 20000 || signIn.Data.Token == "" {
		t.Fatalf("sign-in under /cal: %+v", signIn)
	}

	req, _ := http.NewRequest("POST", srv.URL+"/cal/api/v1/calendar/event", strings.NewReader(`{"sdate":"2017-06-19 20:00:00","edate":"2017-06-19 23:00:00","subject":"약속"}`))
	req.Header.Set("X-calendar-access-token", signIn.Data.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("create event under /cal: %d", resp.StatusCode)
	}
	req, _ = http.NewRequest("GET", srv.URL+"/cal/api/v1/calendar/date?date=2017-06-19", nil)
	req.Header.Set("X-calendar-access-token", signIn.Data.Token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "약속") {
		t.Fatalf("date query under /cal: %d %s", resp.StatusCode, body)
	}
}
