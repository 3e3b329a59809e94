package system

import (
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
)

// Gate is the handler of a server that listens before it is ready: until
// Open, it answers GET /healthz with 200 (the process is alive) and
// everything else, /readyz included, with 503 and Retry-After, saying
// why; after Open every request goes to the handler given. A server
// listens behind a Gate while it opens and migrates its database, so
// that a load balancer sees it alive but not ready.
type Gate struct {
	reason string
	h      atomic.Pointer[http.Handler]
}

// NewGate returns a closed Gate whose 503s give reason ("starting:
// migrating the database").
func NewGate(reason string) *Gate { return &Gate{reason: reason} }

// Open sends every request from now on to h.
func (g *Gate) Open(h http.Handler) { g.h.Store(&h) }

// ServeHTTP implements http.Handler.
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h := g.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	httpx.RequestIDs(http.HandlerFunc(g.closed)).ServeHTTP(w, r)
}

// closed answers while the gate is closed; its 503s name the request id.
func (g *Gate) closed(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/healthz" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	httpx.WriteError(w, r, nil, &hanok.Error{Code: hanok.Unavailable, Message: g.reason, RetryAfter: time.Second})
}
