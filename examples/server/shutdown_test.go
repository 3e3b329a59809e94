package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// A shutdown under twelve concurrent writers drops no request: from the
// signal on, /readyz answers 503 with Retry-After and every answer closes
// its connection, so writers acting as a load balancer does (stop sending
// once told the server is going) see every request they sent answered,
// and every acknowledged write is in the database.
func TestShutdownDrainsUnderWriters(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hanok.db")
	s := start(t, nil, "-db", path, "-drain", "2s")
	code, _ := s.do(t, "POST", "/microblog/signup/", "", `{"user_id":"writer","user_name":"W","user_password":"password123","user_profile":"w"}`)
	require.Equal(t, 201, code)
	code, body := s.do(t, "POST", "/microblog/login/", "", `{"user_id":"writer","user_password":"password123"}`)
	require.Equal(t, 200, code)
	token := body["token"].(string)

	const writers = 12
	var (
		acked    atomic.Int64
		going    = make(chan struct{}) // closed once 100 writes are acknowledged
		goingNow sync.Once
		wg       sync.WaitGroup
		mu       sync.Mutex
		dropped  []string
	)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writers}, Timeout: 30 * time.Second}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				req, _ := http.NewRequest("POST", s.url+"/microblog/tweet/", strings.NewReader(fmt.Sprintf(`{"user_content":"w%d-%d"}`, w, i)))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					mu.Lock()
					dropped = append(dropped, err.Error())
					mu.Unlock()
					return
				}
				resp.Body.Close()
				if resp.StatusCode == 201 {
					if acked.Add(1) >= 100 {
						goingNow.Do(func() { close(going) })
					}
				}
				if resp.Close {
					return // the server is going: send it nothing more
				}
			}
		}()
	}
	<-going
	stopped := make(chan error, 1)
	go func() { stopped <- s.stop() }()
	wg.Wait()
	mu.Lock()
	assert.Empty(t, dropped, "requests sent to the server and not answered")
	mu.Unlock()

	// Still in the drain period: /readyz says so, and when to ask again.
	resp, err := http.Get(s.url + "/readyz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 503, resp.StatusCode)
	assert.Equal(t, "2", resp.Header.Get("Retry-After"))
	require.NoError(t, <-stopped)
	assert.Contains(t, s.out.String(), `msg="shutting down: draining" for=2s`)

	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer db.Close()
	var n int64
	require.NoError(t, db.QueryRowContext(context.Background(), `SELECT count(*) FROM microblog_tweets`).Scan(&n))
	assert.Equal(t, acked.Load(), n, "acknowledged writes stored")
}
