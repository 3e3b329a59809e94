package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// StatusRecorder is a ResponseWriter that remembers the status and the
// number of bytes written, for middleware that reports them.
type StatusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// Status returns the status written, 0 if none was yet.
func (s *StatusRecorder) Status() int { return s.status }

// WriteHeader implements http.ResponseWriter.
func (s *StatusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (s *StatusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *StatusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// LogRequests returns middleware that logs one line per request: method,
// path, status, bytes written, duration and client address, and, when an
// outer RequestIDs gave the request a RequestInfo, its id, service, route
// pattern and signed-in user. A request whose body was cut off by its
// deadline (see BodyDeadlines) is logged at warning level with
// stalled=true and stalled_total, the number of such requests this
// middleware has seen.
func LogRequests(logger *slog.Logger) func(http.Handler) http.Handler {
	logger = slog.New(NewLogHandler(logger.Handler()))
	var stalledTotal atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &StatusRecorder{ResponseWriter: w}
			st := &requestState{}
			r = r.WithContext(context.WithValue(r.Context(), requestStateKey{}, st))
			// Deferred, so that a request aborted by a panic is logged too.
			defer func() {
				if rec.status == 0 {
					rec.status = http.StatusOK
				}
				level := slog.LevelInfo
				attrs := []slog.Attr{
					slog.String("method", r.Method),
					slog.String("path", RedactPath(r.URL.Path)),
					slog.Int("status", rec.status),
					slog.Int64("bytes", rec.bytes),
					slog.Duration("duration", time.Since(start)),
					slog.String("addr", ClientAddr(r)),
				}
				if info := RequestInfoFrom(r.Context()); info != nil {
					attrs = append(attrs, slog.String("service", info.Service), slog.String("route", info.Pattern))
					if info.UserID != 0 {
						attrs = append(attrs, slog.Int64("user_id", int64(info.UserID)))
					}
				}
				if st.stalled.Load() {
					level = slog.LevelWarn
					attrs = append(attrs, slog.Bool("stalled", true), slog.Int64("stalled_total", stalledTotal.Add(1)))
				}
				logger.LogAttrs(r.Context(), level, "request", attrs...)
			}()
			next.ServeHTTP(rec, r)
		})
	}
}

// Recover returns middleware that turns a panic in next into a 500 with a
// generic JSON body (naming the request's id, when it has one) and logs the panic with its stack. If the response had
// already begun, a 500 can no longer be sent: the response is aborted
// instead (http.ErrAbortHandler), so the client sees it cut short rather
// than complete. http.ErrAbortHandler itself is re-panicked, as net/http
// expects.
func Recover(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &StatusRecorder{ResponseWriter: w}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.ErrorContext(r.Context(), "panic serving request",
					"method", r.Method, "path", RedactPath(r.URL.Path), "panic", v, "stack", string(debug.Stack()))
				if rec.status != 0 {
					panic(http.ErrAbortHandler)
				}
				WriteJSON(w, http.StatusInternalServerError, ErrorBody{Error: withRequestID(r, "internal error"), Code: "internal"})
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
