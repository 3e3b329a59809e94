package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
)

// TestTrustedProxiesFlag: the request log (and the login throttle) see the
// X-Forwarded-For client only when the peer is a configured proxy.
func TestTrustedProxiesFlag(t *testing.T) {
	get := func(s *server) {
		testkit.Do(t, nil, testkit.Request{URL: s.url + "/healthz", Header: http.Header{"X-Forwarded-For": {"6.6.6.6, 198.51.100.9"}}}).Want(t, 200)
	}
	trusting := start(t, map[string]string{"HANOK_TRUSTED_PROXIES": "127.0.0.1/32, ::1"}, "-db", "memory")
	get(trusting)
	trusting.stop()
	require.Contains(t, trusting.out.String(), "addr=198.51.100.9", "X-Forwarded-For from a trusted proxy not honoured:\n%s", trusting.out.String())
	plain := start(t, nil, "-db", "memory")
	get(plain)
	plain.stop()
	require.NotContains(t, plain.out.String(), "198.51.100.9", "X-Forwarded-For honoured without -trusted-proxies:\n%s", plain.out.String())
	require.Contains(t, plain.out.String(), "addr=127.0.0.1", "X-Forwarded-For honoured without -trusted-proxies:\n%s", plain.out.String())
	var out bytes.Buffer
	err := run(context.Background(), []string{"-db", "memory", "-trusted-proxies", "10.0.0.0/99"}, func(string) string { return "" }, &out)
	require.Error(t, err, "bad -trusted-proxies = %v", err)
	require.Contains(t, err.Error(), "-trusted-proxies", "bad -trusted-proxies = %v", err)
}

// TestServerLimits: the server bounds headers, their time, and the time
// of a request's answer; bodies are bounded by the handler's deadlines.
func TestServerLimits(t *testing.T) {
	srv := newHTTPServer(http.NotFoundHandler(), slog.New(slog.DiscardHandler))
	require.Positive(t, srv.ReadHeaderTimeout, "ReadHeaderTimeout")
	require.Positive(t, srv.WriteTimeout, "WriteTimeout")
	require.Positive(t, srv.IdleTimeout, "IdleTimeout")
	require.Positive(t, srv.MaxHeaderBytes, "MaxHeaderBytes")
	require.LessOrEqual(t, srv.MaxHeaderBytes, 1<<20, "MaxHeaderBytes")
}

// TestServerCutsOffStalledBody: against the running server, a client that
// sends the headers of a registration and then nothing is answered and
// disconnected, and the log counts it. (The body deadline is the
// default's ten seconds, so this test takes that long.)
func TestServerCutsOffStalledBody(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the 10 s JSON body deadline")
	}
	s := start(t, nil, "-db", "memory")
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	require.NoError(t, err)
	defer c.Close()
	fmt.Fprintf(c, "POST /auth/register HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	c.SetReadDeadline(time.Now().Add(2 * time.Minute))
	out, err := io.ReadAll(c)
	require.NoError(t, err, "the server did not close the connection: %v (read %q)", err, out)
	require.Contains(t, string(out), "400 Bad Request", "answer to a stalled body: %q", out)
	require.Contains(t, string(out), "did not arrive in time", "answer to a stalled body: %q", out)
	s.stop()
	require.Contains(t, s.out.String(), "stalled=true", "stalled request not logged:\n%s", s.out.String())
}
