package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hanok-dev/hanok"
)

// Body deadlines. A client that sends its headers and then its body a
// byte at a time (or not at all) would hold a connection and a goroutine
// for as long as it likes; these bound how long a body may take, fitted
// to the route: a JSON body of a few fields is read whole within a short
// time, an upload may take long as long as it keeps arriving.
const (
	// DefaultJSONTimeout is how long ReadBody (and so DecodeJSON) gives a
	// whole body to arrive, from the moment it starts reading.
	DefaultJSONTimeout = 10 * time.Second
	// DefaultIdle and DefaultMinRate are the Progress of bodies read any
	// other way, under BodyDeadlines.
	DefaultIdle    = 30 * time.Second
	DefaultMinRate = 1 << 10
	// writeGrace is how long after the last read deadline a handler that
	// streams a body still has to write its answer.
	writeGrace = time.Minute
)

// Progress is the deadline of a body that may take long, such as an
// upload: the read deadline moves forward as bytes arrive. Before each
// read it is the earlier of
//
//   - Idle after now: no wait for more bytes lasts longer than Idle, and
//   - Idle plus n/MinRate after the body's first read, where n is the
//     number of bytes read so far: on average the body must arrive at
//     MinRate bytes a second, so a trickle (a byte a second) is cut off
//     after about Idle however long it could go on.
//
// The write deadline follows the read deadline by a minute, so that a
// long upload can still be answered.
type Progress struct {
	// Idle is the longest wait for more bytes. Default DefaultIdle.
	Idle time.Duration
	// MinRate is the slowest average rate, in bytes a second; 0 sets no
	// rate.
	MinRate int64
}

// Deadlines configures BodyDeadlines.
type Deadlines struct {
	// JSON is the time a whole body read by ReadBody may take. Default
	// DefaultJSONTimeout.
	JSON time.Duration
	// Body is the Progress of every body until a handler says otherwise
	// (with ReadBody, or with ProgressDeadline). Default Idle
	// DefaultIdle, MinRate DefaultMinRate.
	Body Progress
}

// ErrBodyTimeout is the error of a body that did not arrive in time. The
// connection is closed after the answer.
var ErrBodyTimeout = &hanok.Error{Code: hanok.Invalid, Message: "request body did not arrive in time"}

