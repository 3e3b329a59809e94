package calendarhttp

import (
	"errors"
	"net/http"
	"strings"

	"github.com/hanok-dev/hanok"
	"github.com/hanok-dev/hanok/adapters/httpx"
)

// The meta codes of the seed; the HTTP status is a code's first three
// digits.
const (
	CodeSuccess        = 20000 // SUCCESS
	CodeUserExists     = 20010 // USER ID EXIST: signed in to an existing user
	CodeBirthdayExists = 20011 // USER BIRTHDAY EXIST: a birthday was replaced
	CodeInvalid        = 40001 // INVALID PARAMETER, with the field named
	CodeMissingHeader  = 40101 // MISSING HEADER: no token
	CodeInvalidToken   = 40102 // INVAILD TOKEN (the seed's spelling)
	CodeUnauthorized   = 40103 // UNAUTHORIZED REQUEST: wrong password
	CodeForbidden      = 40300 // another user's event or group
	CodeNotFound       = 40400 // unknown id or route
	// CodeMethodNotAllowed is a method the route does not serve.
	CodeMethodNotAllowed = 40500
	CodeConflict         = 40900 // the request clashes with the current state
	CodeTooMany          = 42900 // too many failed sign-ins; see Retry-After
	CodeInternal         = 50000 // internal server error
	CodeUnavailable      = 50300 // a dependency is down
)

// Meta is the envelope's result code and message.
type Meta struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Response is the envelope of every response; Data is left out when there
// is nothing to return.
type Response struct {
	Meta Meta `json:"meta"`
	Data any  `json:"data,omitempty"`
}

func write(w http.ResponseWriter, code int, message string, data any) {
	httpx.WriteJSON(w, code/100, Response{Meta: Meta{Code: code, Message: message}, Data: data})
}

func ok(w http.ResponseWriter, data any) { write(w, CodeSuccess, "SUCCESS", data) }

// errorCode maps an error's hanok code to the seed's meta code and the
// prefix of its message. The status part of the meta code comes from the
// one code -> status table in httpx; the seed adds sub-codes only for a
// bad parameter (40001) and a bad token (40102).
func errorCode(c hanok.Code) (int, string) {
	switch c {
	case hanok.Invalid:
		return CodeInvalid, "INVALID PARAMETER"
	case hanok.Unauthenticated:
		return CodeInvalidToken, "INVAILD TOKEN"
	}
	status := httpx.Status(c)
	return status * 100, strings.ToUpper(http.StatusText(status))
}

// render is the adapter's one renderer: err in the envelope, the seed's
// message, then the client-safe detail (which names the field of a bad
// parameter; of a 5xx, it is a generic text that ends with the request's
// id, as in every service: "INTERNAL SERVER ERROR: internal error
// (request id ...)"). No token is 40101, a bad, expired or revoked one
// 40102, a method the path does not serve 40500.
func (h *handler) render(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := httpx.Report(w, r, h.logger, err)
	if errors.Is(err, httpx.ErrNoToken) {
		write(w, CodeMissingHeader, "MISSING HEADER", nil)
		return
	}
	if status == http.StatusMethodNotAllowed {
		write(w, CodeMethodNotAllowed, "METHOD NOT ALLOWED", nil)
		return
	}
	code, message := errorCode(hanok.CodeOf(err))
	if detail != "" {
		message += ": " + detail
	}
	write(w, code, message, nil)
}
