package httpx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hanok-dev/hanok"
)

// Renderer writes err as an adapter's own error body (the calendar's meta
// envelope, the auction's {"detail": ...}, the microblog's {"message": ...}).
// Each adapter has exactly one; it usually starts with Report, which gives
// the status, sets Retry-After or Allow, and logs internal errors.
type Renderer func(w http.ResponseWriter, r *http.Request, err error)

// HandlerFunc is a handler that returns its error instead of writing it:
// the Router renders it with the adapter's Renderer. A handler that
// returns an error must not have written anything.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// ActorFunc is a HandlerFunc of a route that needs a signed-in user: the
// Router authenticates the request and hands the handler its actor.
type ActorFunc func(w http.ResponseWriter, r *http.Request, actor hanok.Actor) error

// ErrNoRoute is the error of a path no route serves.
var ErrNoRoute = &hanok.Error{Code: hanok.NotFound, Message: "no such route"}

// MethodNotAllowedError is the error of a path that is served, but not for
// the request's method. Report answers it with 405 and the Allow header.
type MethodNotAllowedError struct {
	Method string
	Allow  string
}

// Error implements error.
func (e *MethodNotAllowedError) Error() string {
	return fmt.Sprintf("method %s not allowed (allowed: %s)", e.Method, e.Allow)
}

// errMethodNotAllowed gives a MethodNotAllowedError its hanok code: a
// request the server does not serve is the client's to change (Invalid),
// not an internal error.
var errMethodNotAllowed = &hanok.Error{Code: hanok.Invalid, Message: "method not allowed"}

// Unwrap makes hanok.CodeOf of e Invalid.
func (e *MethodNotAllowedError) Unwrap() error { return errMethodNotAllowed }

// Router is the routes of one adapter: a Go 1.22 ServeMux whose handlers
// return errors, one Renderer for every error (those of unknown paths and
// methods too), and one way for a handler to receive its actor.
type Router struct {
	mux *http.ServeMux
	// patterns are the registered patterns: what the mux reports for a
	// request it redirects is a path, not one of them.
	patterns map[string]bool
	render   Renderer
	authn    Authenticator
	header   string
}

// NewRouter returns a Router that renders errors with render and
// authenticates the routes added with User through authn, reading the
// token from tokenHeader (if not "") before the Authorization header.
func NewRouter(render Renderer, authn Authenticator, tokenHeader string) *Router {
	return &Router{mux: http.NewServeMux(), patterns: map[string]bool{}, render: render, authn: authn, header: tokenHeader}
}

// Public adds a route anyone may call.
func (rt *Router) Public(pattern string, h HandlerFunc) {
	rt.Handle(pattern, rt.handler(h))
}

// User adds a route that needs a signed-in user. A request without a token
// is answered with ErrNoToken, one with a bad token with the error of
// the Authenticator; neither reaches h.
func (rt *Router) User(pattern string, h ActorFunc) {
	rt.Handle(pattern, rt.handler(func(w http.ResponseWriter, r *http.Request) error {
		tok := Token(r, rt.header)
		if tok == "" {
			return ErrNoToken
		}
		a, err := rt.authn.AuthenticateActor(r.Context(), tok)
		if err != nil {
			return err
		}
		if info := RequestInfoFrom(r.Context()); info != nil {
			info.UserID = a.ID
		}
		r = r.WithContext(WithActor(r.Context(), a, tok))
		return h(w, r, a)
	}))
}

// Handle adds a plain http.Handler (a file server, say).
func (rt *Router) Handle(pattern string, h http.Handler) {
	rt.mux.Handle(pattern, h)
	rt.patterns[pattern] = true
}

func (rt *Router) handler(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			rt.render(w, r, err)
		}
	})
}

