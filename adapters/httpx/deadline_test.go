package httpx_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// logBuffer is a log sink the server and the test may use at once.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// deadlineServer serves, on a real loopback listener and with short
// deadlines: a JSON route, an upload route with its own Progress, and a
// route that never reads its body.
func deadlineServer(t *testing.T) (*httptest.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("POST /json", func(w http.ResponseWriter, r *http.Request) {
		if _, err := httpx.DecodeJSON[map[string]any](w, r, 0); err != nil {
			httpx.WriteError(w, r, logger, err)
			return
		}
		httpx.WriteJSON(w, 200, map[string]string{"ok": "yes"})
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		httpx.ProgressDeadline(w, r, httpx.Progress{Idle: time.Second, MinRate: 2000})
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			httpx.WriteError(w, r, logger, httpx.BodyError(err, 0, "could not read request body"))
			return
		}
		httpx.WriteJSON(w, 200, map[string]int64{"bytes": n})
	})
	mux.HandleFunc("POST /slow", func(w http.ResponseWriter, r *http.Request) {
		if _, err := httpx.DecodeJSON[map[string]any](w, r, 0); err != nil {
			httpx.WriteError(w, r, logger, err)
			return
		}
		// Work past the JSON deadline: the request must not be cancelled.
		time.Sleep(600 * time.Millisecond)
		if err := r.Context().Err(); err != nil {
			httpx.WriteJSON(w, 500, map[string]string{"error": err.Error()})
			return
		}
		httpx.WriteJSON(w, 200, map[string]string{"ok": "yes"})
	})
	mux.HandleFunc("/ignore", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, 200, map[string]string{"ok": "yes"})
	})
	h := httpx.LogRequests(logger)(httpx.BodyDeadlines(httpx.Deadlines{JSON: 300 * time.Millisecond, Body: httpx.Progress{Idle: 300 * time.Millisecond, MinRate: 1000}})(mux))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, logs
}

// rawRequest sends the request line and headers of a body of length
// bytes, then calls send (which may write some of the body, slowly),
// and returns everything the server wrote until it closed the
// connection. A server that never closes fails the test after a minute.
func rawRequest(t *testing.T, srv *httptest.Server, method, path string, length int, send func(c net.Conn)) string {
	t.Helper()
	c, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprintf(c, "%s %s HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", method, path, length)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		if send != nil {
			send(&stoppable{Conn: c, stop: stop})
		}
	}()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	out, err := io.ReadAll(bufio.NewReader(c))
	close(stop)
	<-done
	// A server that closes while the client is still sending resets the
	// connection rather than ending it: both are a close. A timeout is not.
	if err != nil {
		require.ErrorIs(t, err, syscall.ECONNRESET, "%s %s: the server did not close the connection (read %q)", method, path, out)
	}
	return string(out)
}

// stoppable is a connection whose writes fail once stop is closed.
type stoppable struct {
	net.Conn
	stop chan struct{}
}

func (s *stoppable) Write(p []byte) (int, error) {
	select {
	case <-s.stop:
		return 0, io.ErrClosedPipe
	default:
		return s.Conn.Write(p)
	}
}

// trickle writes one byte every 20 ms until a write fails.
func trickle(c net.Conn) {
	for {
		if _, err := c.Write([]byte(" ")); err != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestStalledClientsAreCutOff: a body trickling a byte at a time, and
// headers followed by nothing, are answered (where the handler reads)
// and the connection closed, on a JSON route, an upload route, and a
// route that never reads its body; each cut is counted in the log.
func TestStalledClientsAreCutOff(t *testing.T) {
	srv, logs := deadlineServer(t)
	cases := []struct {
		name, method, path string
		send               func(net.Conn)
		want               string
	}{
		{"JSON trickle", "POST", "/json", trickle, "did not arrive in time"},
		{"JSON headers then nothing", "POST", "/json", nil, "did not arrive in time"},
		{"upload trickle", "POST", "/upload", trickle, "did not arrive in time"},
		{"upload headers then nothing", "POST", "/upload", nil, "did not arrive in time"},
		{"unread body, headers then nothing", "POST", "/ignore", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := rawRequest(t, srv, c.method, c.path, 100000, c.send)
			require.Contains(t, out, c.want, "answer %q, want it to say %q", out, c.want)
		})
	}
	n := strings.Count(logs.String(), "stalled=true")
	require.EqualValues(t, 4, n, "%d stalled requests logged, want 4:\n%s", n, logs.String())
	require.Contains(t, logs.String(), "stalled_total=4", "stalled requests not counted:\n%s", logs.String())
	require.Contains(t, logs.String(), "level=WARN", "stalled requests not counted:\n%s", logs.String())
}

// TestUploadDeadlineMovesWithProgress: an upload that keeps arriving
// faster than its MinRate may take longer than its Idle several times
// over; a JSON body that arrives at once is read, and the handler may
// then work past the deadline without its request being cancelled.
func TestUploadDeadlineMovesWithProgress(t *testing.T) {
	srv, _ := deadlineServer(t)
	const chunks, size = 30, 4 << 10
	out := rawRequest(t, srv, "POST", "/upload", chunks*size, func(c net.Conn) {
		chunk := bytes.Repeat([]byte("x"), size)
		for range chunks {
			if _, err := c.Write(chunk); err != nil {
				return
			}
			time.Sleep(60 * time.Millisecond)
		}
		c.(*stoppable).Conn.(*net.TCPConn).CloseWrite()
	})
	require.Contains(t, out, "200 OK", "steady upload: %q", out)
	require.Contains(t, out, fmt.Sprintf(`"bytes":%d`, chunks*size), "steady upload: %q", out)

	for _, path := range []string{"/json", "/slow"} {
		resp, err := srv.Client().Post(srv.URL+path, "application/json", strings.NewReader(`{"a": 1}`))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.EqualValues(t, 200, resp.StatusCode, "prompt JSON body to %s: %d %s", path, resp.StatusCode, body)
	}
}
