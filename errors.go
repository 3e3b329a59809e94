// Package hanok is the shared vocabulary of the hanok services: the error
// type every domain returns and the codes the HTTP adapters map to statuses.
//
// The services themselves live in sub-packages (auth, auction, calendar, ...);
// storage implementations live under storage/ and HTTP adapters under
// adapters/.
package hanok

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Code classifies an error by what the caller can do about it.
type Code string

// The error codes. Adapters map each to one HTTP status.
const (
	// Invalid means the input was malformed or broke a rule.
	Invalid Code = "invalid"
	// Unauthenticated means the caller is not signed in, or its credentials
	// are wrong, expired or revoked.
	Unauthenticated Code = "unauthenticated"
	// Forbidden means the caller is known but may not do this.
	Forbidden Code = "forbidden"
	// NotFound means the named thing does not exist (or is not visible to
	// the caller).
	NotFound Code = "not_found"
	// Conflict means the request clashes with the current state: a
	// duplicate, or a state transition that is not allowed now.
	Conflict Code = "conflict"
	// RateLimited means the caller must slow down and retry later.
	RateLimited Code = "rate_limited"
	// Unavailable means a dependency is down; retrying later may work.
	Unavailable Code = "unavailable"
	// Internal means a bug or an unexpected failure; never shown in detail.
	Internal Code = "internal"
)

// Error is the error type of every hanok service. Message is safe to show
// to the client; Fields names the offending input fields with a reason each.
type Error struct {
	Code    Code
	Message string
	Fields  map[string]string
	// RetryAfter, for RateLimited errors, says when a retry may succeed.
	RetryAfter time.Duration
	// Err is an optional underlying cause, kept for logs and errors.Is.
	Err error
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Code))
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	// The message already says what a field error is about
	// (FieldError writes "field: reason"); the fields are spelled out only
	// when there is no message, so nothing is said twice.
	if len(e.Fields) > 0 && e.Message == "" {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(": ")
		for i, k := range keys {
			if i > 0 {
				b.WriteString("; ")
			}
			b.WriteString(k)
			b.WriteString(": ")
			b.WriteString(e.Fields[k])
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an Invalid error that names one field.
func FieldError(field, reason string) *Error {
	return &Error{Code: Invalid, Message: field + ": " + reason, Fields: map[string]string{field: reason}}
}

// Wrap builds an *Error of the given code around a cause. The message is
// what the client sees; the cause is only logged.
//
// The one rule for wrapping: an error that crosses a function boundary is
// wrapped with what was being done, either with Wrap (when the caller
// should see a hanok code) or with fmt.Errorf("doing x: %w", err)
// otherwise. CodeOf, MessageOf and errors.Is see through both.
func Wrap(code Code, err error, message string) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// CodeOf returns the code of err: the code of the first *Error in its
// chain, "" for nil, and Internal for anything else (an *Error without a
// code included, so that no failure can pass for a success).
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e != nil && e.Code != "" {
		return e.Code
	}
	return Internal
}

// MessageOf returns the client-safe message of err: the message of its
// *Error, or a generic text for errors that are not *Error.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e != nil && e.Code != "" && e.Code != Internal {
		if e.Message != "" {
			return e.Message
		}
		return string(e.Code)
	}
	return "internal error"
}

// FieldsOf returns the field reasons of err's *Error, or nil.
func FieldsOf(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e.Fields
	}
	return nil
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// RetryAfterOf returns the RetryAfter of err's *Error, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e != nil {
		return e.RetryAfter
	}
	return 0
}