// ServeHTTP serves the request with its route, or renders ErrNoRoute or a
// MethodNotAllowedError when there is none.
//
// Two things the plain ServeMux does are adjusted here. First, for a
// request no route matches, the mux answers in plain text; we ask it what
// it would answer (404, or 405 with an Allow header) and render that in
// the adapter's own shape instead. Second, the mux redirects "/x" to "/x/"
// when only "/x/" is a route, with a Location built from the path it was
// given; under http.StripPrefix that path lacks the mount prefix, so the
// prefix that StripPrefix removed is put back in front of the Location.
//
// The pattern that matched is recorded in the request's RequestInfo (see
// there), "" when none did, "redirect" when the mux redirects: the access
// log and the metrics name the route by it.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := rt.mux.Handler(r)
	if info := RequestInfoFrom(r.Context()); info != nil {
		info.Pattern = pattern
		if pattern != "" && !rt.patterns[pattern] {
			info.Pattern = "redirect"
		}
	}
	if pattern == "" {
		probe := &probeWriter{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			rt.render(w, r, &MethodNotAllowedError{Method: r.Method, Allow: probe.header.Get("Allow")})
			return
		}
		rt.render(w, r, ErrNoRoute)
		return
	}
	if prefix := mountPrefix(r); prefix != "" {
		w = &prefixRedirects{ResponseWriter: w, prefix: prefix}
	}
	// Served by the mux itself, not by h: only the mux sets the request's
	// path values (r.PathValue).
	rt.mux.ServeHTTP(w, r)
}

// probeWriter records what the mux would answer to an unmatched request.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(s int) {
	if p.status == 0 {
		p.status = s
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

// mountPrefix returns the part of the request's path that
// http.StripPrefix removed before the request reached the handler.
func mountPrefix(r *http.Request) string {
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	prefix, ok := strings.CutSuffix(u.EscapedPath(), r.URL.EscapedPath())
	if !ok {
		return ""
	}
	return prefix
}

// prefixRedirects puts the mount prefix in front of a redirect's
// Location.
type prefixRedirects struct {
	http.ResponseWriter
	prefix string
}

func (m *prefixRedirects) WriteHeader(status int) {
	if status >= 300 && status < 400 {
		loc := m.Header().Get("Location")
		if strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
			m.Header().Set("Location", m.prefix+loc)
		}
	}
	m.ResponseWriter.WriteHeader(status)
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (m *prefixRedirects) Unwrap() http.ResponseWriter { return m.ResponseWriter }

// ReadBody reads all of r's body up to limit bytes. It is the one place a
// body that is too large becomes an error: Invalid, with the limit in the
// message. The whole body must arrive within the JSON time of
// BodyDeadlines (DefaultJSONTimeout without it), or the read fails with
// ErrBodyTimeout and the connection is closed after the answer.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	whole := false
	if b, ok := progressBodyOf(r); ok {
		b.setHard()
	} else if r.Body != nil && r.Body != http.NoBody {
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(DefaultJSONTimeout)) == nil {
			defer func() {
				// As progressBody does at the end of the body: the
				// deadline is the body's only. A body that was not
				// read whole leaves the connection to be closed.
				if whole {
					rc.SetReadDeadline(time.Time{})
				}
			}()
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	whole = err == nil
	if err != nil {
		if isTimeout(err) {
			err = stalled(r.Context(), err)
		}
		return nil, BodyError(err, limit, "could not read request body")
	}
	return data, nil
}

// BodyError turns an error met while reading or parsing a request body
// (whole, a form, or a multipart part) into the client's error: Invalid,
// saying the body is larger than limit bytes when it is, else with the
// message malformed.
func BodyError(err error, limit int64, malformed string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &hanok.Error{Code: hanok.Invalid, Message: fmt.Sprintf("request body is larger than %d bytes", limit), Err: err}
	}
	if errors.Is(err, ErrBodyTimeout) {
		return &hanok.Error{Code: hanok.Invalid, Message: ErrBodyTimeout.Message, Err: err}
	}
	return &hanok.Error{Code: hanok.Invalid, Message: malformed, Err: err}
}
