package main

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hanok-dev/hanok/internal/testkit"
	"github.com/hanok-dev/hanok/storage/postgres/pgtest"
)

// tcpProxy forwards connections to target until cut, which closes the
// listener and every connection: the database is gone, as a crashed or
// unreachable PostgreSQL is.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }()
			go func() { io.Copy(c, up); c.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// While PostgreSQL is unreachable, requests that need it are answered 503
// with Retry-After and a message saying so (not 500 "internal error"), and
// /readyz is 503 with Retry-After too.
func TestPostgresOutageIs503(t *testing.T) {
	dsn := pgtest.DSN(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	proxy := newTCPProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	s := start(t, nil, "-db", u.String(), "-superuser", "admin:password123")
	testkit.Do(t, nil, testkit.Request{URL: s.url + "/trials/tasks/search"}).Want(t, 200)
	code, body := s.do(t, "POST", "/auth/login", "", `{"username":"admin","password":"password123"}`)
	require.Equal(t, 200, code)
	token := body["token"].(string)

	proxy.cut()
	for _, path := range []string{"/trials/tasks/search", "/microblog/tweet/"} {
		r := testkit.Do(t, nil, testkit.Request{URL: s.url + path})
		assert.Equal(t, 503, r.Status, "%s: %s", path, r.Body)
		assert.Equal(t, "5", r.Header.Get("Retry-After"), path)
		assert.Contains(t, string(r.Body), "the database is unreachable; try again later", path)
	}
	// A signed-in user is not told to sign in again.
	r := testkit.Do(t, nil, testkit.Request{URL: s.url + "/auth/me", Token: token})
	assert.Equal(t, 503, r.Status, "/auth/me: %s", r.Body)
	r = testkit.Do(t, nil, testkit.Request{URL: s.url + "/readyz"})
	assert.Equal(t, 503, r.Status)
	assert.Equal(t, "5", r.Header.Get("Retry-After"))
	assert.Contains(t, s.out.String(), `msg="database unavailable"`)
	assert.NotContains(t, s.out.String(), `msg="internal error"`)
}
