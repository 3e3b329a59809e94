package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/hanok-dev/hanok"
)

// RequestIDHeader is the header that carries a request's id, in and out.
const RequestIDHeader = "X-Request-ID"

// MaxRequestIDLen is the longest incoming X-Request-ID that is kept.
const MaxRequestIDLen = 128

// RequestInfo is what a server's outer middleware learns about one request
// as it is served. The outer middleware (RequestIDs) puts a new one in the
// request's context; the layers below fill it in:
//
//   - the handler that mounts a service records the service's name (the
//     mount prefix without its slash: "auction") in Service;
//   - the service's Router records the ServeMux pattern that matched
//     ("GET /cars/{id}") in Pattern, "" when no route matched, and the
//     signed-in user's id in UserID;
//
// so that, once the request is served, the access log and the metrics can
// name the route by its pattern, never by its raw path. Only the
// goroutine that serves the request writes to it; read it after the inner
// handler returned.
type RequestInfo struct {
	// ID is the request's id: a sane incoming X-Request-ID, else a new one.
	ID string
	// Service is the name of the service that served the request.
	Service string
	// Pattern is the ServeMux pattern of the route that served it.
	Pattern string
	// UserID is the signed-in user, 0 when none.
	UserID hanok.UserID
}

type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying info.
func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, requestInfoKey{}, info)
}

// RequestInfoFrom returns the RequestInfo in ctx, or nil.
func RequestInfoFrom(ctx context.Context) *RequestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*RequestInfo)
	return info
}

// RequestIDFrom returns the id of the request ctx belongs to, or "".
func RequestIDFrom(ctx context.Context) string {
	if info := RequestInfoFrom(ctx); info != nil {
		return info.ID
	}
	return ""
}

// SetRoute records service and pattern in the request's RequestInfo, if it
// has one. A handler that mounts a service calls it with the mount's name
// and pattern; the service's Router then replaces the pattern with its own.
func SetRoute(r *http.Request, service, pattern string) {
	if info := RequestInfoFrom(r.Context()); info != nil {
		info.Service = service
		info.Pattern = pattern
	}
}

// RequestIDs returns middleware that gives every request an id: the
// incoming X-Request-ID when it is sane (1 to MaxRequestIDLen characters
// among letters, digits and "-_.:+/="), else 32 new random hex digits. The
// id is echoed in the response's X-Request-ID header and carried in the
// request's context in a new RequestInfo, where Report (in the body of
// every 5xx) and loggers wrapped with NewLogHandler (in every line) find
// it. A request that already has a RequestInfo (an outer RequestIDs gave
// it one) keeps it.
func RequestIDs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestInfoFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		id := r.Header.Get(RequestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(WithRequestInfo(r.Context(), &RequestInfo{ID: id})))
	})
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '+', c == '/', c == '=':
		default:
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// NewLogHandler wraps h so that every record logged with the context of a
// request carries the request's id as "request_id". Services log with
// their request's context (logger.InfoContext(ctx, ...)), so every line a
// request causes can be found by its id. Wrapping twice adds it once.
func NewLogHandler(h slog.Handler) slog.Handler {
	if _, ok := h.(*logHandler); ok {
		return h
	}
	return &logHandler{h}
}

type logHandler struct{ slog.Handler }

func (l *logHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := RequestIDFrom(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return l.Handler.Handle(ctx, rec)
}

func (l *logHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logHandler{l.Handler.WithAttrs(attrs)}
}

func (l *logHandler) WithGroup(name string) slog.Handler {
	return &logHandler{l.Handler.WithGroup(name)}
}
