// Package httpx is the HTTP toolkit the hanok adapters share: JSON decoding
// with size limits and field-naming errors, JSON encoding, the one table
// that maps hanok error codes to HTTP statuses, bearer-token extraction,
// authentication middleware, request logging and panic recovery.
package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/hanok-dev/hanok"
)

// DefaultMaxBody is the body limit of DecodeJSON when none is given: 1 MiB.
const DefaultMaxBody int64 = 1 << 20

// Status returns the HTTP status of a hanok error code. It is the one
// place where codes become statuses.
func Status(code hanok.Code) int {
	switch code {
	case "":
		return http.StatusOK
	case hanok.Invalid:
		return http.StatusBadRequest
	case hanok.Unauthenticated:
		return http.StatusUnauthorized
	case hanok.Forbidden:
		return http.StatusForbidden
	case hanok.NotFound:
		return http.StatusNotFound
	case hanok.Conflict:
		return http.StatusConflict
	case hanok.RateLimited:
		return http.StatusTooManyRequests
	case hanok.Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// DecodeJSON reads r's body as one JSON value of type T. The body is
// limited to maxBytes (DefaultMaxBody when <= 0). Every failure is a
// hanok.Invalid error whose message says what was wrong and, for a value of
// the wrong type, names the field; a body over the limit is Invalid with
// the limit in the message. Unknown fields are ignored.
func DecodeJSON[T any](w http.ResponseWriter, r *http.Request, maxBytes int64) (T, error) {
	var v T
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBody
	}
	data, err := ReadBody(w, r, maxBytes)
	if err != nil {
		return v, err
	}
	return v, Unmarshal(data, &v)
}

// Unmarshal decodes one JSON value from data into v, with the errors of
// DecodeJSON.
func Unmarshal(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &hanok.Error{Code: hanok.Invalid, Message: "request body is empty; expected a JSON object"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	// Decoder.More does not see a stray ']' or '}': look at the rest itself.
	if len(bytes.TrimSpace(data[dec.InputOffset():])) > 0 {
		return &hanok.Error{Code: hanok.Invalid, Message: "request body has data after the JSON value"}
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &hanok.Error{Code: hanok.Invalid, Message: fmt.Sprintf("malformed JSON at byte %d: %s", syn.Offset, syn.Error()), Err: err}
	case errors.As(err, &typ):
		field := typ.Field
		reason := typeReason(typ)
		if field == "" {
			return &hanok.Error{Code: hanok.Invalid, Message: "request body " + reason, Err: err}
		}
		return &hanok.Error{Code: hanok.Invalid, Message: field + ": " + reason, Fields: map[string]string{field: reason}, Err: err}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &hanok.Error{Code: hanok.Invalid, Message: "malformed JSON: unexpected end of body", Err: err}
	default:
		return &hanok.Error{Code: hanok.Invalid, Message: "malformed JSON: " + err.Error(), Err: err}
	}
}

// typeReason says what a value of the wrong JSON type should have been:
// "must be a whole number, not 1.5", "must be a string, not number".
func typeReason(typ *json.UnmarshalTypeError) string {
	k := typ.Type.Kind().String()
	want := jsonKind(k)
	// The range is named for the small integer types, where it is what
	// the field means; for 64-bit ones a fraction is the likely mistake.
	switch {
	case strings.HasPrefix(k, "uint") && typ.Type.Bits() == 64:
		want = "a whole number from 0"
	case strings.HasPrefix(k, "uint"):
		want = fmt.Sprintf("a whole number from 0 to %d", ^uint64(0)>>(64-typ.Type.Bits()))
	case strings.HasPrefix(k, "int") && typ.Type.Bits() == 64:
		want = "a whole number"
	case strings.HasPrefix(k, "int"):
		bits := typ.Type.Bits()
		want = fmt.Sprintf("a whole number from %d to %d", int64(-1)<<(bits-1), int64(^uint64(0)>>(65-bits)))
	}
	// A number that does not fit (a fraction, or out of range) is shown
	// as itself; another type by its name.
	got, _ := strings.CutPrefix(typ.Value, "number ")
	return fmt.Sprintf("must be %s, not %s", want, got)
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"), strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "a boolean"
	case k == "slice", k == "array":
		return "an array"
	case k == "map", k == "struct":
		return "an object"
	}
	return "a " + k
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ErrorBody is the generic JSON error body of the hanok adapters that have
// no seed format of their own.
type ErrorBody struct {
	Error  string            `json:"error"`
	Code   hanok.Code        `json:"code"`
	Fields map[string]string `json:"fields,omitempty"`
}

// Report logs err if it is internal and sets Retry-After for rate-limited
// errors. An error that says the database is unreachable or its disk
// full is answered 503 with Retry-After, saying which (see unavailable). It returns the HTTP status and the client-safe message; the
// message of a 5xx ends with the request's id when it has one
// ("internal error (request id 3f2a...)"). Adapters
// that render their own error bodies call it first.
func Report(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) (int, string) {
	var notAllowed *MethodNotAllowedError
	if errors.As(err, &notAllowed) {
		w.Header().Set("Allow", notAllowed.Allow)
		return http.StatusMethodNotAllowed, "method " + notAllowed.Method + " not allowed"
	}
	if u := unavailable(err); u != err {
		if logger != nil {
			logger.WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		err = u
	}
	code := hanok.CodeOf(err)
	if code == hanok.Internal {
		if logger != nil {
			logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", RedactPath(r.URL.Path), "err", err)
		}
	}
	if d := hanok.RetryAfterOf(err); d > 0 {
		secs := int((d + 999_999_999) / 1_000_000_000)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	status := Status(code)
	if status >= 500 {
		return status, withRequestID(r, hanok.MessageOf(err))
	}
	return status, hanok.MessageOf(err)
}

// withRequestID appends the request's id to msg, so that a user who gets
// a 5xx can quote it and an operator can find the request's log lines.
func withRequestID(r *http.Request, msg string) string {
	if id := RequestIDFrom(r.Context()); id != "" {
		return msg + " (request id " + id + ")"
	}
	return msg
}

// WriteError writes err as an ErrorBody with its status.
func WriteError(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	status, msg := Report(w, r, logger, err)
	err = unavailable(err)
	WriteJSON(w, status, ErrorBody{Error: msg, Code: hanok.CodeOf(err), Fields: hanok.FieldsOf(err)})
}

// RenameField returns err with its field old called new, for an adapter
// whose wire name of a field differs from the domain's ("useremail" for
// "email"). Any other error is returned as it is.
func RenameField(err error, old, new string) error {
	var e *hanok.Error
	if !errors.As(err, &e) {
		return err
	}
	reason, ok := e.Fields[old]
	if !ok {
		return err
	}
	fields := make(map[string]string, len(e.Fields))
	for k, v := range e.Fields {
		fields[k] = v
	}
	delete(fields, old)
	fields[new] = reason
	return &hanok.Error{Code: e.Code, Message: new + ": " + reason, Fields: fields, RetryAfter: e.RetryAfter, Err: err}
}

// ParseID is the one id parser of the adapters: raw must be a positive
// decimal integer that fits in an int64. Anything else names nothing that
// exists, so the error is NotFound, worded "<what> "<raw>" not found"
// (what is the thing's name as a client reads it: "car", "event", ...).
func ParseID(what, raw string) (int64, error) {
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, hanok.Errorf(hanok.NotFound, "%s %q not found", what, raw)
	}
	return id, nil
}

// PathID is ParseID of the request's path value name ({id} and the like).
func PathID(r *http.Request, name, what string) (int64, error) {
	return ParseID(what, r.PathValue(name))
}
