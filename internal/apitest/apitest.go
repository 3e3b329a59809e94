// Package apitest proves an adapter's OpenAPI document with the adapter's
// own HTTP tests: wrapped around the adapter's handler, it checks every
// real response against the document (its status must be documented for
// the operation, its body must match the schema) and, for every request
// the adapter accepted (a 2xx answer), that the request is one the
// document describes. A mismatch fails the test that sent the request.
package apitest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() {
	// Text bodies the adapters answer with, checked as plain strings.
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// Checker validates requests and responses against one document.
type Checker struct {
	doc    *openapi3.T
	router routers.Router

	mu      sync.Mutex
	checked map[string]int // "METHOD path" of the operation -> responses checked
	// absent holds "METHOD path ?name" for each optional query parameter
	// that an accepted request (a 2xx answer) went without.
	absent map[string]bool
}

// New loads and validates the OpenAPI document spec.
func New(spec []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("apitest: loading the document: %w", err)
	}
	doc.Servers = nil // paths are relative to wherever the adapter is mounted
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("apitest: the document is not valid OpenAPI: %w", err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("apitest: %w", err)
	}
	return &Checker{doc: doc, router: router, checked: map[string]int{}, absent: map[string]bool{}}, nil
}

// MustNew is New for tests: a bad document fails t.
func MustNew(t testing.TB, spec []byte) *Checker {
	t.Helper()
	c, err := New(spec)
	require.NoError(t, err)
	return c
}

// Check validates one exchange: the request (with its body) and the
// response's status, header and body. path is the request's path as the
// adapter sees it (below its mount point).
func (c *Checker) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	ctx := context.Background()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil // an unknown path or method, answered as such
		}
		return fmt.Errorf("%s %s answered %d but is not in the document: %w", req.Method, req.URL.Path, status, err)
	}
	c.mu.Lock()
	c.checked[route.Method+" "+route.Path]++
	c.mu.Unlock()
	reqIn := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if status >= 200 && status < 300 {
		c.mu.Lock()
		for _, name := range optionalQuery(route.PathItem, route.Operation) {
			if !req.URL.Query().Has(name) {
				c.absent[route.Method+" "+route.Path+" ?"+name] = true
			}
		}
		c.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
		if err := openapi3filter.ValidateRequest(ctx, reqIn); err != nil {
			return fmt.Errorf("%s %s was accepted (%d) but the document does not describe the request: %w", req.Method, req.URL.Path, status, err)
		}
	}
	respIn := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqIn,
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if req.Method == http.MethodHead {
		respIn.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(ctx, respIn); err != nil {
		return fmt.Errorf("%s %s answered %d, which the document does not describe: %w\nbody: %.500s", req.Method, req.URL.Path, status, err, body)
	}
	return nil
}

// Checked returns how many responses of each documented operation
// ("GET /cars/{id}") were checked so far.
func (c *Checker) Checked() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.checked))
	for k, v := range c.checked {
		out[k] = v
	}
	return out
}

// optionalQuery returns the names of the optional query parameters of op
// (its own and its path's).
func optionalQuery(item *openapi3.PathItem, op *openapi3.Operation) []string {
	var names []string
	for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, ref := range params {
			if p := ref.Value; p != nil && p.In == openapi3.ParameterInQuery && !p.Required {
				names = append(names, p.Name)
			}
		}
	}
	return names
}

// OptionalQueryParams returns every optional query parameter of the
// document, as "GET /tasks ?page".
func (c *Checker) OptionalQueryParams() []string {
	var out []string
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, name := range optionalQuery(item, op) {
				out = append(out, method+" "+path+" ?"+name)
			}
		}
	}
	return out
}

// AbsentAccepted returns the optional query parameters ("GET /tasks
// ?page") that at least one accepted request (a 2xx answer) went
// without, so far: a parameter the document calls optional but the
// adapter requires is never among them.
func (c *Checker) AbsentAccepted() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]bool, len(c.absent))
	for k, v := range c.absent {
		out[k] = v
	}
	return out
}

// Operations returns every operation of the document ("GET /cars/{id}").
func (c *Checker) Operations() []string {
	var ops []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	return ops
}

// Wrap returns h with every exchange checked; a mismatch fails t.
func (c *Checker) Wrap(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqBody, err := io.ReadAll(r.Body)
		if err != nil {
			// A client that sends a body too slowly or too large: let the
			// handler see the same failure, and check nothing.
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(reqBody), errReader{err}))
			h.ServeHTTP(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(reqBody))
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		check := r.Clone(context.Background())
		err = c.Check(check, reqBody, rec.status, w.Header(), rec.body.Bytes())
		assert.NoError(t, err, "OpenAPI: %v", err)
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// recorder passes a response through and keeps a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// MustLoad is New for a package-level checker: a bad document panics.
func MustLoad(spec []byte) *Checker {
	c, err := New(spec)
	if err != nil {
		panic(err)
	}
	return c
}

// Main runs a test binary's tests (call it from TestMain) and then, when
// every test ran (no -run, -skip or -short filter) and they passed, fails
// the binary if an operation of c's document was never exercised, so that
// every documented route has a test that calls it, or if an optional query
// parameter was never left out of a request the adapter accepted, so that
// what the document calls optional is optional.
func Main(m *testing.M, c *Checker) int {
	code := m.Run()
	if code != 0 || testing.Short() {
		return code
	}
	for _, name := range []string{"test.run", "test.skip"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" {
			return code
		}
	}
	seen := c.Checked()
	var missing []string
	for _, op := range c.Operations() {
		if seen[op] == 0 {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		fmt.Fprintf(os.Stderr, "FAIL: OpenAPI operations no test exercised:\n  %s\n", strings.Join(missing, "\n  "))
		return 1
	}
	absent := c.AbsentAccepted()
	var required []string
	for _, p := range c.OptionalQueryParams() {
		if !absent[p] {
			required = append(required, p)
		}
	}
	if len(required) > 0 {
		sort.Strings(required)
		fmt.Fprintf(os.Stderr, "FAIL: optional OpenAPI query parameters no accepted request went without:\n  %s\n", strings.Join(required, "\n  "))
		return 1
	}
	return code
}