// BodyDeadlines returns middleware that puts a deadline on every request
// body: d.Body (progress-based) for a body read any way, d.JSON for one
// read with ReadBody. A request without a body is left alone. Under
// LogRequests, a request whose body was cut off is logged at warning
// level with stalled=true and the count of such requests so far.
func BodyDeadlines(d Deadlines) func(http.Handler) http.Handler {
	if d.JSON <= 0 {
		d.JSON = DefaultJSONTimeout
	}
	if d.Body.Idle <= 0 {
		d.Body = Progress{Idle: DefaultIdle, MinRate: DefaultMinRate}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil && r.Body != http.NoBody {
				r = r.WithContext(context.WithValue(r.Context(), progressBodyKey{}, wrapBody(w, r, d.Body, d.JSON)))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ProgressDeadline gives r's body the progress-based deadline p, in
// place of the one BodyDeadlines gave it (or of none). An upload handler
// calls it before it reads the body:
//
//	httpx.ProgressDeadline(w, r, httpx.Progress{Idle: 30 * time.Second, MinRate: 16 << 10})
//	mr, err := r.MultipartReader()
//	...
//	if errors.Is(err, httpx.ErrBodyTimeout) { /* the client stalled */ }
//
// Reads of r.Body then fail with an error that is ErrBodyTimeout (for
// errors.Is, and as the hanok error BodyError returns) when the client
// falls behind.
func ProgressDeadline(w http.ResponseWriter, r *http.Request, p Progress) {
	if p.Idle <= 0 {
		p.Idle = DefaultIdle
	}
	if b, ok := progressBodyOf(r); ok {
		b.mu.Lock()
		b.p = p
		b.mu.Unlock()
		return
	}
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	wrapBody(w, r, p, DefaultJSONTimeout)
}

// progressBodyKey finds the body BodyDeadlines wrapped, even when a
// handler has wrapped it again (in an http.MaxBytesReader, say).
type progressBodyKey struct{}

// progressBodyOf returns the progressBody of r, if it has one.
func progressBodyOf(r *http.Request) (*progressBody, bool) {
	if b, ok := r.Body.(*progressBody); ok {
		return b, true
	}
	b, ok := r.Context().Value(progressBodyKey{}).(*progressBody)
	return b, ok
}

func wrapBody(w http.ResponseWriter, r *http.Request, p Progress, jsonTimeout time.Duration) *progressBody {
	b := &progressBody{body: r.Body, rc: http.NewResponseController(w), ctx: r.Context(), p: p, json: jsonTimeout}
	// Until the first read: a client that sends its headers and then
	// nothing is cut off after Idle even if the handler never reads.
	b.rc.SetReadDeadline(time.Now().Add(p.Idle))
	r.Body = b
	return b
}

// progressBody is a request body whose read deadline moves as it
// arrives.
type progressBody struct {
	body io.ReadCloser
	rc   *http.ResponseController
	ctx  context.Context
	json time.Duration

	mu    sync.Mutex
	p     Progress
	start time.Time
	n     int64
	// hard, when set, is a deadline no progress moves (ReadBody's).
	hard time.Time
	done bool
}

func (b *progressBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	now := time.Now()
	if b.start.IsZero() {
		b.start = now
	}
	d := now.Add(b.p.Idle)
	if b.p.MinRate > 0 {
		owed := b.start.Add(b.p.Idle + time.Duration(float64(b.n)/float64(b.p.MinRate)*float64(time.Second)))
		if owed.Before(d) {
			d = owed
		}
	}
	if !b.hard.IsZero() && b.hard.Before(d) {
		d = b.hard
	}
	done := b.done
	b.mu.Unlock()
	if !done {
		b.rc.SetReadDeadline(d)
		b.rc.SetWriteDeadline(d.Add(writeGrace))
	}
	n, err := b.body.Read(p)
	b.mu.Lock()
	b.n += int64(n)
	if errors.Is(err, io.EOF) && !b.done {
		// The whole body is in: the body's deadline is lifted, so that
		// it outlives neither the body nor the request (a server without
		// ReadHeaderTimeout would otherwise read the next request of the
		// connection under it).
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	b.mu.Unlock()
	if isTimeout(err) {
		return n, stalled(b.ctx, err)
	}
	return n, err
}

func (b *progressBody) Close() error { return b.body.Close() }

// setHard sets a deadline that progress does not move: the JSON time
// from now.
func (b *progressBody) setHard() {
	b.mu.Lock()
	b.hard = time.Now().Add(b.json)
	b.mu.Unlock()
}

func isTimeout(err error) bool {
	return err != nil && errors.Is(err, os.ErrDeadlineExceeded)
}

// stallError is a body read cut off by its deadline.
type stallError struct{ err error }

func (e *stallError) Error() string { return "request body did not arrive in time: " + e.err.Error() }

// Is makes errors.Is(err, ErrBodyTimeout) and
// errors.Is(err, os.ErrDeadlineExceeded) both true.
func (e *stallError) Is(target error) bool { return target == ErrBodyTimeout }
func (e *stallError) Unwrap() error        { return e.err }

func stalled(ctx context.Context, err error) error {
	var s *stallError
	if errors.As(err, &s) {
		return err
	}
	if st, ok := ctx.Value(requestStateKey{}).(*requestState); ok {
		st.stalled.Store(true)
	}
	return &stallError{err: err}
}

type requestStateKey struct{}

// requestState is what LogRequests learns from inside the handler.
type requestState struct {
	stalled atomic.Bool
}
